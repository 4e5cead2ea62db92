"""The province's tables as a state-format report (resources/templates/bao-cao-tong-hop-tinh.toml, kind
`province_report`): the data its template's placeholders and tables take, from the province's tables
(domain.province.ProvinceTables) — a row per commune that reported, the province's row as each table's total, last
year's figures and the change beside this year's. Drawn by reports/render.TemplateRenderer like the commune's
report."""

from __future__ import annotations

from typing import Any

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import CLASSES, ProvinceTables, UnitRow
from fieldsurvey.i18n import format_number
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.reports.documents import state_date
from fieldsurvey.reports.render import DocumentData, Rows

PROVINCE_PREFIXES = ("tỉnh ", "thành phố ")


def province_place(name: str) -> str:
    """The place written before the date: the province's name without "Tỉnh" / "Thành phố" (Decree 30/2020)."""
    low = name.lower()
    for prefix in PROVINCE_PREFIXES:
        if low.startswith(prefix) and name[len(prefix):]:
            return name[len(prefix):]
    return name


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def commune_row(r: UnitRow) -> dict[str, Any]:
    last = r.last_year
    return {"residents": r.residents, "poor": r.poor, "poor_rate": _r(r.poverty_rate),
            "near_poor": r.near_poor, "near_poor_rate": _r(r.near_poverty_rate), "md_rate": _r(r.multidimensional_rate),
            "average": r.results["average"], "counted": r.results["counted"],
            "waiting": r.results["waiting"] + r.results["in_progress"],
            "last_year": str(last.year) if last else None, "last_poor": last.poor if last else None,
            "last_poor_rate": _r(last.poverty_rate) if last else None,
            "last_near_poor": last.near_poor if last else None,
            "last_near_poor_rate": _r(last.near_poverty_rate) if last else None,
            "poor_change": r.poor_change, "poor_rate_change": _r(r.poverty_rate_change),
            "near_poor_change": r.near_poor_change, "near_poor_rate_change": _r(r.near_poverty_rate_change)}


def _rows(tb: ProvinceTables, make) -> Rows:
    """A table's rows: one per commune, the province's as the total (its label the template's)."""
    return Rows([{"code": r.code, "name": r.name, **make(r)} for r in tb.communes], make(tb.province))


def province_report_data(tb: ProvinceTables, ctx: ReportContext, number: Any = None,
                         chairman: str | None = None) -> DocumentData:
    lang = ctx.lang
    p = tb.province
    sources: dict[str, Rows] = {"communes": _rows(tb, commune_row)}
    for k in CLASSES:
        sources[f"movement_{k}"] = _rows(tb, lambda r, k=k: dict(zip(MOVEMENT_COLUMNS, r.movement[k])))
        sources[f"deprivation_{k}"] = _rows(tb, lambda r, k=k: {
            "count": r.results[k], **{f"i{j + 1}": v for j, v in enumerate(r.deprivations[k])}})
    sources["targets"] = _rows(tb, lambda r: {f"{k}_{g}": r.targets[k][j] for k in CLASSES
                                              for j, g in enumerate(TARGET_GROUPS)})
    sources["minority"] = _rows(tb, lambda r: {
        "minority_residents": r.minority_residents, "counted": r.minority["counted"], "poor": r.minority["poor"],
        "poor_rate": _r(r.minority_rate("poor")), "near_poor": r.minority["near_poor"],
        "near_poor_rate": _r(r.minority_rate("near_poor"))})

    def pct(v: float | None) -> str:
        return "—" if v is None else format_number(round(v, 2), lang, 2)

    last = p.last_year
    last_text = ctx.tr("report.province.last_year", year=last.year, poor=format_number(last.poor, lang),
                       poor_rate=pct(last.poverty_rate), near=format_number(last.near_poor, lang),
                       near_rate=pct(last.near_poverty_rate)) if last else ""
    values = {"province": tb.province_name, "province_place": province_place(tb.province_name),
              "year": str(tb.year), "round": ctx.round_text, "standard": ctx.standard.title(lang),
              "date": state_date(ctx.issued_on if ctx.official else None, lang), "number": number,
              "chairman": chairman, "printed_at": ctx.printed_text,
              "reported": format_number(len(tb.communes), lang), "missing": format_number(len(tb.not_reported), lang),
              "households": format_number(p.residents, lang) if p.residents is not None else "—",
              "poor_count": format_number(p.poor, lang), "poor_rate": pct(p.poverty_rate),
              "near_poor_count": format_number(p.near_poor, lang), "near_poor_rate": pct(p.near_poverty_rate),
              "last_year_text": last_text,
              "indicator_names": "; ".join(f"{n}. {vi if lang == 'vi' else en}" for n, _, vi, en in tb.indicators)}
    return DocumentData(values, sources)
