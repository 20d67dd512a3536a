"""The outcome report's download tables and its PDF: exact cells on a report whose figures
are known, withheld cells, and a PDF read back with pypdf, user text printed as typed."""

import io
import math
from datetime import date

import pytest
from pypdf import PdfReader

from outcomes.analysis import BalanceRow, DidResult, RateDifference, Slope
from outcomes.pdf import impact_pdf
from outcomes.report import (
    Breakdown,
    BreakdownRow,
    Comparison,
    DoseResult,
    MeasureResult,
    OutcomeReport,
    TermPoint,
    outcome_report,
)
from outcomes.tables import Table, report_tables
from programs.models import Program
from tests.outcomes.helpers import make_outcome_program
from tests.outcomes.test_report import _comparison, _participant


def _did(**fields) -> DidResult:
    values = {
        "estimate": 0.30004,
        "ci_low": 0.12345,
        "ci_high": 0.47666,
        "p_value": 0.00012345,
        "se": 0.09,
        "n_t": 12,
        "n_c": 14,
        "mean_before_t": 3.0,
        "mean_after_t": 3.5,
        "mean_before_c": 3.0,
        "mean_after_c": 3.2,
        "effect_size": None,
        **fields,
    }
    return DidResult(**values)


def _gpa() -> MeasureResult:
    return MeasureResult(
        code="gpa",
        label="GPA",
        yes_no=False,
        unit="points",
        overall=Comparison(matched=False, n_t=12, n_c=14, did=_did(), sentence="GPA rose."),
        matched=Comparison(matched=True, n_t=2, n_c=14, withheld=True, sentence="Not shown."),
        balance_before=[
            BalanceRow("Baseline value", 3.00049, 2.9996, -0.00004, "equivalent"),
            BalanceRow("Career stage: First-year", 0.5, None, None, None),
        ],
        balance_after=[BalanceRow("Baseline value", 3.0, 3.0, 0.0, "equivalent")],
        breakdowns=[
            Breakdown(
                title="By role",
                rows=[
                    BreakdownRow("Mentees", 10, 0.25049, -0.1, 0.6, withheld=False),
                    BreakdownRow("Mentors", None, None, None, None, withheld=True),
                ],
            )
        ],
        series=[
            TermPoint("2025-fall", True, 3.0, 12, 3.1, 14),
            TermPoint("2026-spring", False, 3.51234, 12, None, None),
        ],
        dose=[
            DoseResult("sessions", Slope(0.0512, 0.0101, 0.0923, 0.02, 12), "Each session."),
            DoseResult("hours", None, "Not enough participants."),
        ],
    )


def _retained() -> MeasureResult:
    rates = RateDifference(0.8, 0.6, 0.2, 0.05237, 0.33391, 70, 80, cox_index=0.59961)
    return MeasureResult(
        code="retained",
        label="Retained",
        yes_no=True,
        unit="",
        overall=Comparison(matched=False, n_t=70, n_c=80, rates=rates, sentence="80.0%."),
        matched=Comparison(matched=True, n_t=70, n_c=80),
    )


def _known_report(name: str = "Peer Mentoring") -> OutcomeReport:
    program = Program(
        name=name,
        outcome_terms="2025-fall\n2026-spring",
        outcome_first_term="2026-spring",
        min_cell_size=10,
    )
    return OutcomeReport(
        program=program, min_cell=10, measures=[_gpa(), _retained()], participants=72, comparison=80
    )


def _tables() -> dict[str, Table]:
    return {table.slug: table for table in report_tables(report=_known_report())}


def test_the_tables_come_in_order_with_their_titles_and_headers():
    tables = report_tables(report=_known_report())
    assert [(table.slug, table.title, table.header) for table in tables] == [
        (
            "results",
            "Results",
            [
                "Measure",
                "Comparison",
                "Participants",
                "Comparison students",
                "Estimate",
                "CI low",
                "CI high",
                "Effect size (Hedges' g or Cox index)",
                "p-value",
                "Sentence",
            ],
        ),
        (
            "balance",
            "Balance",
            [
                "Measure",
                "Matching",
                "Trait",
                "Participants' mean",
                "Comparison mean",
                "Standardised difference",
                "Verdict",
            ],
        ),
        (
            "breakdowns",
            "Breakdowns",
            ["Measure", "Breakdown", "Group", "Participants", "Estimate", "CI low", "CI high"],
        ),
        (
            "terms",
            "Terms",
            [
                "Measure",
                "Term",
                "Period",
                "Participants' mean",
                "Participants",
                "Comparison mean",
                "Comparison students",
            ],
        ),
        (
            "dose",
            "Dose and response",
            ["Measure", "Dose", "Slope", "CI low", "CI high", "Participants"],
        ),
    ]


def test_the_results_table_rounds_estimates_and_says_withheld_for_a_withheld_comparison():
    withheld = ["withheld"] * 7
    assert _tables()["results"].rows == [
        ["GPA", "All", 12, 14, 0.3, 0.123, 0.477, "", 0.000123, "GPA rose."],
        ["GPA", "Matched", *withheld, "Not shown."],
        ["Retained", "All", 70, 80, 0.2, 0.052, 0.334, 0.6, "", "80.0%."],
        ["Retained", "Matched", 70, 80, "", "", "", "", "", ""],
    ]


