"""The impact report on known data, checked against scipy computed independently."""

import csv
import io

import numpy as np
import pytest
from django.urls import reverse
from scipy import stats

from evaluation.exporting import BOM
from evaluation.selectors import impact_report, impact_rows
from evaluation.services import survey_answer, survey_invitations_for_approval, survey_send
from tests.evaluation.helpers import (
    make_application,
    make_coordinator,
    make_program,
    make_survey,
    stage,
)

pytestmark = pytest.mark.django_db

CONFIDENCE = "I feel confident about my studies."
HOURS = "Hours studied per week"
BASELINE_QUESTIONS = (
    (CONFIDENCE, "likert"),
    (HOURS, "number", {"min_value": 0, "max_value": 60}),
)
# Same questions at the end; the first written differently (case, spaces): still the same.
END_QUESTIONS = (
    ("I FEEL confident  about my studies. ", "likert"),
    (HOURS, "number", {"min_value": 0, "max_value": 60}),
)

# (program, role, stage, confidence before, after, hours before, after)
PEOPLE = [
    ("North", "mentee", "First-year", 2, 4, 5, 8),
    ("North", "mentee", "First-year", 3, 3, 10, 12),
    ("North", "mentee", "First-year", 1, 4, 2, 9.5),
    ("North", "mentee", "First-year", 2, 2, 6, 6),
    ("North", "mentee", "Second-year", 3, 5, 8, 7),
    ("North", "mentee", "Second-year", 4, 5, 12, 15),
    ("North", "mentor", "Final-year", 4, 4, 20, 18),
    ("North", "mentor", "Final-year", 3, 4, 15, 16),
    ("North", "mentor", "Final-year", 5, 5, 25, 25),
    ("South", "mentee", "First-year", 2, 3, 4, 10),
    ("South", "mentee", "First-year", 1, 3, 3, 3),
    ("South", "mentee", "First-year", 3, 4, 7, 11),
    ("South", "mentee", "First-year", 2, 5, 9, 14),
    ("South", "mentor", "Final-year", 4, 5, 18, 20),
    ("South", "mentor", "Final-year", 3, 3, 22, 21),
]


def _answer(invitation, values: dict[str, float]):
    by_text = {" ".join(q.text.split()).casefold(): q.pk for q in invitation.survey.questions.all()}
    answers = {by_text[" ".join(t.split()).casefold()]: v for t, v in values.items()}
    survey_answer(invitation=invitation, answers=answers)


@pytest.fixture
def programs():
    programs = {name: make_program(name=name, slug=name.lower()) for name in ("North", "South")}
    for program in programs.values():
        make_survey(program, title="Start", questions=BASELINE_QUESTIONS)
        make_survey(program, moment="end", title="End", questions=END_QUESTIONS)
    end_answers = {}
    for name, role, stage_name, c0, c1, h0, h1 in PEOPLE:
        program = programs[name]
        person = make_application(program, role, career_stage=stage(program, stage_name))
        [baseline] = survey_invitations_for_approval(application=person)
        _answer(baseline, {CONFIDENCE: c0, HOURS: h0})
        end_answers[person.pk] = {CONFIDENCE: c1, HOURS: h1}
    # Someone who only answered at baseline is not paired.
    dropout = make_application(programs["North"], "mentee")
    [baseline] = survey_invitations_for_approval(application=dropout)
    _answer(baseline, {CONFIDENCE: 1, HOURS: 1})
    for program in programs.values():
        end = program.surveys.get(moment="end")
        survey_send(survey=end)
        for invitation in end.invitations.exclude(application=dropout):
            _answer(invitation, end_answers[invitation.application_id])
    return list(programs.values())


def _scipy(before, after) -> dict:
    before, after = np.array(before, dtype=float), np.array(after, dtype=float)
    changes = after - before
    test = stats.ttest_rel(after, before)
    interval = test.confidence_interval(confidence_level=0.95)
    return {
        "n": len(changes),
        "mean_before": before.mean(),
        "mean_after": after.mean(),
        "mean_change": changes.mean(),
        "ci": (interval.low, interval.high),
        "dz": changes.mean() / changes.std(ddof=1),
        "p": test.pvalue,
    }


def _check(change, expected):
    assert change.n == expected["n"]
    assert change.mean_before == pytest.approx(expected["mean_before"])
    assert change.mean_after == pytest.approx(expected["mean_after"])
    assert change.mean_change == pytest.approx(expected["mean_change"])
    assert (change.ci_low, change.ci_high) == pytest.approx(expected["ci"])
    assert change.effect_size == pytest.approx(expected["dz"])
    assert change.p_value == pytest.approx(expected["p"])


def _question(report, text):
    [question] = [q for q in report.questions if q.text == text]
    return question


