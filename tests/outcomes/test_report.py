"""The outcome report on data whose answers are known: estimates, sentences, matching,
breakdowns with suppression (also by subtraction), the term series and dose."""

import numpy as np
import pytest
import statsmodels.formula.api as smf
from pandas import DataFrame

from outcomes.models import OutcomePerson, OutcomeRecord
from outcomes.report import outcome_report
from programs.models import CareerStage
from sessions.models import Meeting, SessionLog
from tests.outcomes.helpers import make_outcome_program, make_participant

pytestmark = pytest.mark.django_db


def _records(program, person, values: dict[str, float], measure="gpa"):
    OutcomeRecord.objects.bulk_create(
        OutcomeRecord(person=person, term=term, measure=measure, value=value)
        for term, value in values.items()
    )


def _comparison(program, key, values, *, stage="First-year", measure="gpa"):
    person = OutcomePerson.objects.create(
        program=program,
        institutional_id=key,
        career_stage=CareerStage.objects.get(program=program, name=stage),
    )
    _records(program, person, values, measure)
    return person


def _participant(program, key, values, *, stage="First-year", role="mentee", measure="gpa"):
    user = make_participant(program, institutional_id=key, stage=stage, role=role)
    person = OutcomePerson.objects.create(program=program, user=user, institutional_id=key)
    _records(program, person, values, measure)
    return user


def _gpa_program(*, participants=12, comparison=12, min_cell=10):
    """Participants go 3.0 -> 3.5 (+/- 0.1), the comparison 3.0 -> 3.2 (+/- 0.1)."""
    program = make_outcome_program(min_cell_size=min_cell)
    for i in range(participants):
        wiggle = 0.1 if i % 2 else -0.1
        _participant(program, f"P{i}", {"2025-fall": 3.0, "2026-fall": 3.5 + wiggle})
    for i in range(comparison):
        wiggle = 0.1 if i % 2 else -0.1
        _comparison(program, f"C{i}", {"2025-fall": 3.0, "2026-fall": 3.2 + wiggle})
    return program


