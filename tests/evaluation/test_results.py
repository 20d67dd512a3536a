"""Survey results on the program dashboard and the free-text answers page: exact figures,
small-cell suppression of anonymous surveys (subtraction included), anonymity, scoping, search
and query counts."""

import itertools
import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from evaluation.models import SurveyResponse
from evaluation.selectors.results import survey_results, survey_text_answers
from evaluation.services import survey_answer, survey_invite
from tests.evaluation.helpers import (
    make_application,
    make_coordinator,
    make_program,
    make_reporter,
    make_survey,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOOD = "How are things going?"
OPTIONAL = {"required": False}


def _people(program, count: int, prefix: str = "person") -> list:
    return [
        make_application(
            program, user__display_name=f"{prefix} {i}", user__email=f"{prefix}{i}@example.org"
        )
        for i in range(count)
    ]


def _survey(program, **fields):
    fields.setdefault("questions", [(MOOD, "likert")])
    return make_survey(program, **fields)


def _answer(survey, person, answers: dict, *, on: date = date(2025, 3, 4)):
    """`person` is invited to `survey` and answers it on `on` (question text -> answer)."""
    invitation = survey_invite(survey=survey, application=person, today=on)
    pks = {q.text: q.pk for q in survey.questions.all()}
    survey_answer(invitation=invitation, answers={pks[t]: v for t, v in answers.items()}, today=on)
    return invitation


def _answer_all(survey, people, values, *, text=MOOD, on=date(2025, 3, 4)):
    for person, value in zip(people, values, strict=True):
        _answer(survey, person, {text: value}, on=on)


def _result(program, survey):
    [result] = [s for s in survey_results(program=program).surveys if s.survey.pk == survey.pk]
    return result


def _cells(wave) -> list:
    return [cell.count for cell in wave.cells]


def _dashboard(client, program):
    return client.get(reverse("evaluation:program-dashboard", args=[program.pk]))


def _answers(client, program, **params):
    return client.get(reverse("evaluation:answer-list", args=[program.pk]), params)


# --- exact figures ---------------------------------------------------------------------------


def test_a_non_anonymous_likert_question_has_exact_counts_shares_mean_and_response_rate(client):
    program = make_program()
    survey = make_survey(program, questions=[(MOOD, "likert", {"low_label": "Badly"})])
    people = _people(program, 5)
    _answer_all(survey, people[:4], [1, 3, 3, 5])
    survey_invite(survey=survey, application=people[4], today=date(2025, 3, 4))
    client.force_login(make_reporter(program))

    response = _dashboard(client, program)

    [result] = response.context["results"].surveys
    assert (result.invited, result.answered, result.response_percent) == (5, 4, 80)
    [question] = result.questions
    [wave] = question.waves
    assert (wave.label, wave.n, _cells(wave), wave.mean) == (
        "Baseline survey",
        4,
        [1, 0, 2, 0, 1],
        3.0,
    )
    assert [c.percent for c in wave.cells] == [25, 0, 50, 0, 25]
    assert question.levels == ["1 \u2013 Badly", "2", "3", "4", "5"]
    chart = question.chart
    assert [d["data"] for d in chart["datasets"]] == [[25.0], [0.0], [50.0], [0.0], [25.0]]
    assert chart["x"]["stacked"] and chart["y"]["stacked"]
    body = response.content.decode()
    assert "Survey results" in body
    assert f'id="{question.chart_id}"' in body  # the chart's data, beside its table
    assert '<td class="text-end text-nowrap">2 (50%)</td>' in body
    assert (
        '<td class="text-end">5</td><td class="text-end">4</td><td class="text-end">80%</td>'
        in body
    )


def test_choice_number_and_text_questions_have_their_counts(client):
    program = make_program()
    survey = make_survey(
        program,
        questions=[
            ("Format", "single_choice", {"choices": "Online\nIn person"}),
            ("Topics", "multiple_choice", {"choices": "Study\nCareer\nWellbeing"}),
            ("Hours", "number", OPTIONAL),
            ("Anything else?", "text", OPTIONAL),
        ],
    )
    answers = [
        {"Format": "Online", "Topics": ["Study", "Career"], "Hours": 2, "Anything else?": "Fine"},
        {"Format": "Online", "Topics": ["Study"], "Hours": 5},
        {"Format": "In person", "Topics": ["Career", "Study"]},
    ]
    for person, given in zip(_people(program, 3), answers, strict=True):
        _answer(survey, person, given)

    single, multiple, number, text = _result(program, survey).questions

    assert [(c.label, c.count, c.percent) for c in single.waves[0].cells] == [
        ("Online", 2, 67),
        ("In person", 1, 33),
    ]
    assert [(c.label, c.count) for c in multiple.waves[0].cells] == [
        ("Study", 3),
        ("Career", 2),
        ("Wellbeing", 0),
    ]
    assert multiple.waves[0].n == 3
    assert multiple.chart["datasets"][0]["data"] == [3, 2, 0]
    assert (number.waves[0].n, number.waves[0].mean) == (2, 3.5)
    assert text.waves[0].n == 1


def test_an_after_session_likert_question_has_a_wave_per_month_and_a_trend(client):
    program = make_program()
    survey = _survey(program, moment="after_session", title="After a session")
    people = _people(program, 5)
    _answer_all(survey, people[:2], [2, 4])
    _answer_all(survey, people[2:], [5, 5, 2])
    SurveyResponse.objects.filter(invitation__application__in=people[:2]).update(
        submitted_at=datetime(2025, 3, 10, 12, tzinfo=UTC)
    )
    SurveyResponse.objects.filter(invitation__application__in=people[2:]).update(
        submitted_at=datetime(2025, 4, 2, 12, tzinfo=UTC)
    )

    results = survey_results(program=program)

    [question] = results.surveys[0].questions
    assert [(w.label, w.n, _cells(w), w.mean) for w in question.waves] == [
        ("March 2025", 2, [0, 1, 0, 1, 0], 3.0),
        ("April 2025", 3, [0, 1, 0, 0, 2], 4.0),
    ]
    [trend] = results.trends
    assert [(p.label, p.n, p.mean) for p in trend.points] == [
        ("After a session, March 2025", 2, 3.0),
        ("After a session, April 2025", 3, 4.0),
    ]
    assert trend.chart["datasets"][0]["data"] == [3.0, 4.0]


def test_the_same_question_at_baseline_and_end_is_a_trend_oldest_first(client):
    program = make_program()
    end = make_survey(program, moment="end", questions=[("How are  things going?", "likert")])
    baseline = make_survey(program, questions=[(MOOD, "likert")])
    once = make_survey(program, moment="mid", questions=[("Asked once", "likert")])
    people = _people(program, 2)
    _answer_all(baseline, people, [2, 3], on=date(2025, 1, 6))
    _answer_all(end, people, [4, 5], text="How are  things going?", on=date(2025, 6, 2))
    _answer_all(once, people, [1, 1], text="Asked once", on=date(2025, 3, 3))
    client.force_login(make_coordinator(program))

    response = _dashboard(client, program)

    [trend] = response.context["results"].trends
    assert trend.text == MOOD
    assert [(p.label, p.n, p.mean) for p in trend.points] == [
        ("Baseline survey", 2, 2.5),
        ("End survey", 2, 4.5),
    ]
    body = response.content.decode()
    assert f'id="{trend.chart_id}"' in body
    assert '<th scope="row" class="fw-normal">End survey</th><td class="text-end">2</td>' in body


def test_the_check_in_satisfaction_trend_is_still_on_the_dashboard(client):
    program = make_program()
    _survey(program)
    client.force_login(make_reporter(program))

    body = _dashboard(client, program).content.decode()

    assert "Satisfaction over time" in body and "Survey results" in body


# --- anonymous surveys: suppression ------------------------------------------------------------


def _anonymous_likert(program, values, **fields):
    survey = _survey(program, anonymous=True, **fields)
    _answer_all(survey, _people(program, len(values), prefix=survey.title), values)
    return survey


def _consistent(published: dict[int, int | None], n: int, min_size: int) -> list[tuple]:
    """Every distribution of n answers over the levels that matches what is published: shown
    counts as shown, withheld ones non-zero (zeros are shown), at least one of them below
    min_size (else nothing would have been withheld)."""
    withheld = [level for level, count in published.items() if count is None]
    rest = n - sum(c for c in published.values() if c is not None)
    return [
        combo
        for combo in itertools.product(range(1, rest + 1), repeat=len(withheld))
        if sum(combo) == rest and min(combo) < min_size
    ]


def test_a_small_answer_level_is_withheld_with_the_next_smallest_so_it_cannot_be_subtracted(
    client,
):
    # min 3: level 1 (one answer) is withheld; the total (10) is shown, so level 3 (the
    # smallest shown level, 4 answers) is withheld too; the mean would give them away as well.
    program = make_program(min_cell_size=3)
    _anonymous_likert(program, [1, 3, 3, 3, 3, 4, 4, 4, 4, 4])
    client.force_login(make_reporter(program))

    response = _dashboard(client, program)

    [result] = response.context["results"].surveys
    assert result.answered == 10
    [question] = result.questions
    [wave] = question.waves
    assert (wave.n, _cells(wave), wave.mean) == (10, [None, 0, None, 5, 0], None)
    published = dict(zip([1, 2, 3, 4, 5], _cells(wave), strict=True))
    solutions = _consistent(published, n=wave.n, min_size=3)
    assert solutions == [(1, 4), (2, 3), (3, 2), (4, 1)]  # level 1 could be 1, 2, 3 or 4
    assert [d["data"] for d in question.chart["datasets"]] == [
        [None],
        [0.0],
        [None],
        [50.0],
        [0.0],
        [50.0],
    ]
    assert question.chart["datasets"][-1]["label"] == "Withheld"
    body = response.content.decode()
    row = re.search(r'<th scope="row" class="fw-normal">Baseline survey</th>(.*?)</tr>', body, re.S)
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row.group(1))
    assert cells == ["withheld", "0 (0%)", "withheld", "5 (50%)", "0 (0%)", "10", "withheld"]
    assert "Fewer than 3 answers: withheld, and so is any figure" in body


