"""The outcome report as plain tables, for the CSV and XLSX downloads and the PDF.

Each table is a header and rows of cells: numbers (rounded, so a spreadsheet can still sum
them), text, or "" where there is no figure. A figure withheld because too few people stand
behind it says "withheld", so a reader can tell it apart from one that could not be computed.
The cell functions work on one item of the report (a comparison, a balance row, ...) and leave
the measure out, so the PDF can lay out the same figures under a measure's heading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from outcomes import analysis
from outcomes.report import (
    BreakdownRow,
    Comparison,
    DoseResult,
    MeasureResult,
    OutcomeReport,
    TermPoint,
)

ESTIMATE_PLACES = 3
#: p-values keep this many significant figures: rounded to places, a small one would read 0.
P_FIGURES = 3


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    header: list[str]
    rows: list[list]


def withheld() -> str:
    return _("withheld")


def number(value: float | None, places: int = ESTIMATE_PLACES) -> float | str:
    """`value` rounded to `places`, or "" for no value (None, NaN, infinite)."""
    if value is None or not math.isfinite(value):
        return ""
    # Adding 0.0 turns a rounded -0.0 into 0.0, which no reader wants to see.
    return round(float(value), places) + 0.0


def p_value(value: float | None) -> float | str:
    if value is None or not math.isfinite(value):
        return ""
    return float(f"{value:.{P_FIGURES}g}")


def count(value: int | None) -> int | str:
    return "" if value is None else int(value)


def comparison_label(comparison: Comparison) -> str:
    return _("Matched") if comparison.matched else _("All")


def result_cells(comparison: Comparison) -> list:
    """participants, comparison students, estimate, CI low, CI high, effect size, p-value."""
    if comparison.withheld:
        return [withheld()] * 7
    if comparison.did is not None:
        did = comparison.did
        return [
            count(comparison.n_t),
            count(comparison.n_c),
            number(did.estimate),
            number(did.ci_low),
            number(did.ci_high),
            number(did.effect_size),
            p_value(did.p_value),
        ]
    if comparison.rates is not None:
        rates = comparison.rates
        return [
            count(comparison.n_t),
            count(comparison.n_c),
            number(rates.difference),
            number(rates.ci_low),
            number(rates.ci_high),
            number(rates.cox_index),
            "",
        ]
    return [count(comparison.n_t), count(comparison.n_c), "", "", "", "", ""]


def verdict_label(verdict: str | None) -> str:
    labels = {
        "equivalent": _("equivalent"),
        "adjust": _("adjust"),
        "not equivalent": _("not equivalent"),
    }
    return labels.get(verdict, verdict or "")


def balance_cells(row: analysis.BalanceRow, *, hidden: bool) -> list:
    """trait, participants' mean, comparison mean, standardised difference, verdict.

    `hidden` when the comparison these groups belong to is withheld: their means describe
    fewer people than the program shows figures for."""
    if hidden:
        return [row.name, withheld(), withheld(), withheld(), withheld()]
    return [
        row.name,
        number(row.mean_t),
        number(row.mean_c),
        number(row.difference),
        verdict_label(row.verdict),
    ]


def breakdown_cells(row: BreakdownRow) -> list:
    """group, participants, estimate, CI low, CI high."""
    if row.withheld:
        return [row.key, withheld(), withheld(), withheld(), withheld()]
    return [
        row.key,
        count(row.n_t),
        number(row.estimate),
        number(row.ci_low),
        number(row.ci_high),
    ]


def period_label(point: TermPoint) -> str:
    return _("Before") if point.before else _("After")


def series_cells(point: TermPoint) -> list:
    """term, period, participants' mean, participants, comparison mean, comparison students."""
    return [
        point.term,
        period_label(point),
        withheld() if point.value_t is None else number(point.value_t),
        withheld() if point.n_t is None else count(point.n_t),
        withheld() if point.value_c is None else number(point.value_c),
        withheld() if point.n_c is None else count(point.n_c),
    ]


def dose_label(dose: DoseResult) -> str:
    return {"sessions": _("Sessions held"), "hours": _("Hours")}.get(dose.dose, dose.dose)


def dose_cells(dose: DoseResult) -> list:
    """dose, slope, CI low, CI high, participants."""
    slope = dose.slope
    if slope is None:
        return [dose_label(dose), "", "", "", ""]
    return [
        dose_label(dose),
        number(slope.slope),
        number(slope.ci_low),
        number(slope.ci_high),
        count(slope.n),
    ]


def balance_groups(measure: MeasureResult):
    """(label, rows, hidden) for the balance before and after matching."""
    return [
        (_("Before matching"), measure.balance_before, measure.overall.withheld),
        (_("After matching"), measure.balance_after, measure.matched.withheld),
    ]


def _results(measures: list[MeasureResult]) -> Table:
    header = [
        _("Measure"),
        _("Comparison"),
        _("Participants"),
        _("Comparison students"),
        _("Estimate"),
        _("CI low"),
        _("CI high"),
        _("Effect size (Hedges' g or Cox index)"),
        _("p-value"),
        _("Sentence"),
    ]
    rows = [
        [
            measure.label,
            comparison_label(comparison),
            *result_cells(comparison),
            comparison.sentence,
        ]
        for measure in measures
        for comparison in (measure.overall, measure.matched)
    ]
    return Table(slug="results", title=_("Results"), header=header, rows=rows)


def _balance(measures: list[MeasureResult]) -> Table:
    header = [
        _("Measure"),
        _("Matching"),
        _("Trait"),
        _("Participants' mean"),
        _("Comparison mean"),
        _("Standardised difference"),
        _("Verdict"),
    ]
    rows = [
        [measure.label, label, *balance_cells(row, hidden=hidden)]
        for measure in measures
        for label, balance, hidden in balance_groups(measure)
        for row in balance
    ]
    return Table(slug="balance", title=_("Balance"), header=header, rows=rows)


def _breakdowns(measures: list[MeasureResult]) -> Table:
    header = [
        _("Measure"),
        _("Breakdown"),
        _("Group"),
        _("Participants"),
        _("Estimate"),
        _("CI low"),
        _("CI high"),
    ]
    rows = [
        [measure.label, breakdown.title, *breakdown_cells(row)]
        for measure in measures
        for breakdown in measure.breakdowns
        for row in breakdown.rows
    ]
    return Table(slug="breakdowns", title=_("Breakdowns"), header=header, rows=rows)


def _series(measures: list[MeasureResult]) -> Table:
    header = [
        _("Measure"),
        _("Term"),
        _("Period"),
        _("Participants' mean"),
        _("Participants"),
        _("Comparison mean"),
        _("Comparison students"),
    ]
    rows = [
        [measure.label, *series_cells(point)] for measure in measures for point in measure.series
    ]
    return Table(slug="terms", title=_("Terms"), header=header, rows=rows)


def _dose(measures: list[MeasureResult]) -> Table:
    header = [
        _("Measure"),
        _("Dose"),
        _("Slope"),
        _("CI low"),
        _("CI high"),
        _("Participants"),
    ]
    rows = [[measure.label, *dose_cells(dose)] for measure in measures for dose in measure.dose]
    return Table(slug="dose", title=_("Dose and response"), header=header, rows=rows)


def report_tables(*, report: OutcomeReport) -> list[Table]:
    """The report's results, balance, breakdowns, term series and dose, one table each."""
    measures = report.measures
    return [
        _results(measures),
        _balance(measures),
        _breakdowns(measures),
        _series(measures),
        _dose(measures),
    ]
