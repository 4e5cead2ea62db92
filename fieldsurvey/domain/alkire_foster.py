"""The Alkire–Foster adjusted headcount, as analysis beside (never instead of) the official counts.

Each household i gets a weighted deprivation score c_i = Σ w_j·g_ij (weights sum to 1); it is multidimensionally
poor when c_i ≥ k. H = share poor; A = mean score among the poor; M0 = H × A. The censored headcount of indicator j
is the share of households that are poor *and* deprived in j; its contribution is w_j·h_j / M0 (they sum to 100 %).
Households with an unknown indicator are left out and counted (`excluded`), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from fieldsurvey.domain.results import IndicatorResult, Status


@dataclass(frozen=True)
class AlkireFoster:
    households: int                      # households counted (with every indicator known)
    excluded: int                        # left out for an unknown indicator
    k: float
    weights: Mapping[str, float]
    H: float                             # headcount ratio
    A: float                             # intensity among the poor
    M0: float                            # adjusted headcount ratio
    uncensored: Mapping[str, float]      # share deprived in j
    censored: Mapping[str, float]        # share poor and deprived in j
    contribution: Mapping[str, float]    # w_j · censored_j / M0


def equal_nested_weights(indicators: Sequence[tuple[str, str]]) -> dict[str, float]:
    """OPHI's usual weights: each dimension equal, each indicator equal within its dimension.
    `indicators` are (id, dimension) pairs."""
    dims: dict[str, list[str]] = {}
    for ind_id, dim in indicators:
        dims.setdefault(dim, []).append(ind_id)
    return {i: 1 / len(dims) / len(ids) for ids in dims.values() for i in ids}


def alkire_foster(rows: Iterable[Sequence[IndicatorResult] | Mapping[str, bool | None]],
                  weights: Mapping[str, float], k: float) -> AlkireFoster:
    """`rows`: per household, its indicator results, or a mapping indicator id → deprived (None = unknown)."""
    total_w = sum(weights.values())
    if not 0.999 <= total_w <= 1.001:
        raise ValueError(f"weights must sum to 1, they sum to {total_w:.4f}")
    if not 0 < k <= 1:
        raise ValueError("k must be more than 0 and at most 1")
    ids = list(weights)
    n = excluded = poor = 0
    score_sum = 0.0
    dep = dict.fromkeys(ids, 0)
    cen = dict.fromkeys(ids, 0)
    eps = 1e-9
    for row in rows:
        if isinstance(row, Mapping):
            flags = {i: row.get(i) for i in ids}
        else:
            by_id = {r.id: r.status for r in row}
            flags = {i: (None if by_id.get(i) in (None, Status.UNKNOWN) else by_id[i] is Status.DEPRIVED)
                     for i in ids}
        if any(v is None for v in flags.values()):
            excluded += 1
            continue
        n += 1
        c = sum(weights[i] for i in ids if flags[i])
        for i in ids:
            if flags[i]:
                dep[i] += 1
        if c + eps >= k:
            poor += 1
            score_sum += c
            for i in ids:
                if flags[i]:
                    cen[i] += 1
    H = poor / n if n else 0.0
    A = score_sum / poor if poor else 0.0
    M0 = H * A
    censored = {i: cen[i] / n if n else 0.0 for i in ids}
    return AlkireFoster(
        households=n, excluded=excluded, k=k, weights=dict(weights), H=H, A=A, M0=M0,
        uncensored={i: dep[i] / n if n else 0.0 for i in ids},
        censored=censored,
        contribution={i: (weights[i] * censored[i] / M0 if M0 else 0.0) for i in ids},
    )