def test_a_question_answered_by_fewer_people_than_the_smallest_group_is_withheld(client):
    program = make_program()  # min_cell_size 10 by default
    survey = _anonymous_likert(program, [5] * 9)
    client.force_login(make_reporter(program))

    response = _dashboard(client, program)

    [question] = response.context["results"].surveys[0].questions
    assert question.withheld and question.chart is None
    assert [(w.n, w.cells, w.mean) for w in question.waves] == [(None, (), None)]
    body = response.content.decode()
    assert "Fewer than 10 answers: withheld." in body
    assert question.chart_id not in body
    assert survey.title in body


def test_a_small_wave_is_withheld_with_the_next_smallest_so_the_total_gives_nothing_away():
    program = make_program(min_cell_size=3)
    survey = _survey(program, moment="after_session", anonymous=True, title="After")
    people = _people(program, 11)
    _answer_all(survey, people[:2], [1, 2], on=date(2025, 3, 10))  # March: 2
    _answer_all(survey, people[2:6], [3, 3, 3, 3], on=date(2025, 4, 7))  # April: 4
    _answer_all(survey, people[6:], [4, 4, 4, 5, 5], on=date(2025, 5, 5))  # May: 5

    results = survey_results(program=program)

    [question] = results.surveys[0].questions
    assert results.surveys[0].answered == 11
    assert [(w.label, w.n, _cells(w), w.mean) for w in question.waves] == [
        ("March 2025", None, [], None),
        ("April 2025", None, [], None),
        ("May 2025", 5, [0, 0, 0, None, None], None),
    ]
    # May: level 5 (2 answers) is withheld; with no other level to hide beside it, that would
    # be May's total minus its level 4: so level 4 is withheld too, and May's mean with them.
    [trend] = results.trends
    assert [(p.n, p.mean) for p in trend.points] == [(None, None), (None, None), (5, None)]