def test_difference_in_differences_and_its_sentence():
    program = _gpa_program()
    report = outcome_report(program=program)
    (gpa,) = report.measures
    did = gpa.overall.did
    assert (did.n_t, did.n_c) == (12, 12)
    assert did.estimate == pytest.approx(0.3)
    long = DataFrame(
        {
            "y": [3.0] * 24
            + [3.5 + (0.1 if i % 2 else -0.1) for i in range(12)]
            + [3.2 + (0.1 if i % 2 else -0.1) for i in range(12)],
            "treated": ([1] * 12 + [0] * 12) * 2,
            "post": [0] * 24 + [1] * 24,
            "person": list(range(24)) * 2,
        }
    )
    fit = smf.ols("y ~ treated * post", data=long).fit(
        cov_type="cluster", cov_kwds={"groups": long["person"]}, use_t=True
    )
    low, high = fit.conf_int().loc["treated:post"]
    assert (did.ci_low, did.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert gpa.overall.sentence == (
        f"Participants' GPA rose 0.30 points more than the comparison group's (95% CI "
        f"{low:.2f} to {high:.2f}; 12 participants, 12 comparison students)."
    )
    assert "observational" in report.caveat


def test_groups_under_the_smallest_size_are_withheld():
    program = _gpa_program(participants=9, comparison=12)
    (gpa,) = outcome_report(program=program).measures
    assert gpa.overall.withheld
    assert gpa.overall.did is None
    assert gpa.overall.sentence.startswith("Not shown: fewer than 10 people")


def test_the_matched_comparison_balances_career_stage():
    program = make_outcome_program(min_cell_size=3)
    for i in range(6):
        _participant(program, f"P{i}", {"2025-fall": 3.0, "2026-fall": 3.4}, stage="First-year")
    for i in range(3):
        _participant(program, f"Q{i}", {"2025-fall": 3.0, "2026-fall": 3.4}, stage="Final-year")
    # The comparison is mostly final-year students, whose GPA rises less here.
    for i in range(3):
        _comparison(program, f"C{i}", {"2025-fall": 3.0, "2026-fall": 3.3}, stage="First-year")
    for i in range(9):
        _comparison(program, f"D{i}", {"2025-fall": 3.0, "2026-fall": 3.0}, stage="Final-year")
    (gpa,) = outcome_report(program=program).measures
    assert gpa.overall.did.estimate == pytest.approx(3.4 - 3.0 - (0.3 * 3 / 12))
    # Weighted to the participants' 2:1 stage mix, the comparison changed 2/3*0.3 + 1/3*0.
    assert gpa.matched.did.estimate == pytest.approx(0.4 - 0.2)
    stage_before = {row.name: row for row in gpa.balance_before}
    stage_after = {row.name: row for row in gpa.balance_after}
    first = "Career stage: First-year"
    assert stage_before[first].verdict == "not equivalent"
    assert stage_after[first].mean_c == pytest.approx(stage_after[first].mean_t)
    assert stage_after[first].verdict == "equivalent"


def test_a_yes_no_measure_compares_rates_with_newcombes_interval():
    program = make_outcome_program(min_cell_size=10)
    for i in range(70):
        _participant(program, f"P{i}", {"2026-fall": 1.0 if i < 56 else 0.0}, measure="retained")
    for i in range(80):
        _comparison(program, f"C{i}", {"2026-fall": 1.0 if i < 48 else 0.0}, measure="retained")
    (retained,) = outcome_report(program=program).measures
    rates = retained.overall.rates
    assert (rates.rate_t, rates.rate_c) == (pytest.approx(0.8), pytest.approx(0.6))
    # Newcombe (1998), method 10, example (a): 56/70 vs 48/80.
    assert (round(rates.ci_low, 4), round(rates.ci_high, 4)) == (0.0524, 0.3339)
    assert retained.overall.sentence == (
        "80.0% of participants were retained at the end, against 60.0% of the comparison "
        "group: a difference of 20.0 percentage points (95% CI 5.2 to 33.4; 70 participants, "
        "80 comparison students)."
    )


def test_a_breakdown_withholds_a_small_group_and_the_one_that_would_reveal_it():
    program = _gpa_program(participants=0, comparison=12, min_cell=3)
    for i in range(5):
        _participant(program, f"M{i}", {"2025-fall": 3.0, "2026-fall": 3.6}, role="mentee")
    for i in range(4):
        _participant(
            program,
            f"N{i}",
            {"2025-fall": 3.0, "2026-fall": 3.6},
            role="mentor",
            stage="Second-year",
        )
    for i in range(2):
        _participant(
            program,
            f"F{i}",
            {"2025-fall": 3.0, "2026-fall": 3.6},
            role="mentor",
            stage="Final-year",
        )
    (gpa,) = outcome_report(program=program).measures
    stages = next(b for b in gpa.breakdowns if b.title == "By career stage")
    shown = {row.key: (row.n_t, row.withheld) for row in stages.rows}
    # Final-year (2) is under 3; Second-year (4), the smallest other, goes too, or the total
    # of 11 minus First-year's 5 would give it away.
    assert shown == {
        "Final-year": (None, True),
        "First-year": (5, False),
        "Second-year": (None, True),
    }
    roles = next(b for b in gpa.breakdowns if b.title == "By role")
    assert {row.key: row.n_t for row in roles.rows} == {"Mentees": 5, "Mentors": 6}
    first = next(row for row in stages.rows if row.key == "First-year")
    assert first.estimate == pytest.approx(0.6 - 0.2)


def test_the_term_series_shows_each_groups_mean_and_withholds_small_cells():
    program = _gpa_program(participants=12, comparison=12, min_cell=10)
    person = OutcomePerson.objects.filter(program=program, user__isnull=False).first()
    _records(program, person, {"2026-spring": 3.9})
    (gpa,) = outcome_report(program=program).measures
    points = {p.term: (p.before, p.value_t, p.n_t, p.value_c, p.n_c) for p in gpa.series}
    assert points["2025-fall"] == (True, 3.0, 12, 3.0, 12)
    assert points["2026-spring"] == (False, None, None, None, None)
    assert points["2026-fall"][1] == pytest.approx(3.5)
    assert points["2026-fall"][3] == pytest.approx(3.2)


def test_dose_and_response_is_the_slope_of_change_on_sessions_held():
    from datetime import timedelta

    from django.utils import timezone

    program = make_outcome_program(min_cell_size=3)
    start = timezone.now() - timedelta(days=30)
    changes = []
    for i in range(6):
        user = _participant(program, f"P{i}", {"2025-fall": 3.0, "2026-fall": 3.0 + 0.1 * i})
        match = user.applications.get().mentee_matches.get()
        for k in range(i):
            meeting = Meeting.objects.create(
                program=program,
                mentor=match.mentor.user,
                match=match,
                start=start + timedelta(days=k, hours=i),
                end=start + timedelta(days=k, hours=i, minutes=30),
            )
            SessionLog.objects.create(meeting=meeting, author=user, outcome=SessionLog.Outcome.HELD)
        changes.append(0.1 * i)
    for i in range(4):
        _comparison(program, f"C{i}", {"2025-fall": 3.0, "2026-fall": 3.0})
    (gpa,) = outcome_report(program=program).measures
    sessions = next(d for d in gpa.dose if d.dose == "sessions")
    assert sessions.slope.slope == pytest.approx(0.1)
    assert sessions.slope.n == 6
    hours = next(d for d in gpa.dose if d.dose == "hours")
    assert hours.slope.slope == pytest.approx(0.2)
    assert np.isclose(sum(changes), 1.5)