def test_the_balance_table_withholds_the_means_of_a_withheld_comparison():
    rows = _tables()["balance"].rows
    assert rows == [
        ["GPA", "Before matching", "Baseline value", 3.0, 3.0, 0.0, "equivalent"],
        ["GPA", "Before matching", "Career stage: First-year", 0.5, "", "", ""],
        ["GPA", "After matching", "Baseline value", *["withheld"] * 4],
    ]
    # A difference that rounds to zero is 0.0, never "-0.0".
    assert math.copysign(1, rows[0][5]) == 1


def test_the_breakdown_series_and_dose_tables():
    tables = _tables()
    assert tables["breakdowns"].rows == [
        ["GPA", "By role", "Mentees", 10, 0.25, -0.1, 0.6],
        ["GPA", "By role", "Mentors", "withheld", "withheld", "withheld", "withheld"],
    ]
    assert tables["terms"].rows == [
        ["GPA", "2025-fall", "Before", 3.0, 12, 3.1, 14],
        ["GPA", "2026-spring", "After", 3.512, 12, "withheld", "withheld"],
    ]
    assert tables["dose"].rows == [
        ["GPA", "Sessions held", 0.051, 0.01, 0.092, 12],
        ["GPA", "Hours", "", "", "", ""],
    ]


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def _program_with_data(**fields):
    """Nine participants (four first-year, three second-year, two final-year mentors) and
    nine comparison students, GPA before and after; smallest group shown 3."""
    program = make_outcome_program(min_cell_size=3, **fields)
    for i in range(4):
        wiggle = 0.1 if i % 2 else -0.1
        _participant(program, f"P{i}", {"2025-fall": 3.0, "2026-fall": 3.5 + wiggle})
    for i in range(3):
        _participant(program, f"S{i}", {"2025-fall": 3.0, "2026-fall": 3.6}, stage="Second-year")
    for i in range(2):
        _participant(
            program,
            f"F{i}",
            {"2025-fall": 3.0, "2026-fall": 3.6},
            stage="Final-year",
            role="mentor",
        )
    for i in range(6):
        wiggle = 0.1 if i % 2 else -0.1
        _comparison(program, f"C{i}", {"2025-fall": 3.0, "2026-fall": 3.2 + wiggle})
    for i in range(3):
        _comparison(program, f"D{i}", {"2025-fall": 3.0, "2026-fall": 3.0}, stage="Second-year")
    return program


@pytest.mark.django_db
def test_tables_of_a_real_report_withhold_small_and_recoverable_groups_and_terms():
    program = _program_with_data()
    tables = {table.slug: table for table in report_tables(report=outcome_report(program=program))}
    stages = [row for row in tables["breakdowns"].rows if row[1] == "By career stage"]
    assert [row[2:4] for row in stages] == [
        ["Final-year", "withheld"],
        ["First-year", 4],
        ["Second-year", "withheld"],
    ]
    assert tables["terms"].rows == [
        ["GPA", "2025-spring", "Before", *["withheld"] * 4],
        ["GPA", "2025-fall", "Before", 3.0, 9, 3.0, 9],
        ["GPA", "2026-spring", "After", *["withheld"] * 4],
        ["GPA", "2026-fall", "After", 3.556, 9, 3.133, 9],
    ]
    (all_students, matched) = tables["results"].rows
    assert all_students[:5] == ["GPA", "All", 9, 9, 0.422]
    assert matched[:4] == ["GPA", "Matched", 7, 9]


@pytest.mark.django_db
def test_the_pdf_has_the_program_method_caveat_and_headline_sentences():
    program = _program_with_data(name="Peer Mentoring Ünïcødé")
    report = outcome_report(program=program)
    pdf = impact_pdf(report=report, today=date(2026, 7, 1))

    assert pdf.startswith(b"%PDF-")
    pages, text = _text(pdf)
    assert pages >= 1
    assert "Impact report: Peer Mentoring Ünïcødé" in text
    assert "Prepared on 1 July 2026. 9 participants and 9 comparison students." in text
    assert "The smallest group shown is 3 people" in text
    assert " ".join(report.caveat.split()) in text
    (gpa,) = report.measures
    assert gpa.overall.sentence in text
    assert gpa.matched.sentence in text
    for dose in gpa.dose:
        assert dose.sentence in text
    assert "By career stage" in text
    assert "withheld" in text
    assert f"Page {pages}" in text


@pytest.mark.django_db
def test_a_program_name_with_markup_is_printed_as_typed():
    program = _program_with_data(name="<b>Evil & co</b>")
    pdf = impact_pdf(report=outcome_report(program=program))

    _pages, text = _text(pdf)
    assert "Impact report: <b>Evil & co</b>" in text
    assert "&amp;" not in text


def test_the_pdf_of_a_report_built_by_hand_shows_withheld_comparisons_and_yes_no_measures():
    report = _known_report(name="Mentoring <i>& more</i>\x01")
    pages, text = _text(impact_pdf(report=report, today=date(2026, 7, 1)))

    assert pages >= 1
    assert "Impact report: Mentoring <i>& more</i> Prepared" in text
    assert "GPA rose." in text
    assert "Not shown." in text
    assert "80.0%." in text
    assert "Sessions held: Each session." in text


def test_the_pdf_of_a_report_with_no_measures_says_so():
    report = OutcomeReport(
        program=Program(name="Empty"), min_cell=10, measures=[], participants=0, comparison=0
    )
    _pages, text = _text(impact_pdf(report=report, today=date(2026, 7, 1)))

    assert "No outcome records have been imported yet." in text