def test_choice_counts_of_an_anonymous_survey_are_withheld_below_the_smallest_group():
    program = make_program(min_cell_size=3)
    survey = make_survey(
        program,
        anonymous=True,
        questions=[("Format", "single_choice", {"choices": "Online\nIn person\nBoth"})],
    )
    _answer_all(
        survey, _people(program, 8), ["Online"] * 5 + ["Both"] * 2 + ["In person"], text="Format"
    )

    [question] = _result(program, survey).questions

    assert [(c.label, c.count) for c in question.waves[0].cells] == [
        ("Online", 5),
        ("In person", None),
        ("Both", None),
    ]
    assert question.chart["datasets"][0]["data"] == [5, None, None]


def test_an_anonymous_survey_answered_by_too_few_people_is_withheld_whole():
    program = make_program(min_cell_size=3)
    survey = make_survey(
        program,
        anonymous=True,
        questions=[(MOOD, "likert"), ("Hours", "number"), ("Anything else?", "text")],
    )
    for person in _people(program, 2):
        _answer(survey, person, {MOOD: 4, "Hours": 3, "Anything else?": "Hello"})

    questions = _result(program, survey).questions

    assert [q.withheld for q in questions] == [True, True, True]
    assert [w.n for q in questions for w in q.waves] == [None, None, None]


