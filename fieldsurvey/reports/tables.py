"""The commune summary as tables of plain values (text, whole numbers, percentages as numbers), made once from the
figures and drawn by both the PDF (reports.summary) and the workbook (reports.excel), so the two always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.reports.base import ReportContext, percent
from fieldsurvey.domain.figures import (CAUSES, CHILD_ITEMS, MOVEMENT_COLUMNS, NEAR, POOR, TARGET_GROUPS,
                                        CommuneFigures, Scope)
from fieldsurvey.reports.records import HouseholdRecord, birth_year, label


@dataclass
class TableData:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    percent_cols: frozenset[int] = frozenset()   # columns holding percentages (numbers, 2 decimals)
    bold_rows: frozenset[int] = frozenset()      # row indexes of totals
    note: str = ""
    widths: Sequence[float] = field(default_factory=tuple)   # relative widths for the PDF


def results_table(fig: CommuneFigures, ctx: ReportContext) -> TableData:
    """Per village and for the commune: resident households (the rates' denominator), households on the review's
    list, those still being filled or fixed and those finished but not classifiable (shown apart, never in a
    class), those not yet approved (official figures), the households counted by class, low-income workers and the
    rates. A rate over a village whose resident households are not entered is left empty, and the note says so."""
    tr = ctx.tr
    official = fig.scope is Scope.OFFICIAL
    keys = ["report.col.village", "report.col.residents", "report.col.listed", "report.col.in_progress",
            *(["report.col.waiting"] if official else []), "report.col.incomplete", "report.col.poor", "report.col.near_poor", "report.col.average", "report.col.not_poor",
            "report.col.low_income", "report.col.poverty_rate", "report.col.near_rate", "report.col.md_rate"]
    header = [tr(k) for k in keys]
    rows = []
    for unit in fig.villages + [fig.commune]:
        rows.append([unit.name if unit is not fig.commune else tr("report.col.commune_total"), unit.residents,
                     unit.listed, unit.in_progress, *([unit.waiting] if official else []), unit.unclassified,
                     unit.poor, unit.near_poor, unit.average, unit.classes[HouseholdClass.NOT_POOR],
                     unit.low_income_workers, percent(unit.poor, unit.residents),
                     percent(unit.near_poor, unit.residents), percent(unit.poor + unit.near_poor, unit.residents)])
    n = len(header)
    note = ""
    if fig.residents_missing:
        note = tr("report.summary.t1.no_residents", villages=", ".join(fig.residents_missing))
    return TableData("results", tr("report.summary.t1" if not official else "report.summary.t1.official"), header,
                     rows, frozenset({n - 3, n - 2, n - 1}), frozenset({len(rows) - 1}), note=note,
                     widths=(2.2,) + (1,) * (n - 1))


def movement_table(fig: CommuneFigures, ctx: ReportContext, cls: HouseholdClass) -> TableData:
    tr = ctx.tr
    header = [tr("report.col.village")]
    for col in MOVEMENT_COLUMNS:
        key = f"report.move.{col}.{cls.value}" if col in ("to_other", "from_other") else f"report.move.{col}"
        header.append(tr(key))
    rows = []
    moves = fig.movement[cls]
    for i, m in enumerate(moves):
        rows.append([m.name if i < len(moves) - 1 else tr("report.col.commune_total")] + m.row())
    return TableData(f"movement_{cls.value}", tr(f"report.summary.t2.{cls.value}"), header, rows,
                     bold_rows=frozenset({len(rows) - 1}),
                     note="" if fig.has_previous else tr("report.summary.t2.no_previous"),
                     widths=(2.2,) + (1,) * len(MOVEMENT_COLUMNS))


def deprivation_table(fig: CommuneFigures, ctx: ReportContext, cls: HouseholdClass) -> TableData:
    """Rows: villages, the commune, then the commune's % of households of the class; columns 1 … 12 in the
    standard's (the official) order."""
    tr = ctx.tr
    header = [tr("report.col.village"), tr("report.col.count")] + [str(n) for n, *_ in fig.indicators]
    rows = []
    for unit in fig.villages:
        c = fig.village_deprivations[cls].get(unit.name)
        rows.append([unit.name, unit.classes[cls]] + [(c or {}).get(i, 0) for _, i, *_ in fig.indicators])
    total = fig.class_count(cls)
    rows.append([tr("report.col.commune_total"), total] + [fig.deprivations[cls][i] for _, i, *_ in fig.indicators])
    rows.append(["%", 100.0 if total else 0.0] + [percent(fig.deprivations[cls][i], total)
                                                  for _, i, *_ in fig.indicators])
    n = len(rows)
    names = "; ".join(f"{num}. {vi if ctx.lang == 'vi' else en}" for num, _, vi, en in fig.indicators)
    return TableData(f"deprivations_{cls.value}", tr(f"report.summary.t3.{cls.value}", n=total), header, rows,
                     bold_rows=frozenset({n - 2, n - 1}), note=names,
                     widths=(2.2, 1) + (0.8,) * len(fig.indicators), percent_cols=frozenset())


def percent_row_index(table: TableData) -> int | None:
    """The deprivation tables' last row holds percentages in every numeric column."""
    return len(table.rows) - 1 if table.key.startswith("deprivations_") else None


def _group_table(key: str, title: str, items: Sequence[tuple[str, str]], poor: dict, near: dict,
                 base: tuple[int, int], ctx: ReportContext) -> TableData:
    tr = ctx.tr
    header = [tr("report.col.item"), tr("report.col.poor"), "%", tr("report.col.near_poor"), "%"]
    rows = [[text, poor.get(code, 0), percent(poor.get(code, 0), base[0]), near.get(code, 0),
             percent(near.get(code, 0), base[1])] for code, text in items]
    return TableData(key, title, header, rows, frozenset({2, 4}), widths=(4, 1, 1, 1, 1))


def group_tables(fig: CommuneFigures, ctx: ReportContext) -> list[TableData]:
    tr = ctx.tr
    base = (fig.class_count(POOR), fig.class_count(NEAR))
    ethnicities = sorted(set(fig.ethnicity[POOR]) | set(fig.ethnicity[NEAR]),
                         key=lambda e: (-(fig.ethnicity[POOR][e] + fig.ethnicity[NEAR][e]), e))
    kids = (fig.children[POOR]["children"], fig.children[NEAR]["children"])
    child = _group_table("children", tr("report.summary.t4.children"),
                         [(c, tr(f"report.child.{c}")) for c in CHILD_ITEMS], fig.children[POOR],
                         fig.children[NEAR], kids, ctx)
    child.rows[0][2] = 100.0 if kids[0] else 0.0
    child.rows[0][4] = 100.0 if kids[1] else 0.0
    return [
        _group_table("targets", tr("report.summary.t4.targets"),
                     [(g, tr(f"report.target.{g}")) for g in TARGET_GROUPS], fig.targets[POOR], fig.targets[NEAR],
                     base, ctx),
        _group_table("ethnicity", tr("report.summary.t4.ethnicity"), [(e, e) for e in ethnicities],
                     fig.ethnicity[POOR], fig.ethnicity[NEAR], base, ctx),
        _group_table("causes", tr("report.summary.t4.causes"), [(c, tr(f"report.cause.{c}")) for c in CAUSES],
                     fig.causes[POOR], fig.causes[NEAR], base, ctx),
        child,
    ]


def af_table(fig: CommuneFigures, ctx: ReportContext) -> TableData:
    tr = ctx.tr
    af = fig.af
    header = ["#", tr("report.col.indicator"), tr("report.summary.af.weight"), tr("report.summary.af.uncensored"),
              tr("report.summary.af.censored"), tr("report.summary.af.contribution")]
    rows = [[n, vi if ctx.lang == "vi" else en, round(100 * af.weights[i], 2), round(100 * af.uncensored[i], 2),
             round(100 * af.censored[i], 2), round(100 * af.contribution[i], 2)]
            for n, i, vi, en in fig.indicators]
    return TableData("alkire_foster", tr("report.summary.af"), header, rows, frozenset({2, 3, 4, 5}),
                     widths=(0.4, 4, 1, 1, 1, 1))


def af_headline(fig: CommuneFigures, ctx: ReportContext) -> list[tuple[str, float | int]]:
    af = fig.af
    return [(ctx.tr("report.summary.af.n"), af.households), (ctx.tr("report.summary.af.h"), round(100 * af.H, 2)),
            (ctx.tr("report.summary.af.a"), round(100 * af.A, 2)), (ctx.tr("report.summary.af.m0"), round(af.M0, 4))]


def household_rows(records: Sequence[HouseholdRecord], cls: HouseholdClass, ctx: ReportContext) -> list[list[Any]]:
    """The detailed list: one row per household of the class (members in one cell)."""
    out = []
    for rec in records:
        if rec.cls is not cls or rec.moved_away:
            continue
        members = "; ".join(
            f"{m.name} ({label('relationship', m.get('relationship'), ctx.lang)}, "
            f"{label('sex', m.get('sex'), ctx.lang)}, {birth_year(m) or '?'})" for m in rec.household.members)
        deprived = ", ".join(str(i.number) for i in rec.result.indicators if i.status.value == "deprived")
        head = rec.head
        out.append([len(out) + 1, rec.village, rec.head_name, str((head.get("ethnicity") if head else "") or ""),
                    len(rec.household.members), members, deprived, rec.result.b2_score])
    return out


def household_header(ctx: ReportContext) -> list[str]:
    tr = ctx.tr
    return [tr("report.sheet.col.no"), tr("report.col.village"), tr("report.lists.col.head"),
            tr("report.lists.col.ethnicity"), tr("report.lists.col.members"), tr("report.col.members"),
            tr("report.lists.col.deprived"), "B2"]


def member_header(ctx: ReportContext) -> list[str]:
    tr = ctx.tr
    return [tr("report.sheet.col.no"), tr("report.col.village"), tr("report.xlsx.col.code"),
            tr("report.lists.col.head"), tr("report.lists.col.members"), tr("report.lists.col.deprived"), "B2",
            tr("report.xlsx.col.member"), tr("report.xlsx.col.relationship"), tr("report.xlsx.col.sex"),
            tr("report.xlsx.col.birth_year"), tr("report.xlsx.col.ethnicity")]


def member_rows(records: Sequence[HouseholdRecord], cls: HouseholdClass, ctx: ReportContext) -> list[list[Any]]:
    """The detailed list for a workbook: one row per member, the household's columns on each (so it filters)."""
    out = []
    number = 0
    for rec in records:
        if rec.cls is not cls or rec.moved_away:
            continue
        number += 1
        deprived = ", ".join(str(i.number) for i in rec.result.indicators if i.status.value == "deprived")
        for m in rec.household.members or [None]:
            member = [m.name, label("relationship", m.get("relationship"), ctx.lang),
                      label("sex", m.get("sex"), ctx.lang), birth_year(m), str(m.get("ethnicity") or "")] \
                if m is not None else ["", "", "", None, ""]
            out.append([number, rec.village, rec.household.uuid[:8], rec.head_name, len(rec.household.members),
                        deprived, rec.result.b2_score] + member)
    return out