@pytest.mark.parametrize(("text", "columns"), [(CONFIDENCE, (3, 4)), (HOURS, (5, 6))])
def test_overall_paired_change_matches_scipy(programs, text, columns):
    report = impact_report(programs=programs)
    before = [p[columns[0]] for p in PEOPLE]
    after = [p[columns[1]] for p in PEOPLE]

    _check(_question(report, text).overall.change, _scipy(before, after))


def test_breakdowns_match_scipy_and_withhold_small_groups(programs):
    question = _question(impact_report(programs=programs), CONFIDENCE)
    cuts = {b.label: {row.key: row for row in b.rows} for b in question.breakdowns}

    def rows(index, value):
        chosen = [p for p in PEOPLE if p[index] == value]
        return [p[3] for p in chosen], [p[4] for p in chosen]

    assert list(cuts) == ["Role", "Career stage", "Cohort"]
    _check(cuts["Role"]["Mentee"].change, _scipy(*rows(1, "mentee")))
    _check(cuts["Role"]["Mentor"].change, _scipy(*rows(1, "mentor")))
    _check(cuts["Cohort"]["North"].change, _scipy(*rows(0, "North")))
    _check(cuts["Cohort"]["South"].change, _scipy(*rows(0, "South")))
    _check(cuts["Career stage"]["First-year"].change, _scipy(*rows(2, "First-year")))
    # Second-year has 2 people: withheld; Final-year (5) too, or All minus First-year
    # would give Second-year away.
    assert cuts["Career stage"]["Second-year"].suppressed
    assert cuts["Career stage"]["Final-year"].suppressed


def test_one_cohort_report_covers_only_that_program(programs):
    north = [p for p in programs if p.name == "North"]
    question = _question(impact_report(programs=north), CONFIDENCE)
    chosen = [p for p in PEOPLE if p[0] == "North"]

    _check(question.overall.change, _scipy([p[3] for p in chosen], [p[4] for p in chosen]))
    assert [row.key for row in question.breakdowns[2].rows] == ["North"]


def test_impact_csv_download_has_the_same_numbers_rounded(client, programs):
    coordinator = make_coordinator()
    for program in programs:
        program.coordinators.add(coordinator)
    client.force_login(coordinator)

    response = client.get(reverse("evaluation:impact-export", args=["csv"]))
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))

    expected = _scipy([p[3] for p in PEOPLE], [p[4] for p in PEOPLE])
    [overall] = [r for r in rows if r[0] == CONFIDENCE and r[2] == "All"]
    assert overall[:5] == [CONFIDENCE, "Likert scale (1 to 5)", "All", "All", "15"]
    assert [float(v) for v in overall[5:12]] == [
        round(expected[k], 4) for k in ("mean_before", "mean_after", "mean_change")
    ] + [round(v, 4) for v in expected["ci"]] + [round(expected["dz"], 4), round(expected["p"], 4)]
    [withheld] = [
        r for r in rows if r[0] == CONFIDENCE and r[2] == "Career stage" and r[3] == "Second-year"
    ]
    assert withheld[4:12] == [""] * 8
    assert withheld[12].startswith("Withheld: fewer than 5 people")


def test_questions_asked_only_once_or_as_another_kind_are_not_compared():
    program = make_program()
    make_survey(program, questions=[("Only at the start", "likert"), ("Mixed", "likert")])
    make_survey(program, moment="end", questions=[("Mixed", "number")])

    assert impact_report(programs=[program]).questions == []


def test_anonymous_surveys_are_reported_as_unpaired_means_with_a_note():
    program = make_program()
    make_survey(program, anonymous=True, questions=[("Mood", "likert")])
    end = make_survey(program, moment="end", anonymous=True, questions=[("Mood", "likert")])
    people = [make_application(program) for _ in range(6)]
    for person, mood in zip(people, [1, 2, 2, 3, 4, 3], strict=True):
        [invitation] = survey_invitations_for_approval(application=person)
        _answer(invitation, {"Mood": mood})
    survey_send(survey=end)
    for invitation, mood in zip(end.invitations.order_by("pk")[:4], [4, 4, 5, 3], strict=True):
        _answer(invitation, {"Mood": mood})

    report = impact_report(programs=[program])

    [question] = report.questions
    assert question.overall is None
    assert (question.unpaired.n_before, question.unpaired.n_after) == (6, 4)
    assert question.unpaired.mean_before == pytest.approx(15 / 6)
    assert question.unpaired.mean_after is None
    [row] = impact_rows(report)
    assert row[2:8] == ("Anonymous (unpaired)", "All", None, round(15 / 6, 4), None, None)
    assert row[12] == (
        "Anonymous answers cannot be paired per person: means of 6 baseline and 4 end "
        "answers, no interval; a mean of fewer than 5 answers is withheld."
    )