def test_a_non_anonymous_survey_is_never_suppressed():
    program = make_program()
    survey = _survey(program)
    _answer_all(survey, _people(program, 2), [1, 4])

    [question] = _result(program, survey).questions

    assert (_cells(question.waves[0]), question.waves[0].mean) == ([1, 0, 0, 1, 0], 2.5)


# --- anonymity ---------------------------------------------------------------------------------


def test_anonymous_answers_and_who_gave_them_appear_on_neither_page(client):
    program = make_program(min_cell_size=3)
    survey = make_survey(
        program,
        anonymous=True,
        title="Anonymous pulse",
        questions=[(MOOD, "likert"), ("Anything else?", "text")],
    )
    people = _people(program, 4, prefix="Zelda")
    for i, person in enumerate(people):
        _answer(survey, person, {MOOD: 4, "Anything else?": f"My secret worry {i}"})
    client.force_login(make_reporter(program))

    dashboard = _dashboard(client, program).content.decode()
    answers = _answers(client, program).content.decode()
    searched = _answers(client, program, q="secret")

    for body in (dashboard, answers, searched.content.decode()):
        assert "secret worry" not in body
        for person in people:
            assert person.user.email not in body
            assert person.user.display_name not in body
    assert "4 answers. Answers to anonymous surveys are never listed." in dashboard
    assert searched.context["page"].paginator.count == 0
    assert list(survey_text_answers(program=program)) == []


# --- scoping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["evaluation:program-dashboard", "evaluation:answer-list"])
def test_only_the_programs_coordinators_and_reporting_staff_see_its_results(client, page):
    program = make_program()
    other = make_program()
    survey = make_survey(program, questions=[("Anything else?", "text")])
    [person] = _people(program, 1)
    _answer(survey, person, {"Anything else?": "Private words"})
    url = reverse(page, args=[program.pk])
    allowed = [make_coordinator(program), make_reporter(program)]
    refused = [make_coordinator(other), make_reporter(other), person.user, UserFactory()]

    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- the free-text answers page ------------------------------------------------------------------


def _text_survey(program, **fields):
    return make_survey(
        program,
        questions=[(MOOD, "likert", OPTIONAL), ("What helped?", "text", OPTIONAL)],
        **fields,
    )


def test_the_answers_page_lists_non_anonymous_free_text_with_who_and_searches_it(client):
    program = make_program()
    survey = _text_survey(program, title="Midway")
    ana, ben, cleo = _people(program, 3)
    texts = {
        ana: "My Mentor listened",
        ben: "Nothing <b>yet</b>",
        cleo: "Café chats with my mentor",
    }
    for person, text in texts.items():
        _answer(survey, person, {MOOD: 3, "What helped?": text})
    for day, person in enumerate([ana, ben, cleo], start=1):
        SurveyResponse.objects.filter(invitation__application=person).update(
            submitted_at=datetime(2025, 3, day, tzinfo=UTC)
        )
    client.force_login(make_reporter(program))

    everything = _answers(client, program)
    mentor = _answers(client, program, q="MENTOR")
    accented = _answers(client, program, q="Café")

    assert [a.display_value for a in everything.context["page"]] == [
        "Café chats with my mentor",
        "Nothing <b>yet</b>",
        "My Mentor listened",
    ]
    assert [a.display_value for a in mentor.context["page"]] == [
        "Café chats with my mentor",
        "My Mentor listened",
    ]
    assert [a.display_value for a in accented.context["page"]] == ["Café chats with my mentor"]
    body = everything.content.decode()
    assert "Nothing &lt;b&gt;yet&lt;/b&gt;" in body and "<b>yet</b>" not in body
    assert f"{ana.user.display_name} (Mentee)" in body
    assert "Midway · What helped?" in body
    assert "2 answers contain “MENTOR”." in mentor.content.decode()
    dashboard = _dashboard(client, program).content.decode()
    assert reverse("evaluation:answer-list", args=[program.pk]) in dashboard


def test_the_answers_page_is_paginated_and_keeps_the_search(client):
    program = make_program()
    survey = _text_survey(program)
    for i, person in enumerate(_people(program, 27)):
        _answer(survey, person, {"What helped?": f"Answer {i} about goals"})
    client.force_login(make_coordinator(program))

    first = _answers(client, program, q="goals")
    second = _answers(client, program, q="goals", page=2)

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert 'href="?q=goals&amp;page=2"' in first.content.decode()
    assert 'href="?q=goals&amp;page=1"' in second.content.decode()


def test_a_search_too_long_is_refused_and_lists_nothing(client):
    program = make_program()
    survey = _text_survey(program)
    [person] = _people(program, 1)
    _answer(survey, person, {"What helped?": "Talking"})
    client.force_login(make_reporter(program))

    response = _answers(client, program, q="x" * 201)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "is-invalid" in response.content.decode()


# --- query counts ------------------------------------------------------------------------------


def _survey_world(program, people: int):
    """An identified survey with every kind of question, an anonymous one and an anonymous
    after-session one, each answered by `people` people."""
    questions = [
        (MOOD, "likert"),
        ("Format", "single_choice", {"choices": "Online\nIn person"}),
        ("Topics", "multiple_choice", {"choices": "Study\nCareer"}),
        ("Hours", "number"),
        ("What helped?", "text"),
    ]
    identified = make_survey(program, questions=questions)
    anonymous = make_survey(program, moment="end", anonymous=True, questions=questions)
    after = _survey(program, moment="after_session", anonymous=True)
    for i, person in enumerate(_people(program, people)):
        given = {
            MOOD: 1 + i % 5,
            "Format": "Online",
            "Topics": ["Study"],
            "Hours": i,
            "What helped?": f"Talking {i}",
        }
        _answer(identified, person, given)
        _answer(anonymous, person, given)
        _answer(after, person, {MOOD: 3}, on=date(2025, 3 + i % 3, 3))


@pytest.mark.parametrize("people", [2, 12])
def test_the_dashboard_takes_the_same_queries_with_few_and_many_answers(
    client, django_assert_num_queries, people
):
    program = make_program(min_cell_size=3)
    _survey_world(program, people)
    client.force_login(make_coordinator(program))
    url = reverse("evaluation:program-dashboard", args=[program.pk])
    client.get(url)

    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("people", [2, 30])
def test_the_answers_page_takes_the_same_queries_with_few_and_many_answers(
    client, django_assert_num_queries, people
):
    program = make_program()
    _survey_world(program, people)
    client.force_login(make_reporter(program))
    url = reverse("evaluation:answer-list", args=[program.pk])
    client.get(url)

    with django_assert_num_queries(6):
        assert client.get(url, {"q": "talking"}).status_code == 200
