"""A mentee's ranking is kept between their requests (paging, filtering, coming back) and is
always the ranking computed afresh: after every kind of write to what it is computed from,
by save, bulk update, delete or through a many-to-many table, the kept search gives exactly
what a fresh one gives."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import now

from accounts.models import User
from matching import suggestions
from matching.models import Exclusion, Match, MatchingConfig
from matching.permissions import mentee_application_for_owner
from matching.services.requests import request_create
from matching.suggestions import SuggestionFilters, suggestions_search
from programs.models import Application, AvailabilityWindow, CareerStage, RequestStatus, Topic
from tests.matching.helpers import approved, make_informal_program
from tests.training.helpers import complete, make_step

pytestmark = pytest.mark.django_db(transaction=True)

EVENINGS = tuple((day, time(19), time(21)) for day in range(4))


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    suggestions._rankings.forget()
    yield
    suggestions._rankings.forget()


def _program(mentors: int = 3):
    program = make_informal_program()
    mentee = approved(program, "mentee", name="Ana", stage=0, topics=(0, 1), windows=EVENINGS)
    for k in range(mentors):
        approved(
            program, "mentor", name=f"Mentor {k}", stage=k % 3, topics=(k % 3,), capacity=2,
            windows=EVENINGS[: 1 + k % 4],
        )  # fmt: skip
    return program, mentee


def _fresh(mentee):
    """What the mentee's search gives computed afresh (the view reads the mentee anew)."""
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    suggestions._rankings.forget()
    with translation.override("en"):
        return _shown(suggestions_search(mentee=mentee, per_page=50))


def _kept(mentee):
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    with translation.override("en"):
        return _shown(suggestions_search(mentee=mentee, per_page=50))


def _shown(page):
    return [
        (s.mentor.pk, s.mentor.user.name, round(s.score, 9), s.explanation, s.topics,
         s.open_places)
        for s in page.object_list
    ]  # fmt: skip


def _mentor(program, k):
    return Application.objects.filter(program=program, role="mentor").order_by("pk")[k]


WRITES = {
    "capacity by update()": lambda p, a: Application.objects.filter(pk=_mentor(p, 0).pk).update(
        capacity=5
    ),
    "away by update()": lambda p, a: Application.objects.filter(pk=_mentor(p, 1).pk).update(
        request_status=RequestStatus.AWAY
    ),
    "a topic added to a mentor": lambda p, a: _mentor(p, 2).topics.add(
        p.topics.get(name="Careers")
    ),
    "a mentor's topics removed in bulk": lambda p, a: Application.topics.through.objects.filter(
        application=_mentor(p, 0)
    ).delete(),
    "the mentee's topics changed": lambda p, a: a.topics.set(p.topics.order_by("-pk")[:1]),
    "an availability window added": lambda p, a: AvailabilityWindow.objects.create(
        application=_mentor(p, 0), weekday=3, start=time(19), end=time(21)
    ),
    "a mentor's name by update()": lambda p, a: User.objects.filter(
        pk=_mentor(p, 1).user_id
    ).update(display_name="Renamed"),
    "a topic renamed": lambda p, a: Topic.objects.filter(program=p, name="Careers").update(
        name="Renamed"
    ),
    "a career stage renamed": lambda p, a: CareerStage.objects.filter(program=p, position=2).update(
        name="Renamed"
    ),
    "an exclusion": lambda p, a: Exclusion.objects.create(
        program=p, person=a.user, other=_mentor(p, 0).user
    ),
    "the weights by update()": lambda p, a: MatchingConfig.objects.filter(program=p).update(
        weight_topics=0, weight_availability=9
    ),
    "an active match fills a mentor": lambda p, a: [
        Match.objects.create(program=p, mentor=_mentor(p, 2), mentee=other)
        for other in [approved(p, "mentee", name=f"Other {k}", stage=0) for k in range(2)]
    ],
    "an ended match with the mentee": lambda p, a: Match.objects.create(
        program=p, mentor=_mentor(p, 1), mentee=a, status=Match.Status.ENDED, ended_at=now()
    ),
    "the mentor's application withdrawn": lambda p, a: Application.objects.filter(
        pk=_mentor(p, 0).pk
    ).update(status=Application.Status.WITHDRAWN),
    "training gates mentors": lambda p, a: (
        make_step(p, required=True, audience="mentors"),
        type(p).objects.filter(pk=p.pk).update(training_gates_mentors=True),
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_after_any_write_the_kept_search_is_the_fresh_one(write):
    program, mentee = _program()
    before = _kept(mentee)
    assert _kept(mentee) == before and len(suggestions._rankings) == 1

    WRITES[write](program, mentee)

    after = _kept(mentee)
    assert after == _fresh(mentee)
    assert after != before


def test_paging_filtering_and_coming_back_read_the_kept_ranking():
    program, mentee = _program(mentors=12)
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    suggestions_search(mentee=mentee)  # makes the program's matching settings: not kept
    first = suggestions_search(mentee=mentee)
    careers = program.topics.get(name="Careers")

    with CaptureQueriesContext(connection) as queries:
        second = suggestions_search(mentee=mentee, page=2)
        filtered = suggestions_search(mentee=mentee, filters=SuggestionFilters(topic=careers))
        again = suggestions_search(mentee=mentee)

    # Each: the digest of the ranking's queries, and the mentee's earlier requests.
    digest = _check_statements(mentee)
    assert len(queries) == 3 * (digest + 1)
    assert [s.mentor.pk for s in again.object_list] == [s.mentor.pk for s in first.object_list]
    assert second.number == 2 and len(second.object_list) == 2
    assert {s.mentor.pk for s in filtered.object_list} < {s.mentor.pk for s in first.object_list}


def _check_statements(mentee) -> int:
    """Statements the kept ranking's check runs: one on PostgreSQL, each query on SQLite."""
    statement = suggestions._rankings._entries[mentee.pk].statement
    return 1 if isinstance(statement, str) else len(statement)


def test_the_explanations_follow_the_language_asked_in():
    _, mentee = _program()
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    with translation.override("en"):
        english = suggestions_search(mentee=mentee).object_list[0].explanation
    with translation.override("es"):
        spanish = suggestions_search(mentee=mentee).object_list[0].explanation
        suggestions._rankings.forget()
        fresh = suggestions_search(mentee=mentee).object_list[0].explanation

    assert spanish == fresh
    assert [item["text"] for item in spanish] != [item["text"] for item in english]


def test_asking_a_mentor_is_checked_against_the_data_not_the_kept_ranking():
    """`request_create` ranks afresh: a mentor who went away after the page was kept is
    refused."""
    _, mentee = _program()
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    [best, *_] = suggestions_search(mentee=mentee).object_list
    Application.objects.filter(pk=best.mentor.pk).update(request_status=RequestStatus.FULL)

    with pytest.raises(ValidationError, match="is full"):
        request_create(
            mentee=mentee, mentor=Application.objects.get(pk=best.mentor.pk), message="Hi"
        )


def test_the_kept_page_makes_as_many_queries_at_two_sizes(client):
    counts = []
    for mentors in (3, 12):
        _, mentee = _program(mentors=mentors)
        client.force_login(mentee.user)
        url = reverse("matching:suggestions", args=[mentee.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert mentee.pk in suggestions._rankings._entries
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_with_the_training_gating_mentors_the_ranking_is_kept_and_follows_completions():
    program, mentee = _program()
    step = make_step(program, required=True, audience="mentors")
    type(program).objects.filter(pk=program.pk).update(training_gates_mentors=True)
    first, _, third = Application.objects.filter(program=program, role="mentor").order_by("pk")
    complete(step, first.user)
    mentee = Application.objects.select_related("program").get(pk=mentee.pk)
    suggestions_search(mentee=mentee)  # makes the program's matching settings: not kept
    ready = [s.mentor.pk for s in suggestions_search(mentee=mentee).object_list]

    with CaptureQueriesContext(connection) as queries:
        again = [s.mentor.pk for s in suggestions_search(mentee=mentee).object_list]
    complete(step, third.user)
    after = _kept(mentee)

    assert ready == again == [first.pk]
    assert len(queries) == _check_statements(mentee) + 1
    assert sorted(row[0] for row in after) == [first.pk, third.pk]
    assert after == _fresh(mentee)


def test_the_page_loads_nothing_more_onto_the_kept_mentors(client):
    """A card reads only what the mentors' query read: a field or relation loaded later onto
    a kept instance would be served from it on every later visit, whatever the data."""
    _, mentee = _program()
    owner = mentee_application_for_owner(user=mentee.user, pk=mentee.pk)  # as the view reads it
    suggestions_search(mentee=owner)  # makes the program's matching settings: not kept
    suggestions_search(mentee=owner)
    ranking = suggestions._rankings._entries[mentee.pk].value

    def loaded():
        return [
            (m.get_deferred_fields(), m.user.get_deferred_fields(), set(m._state.fields_cache))
            for m in ranking.features.mentors
        ]

    before = loaded()
    client.force_login(mentee.user)
    page = client.get(reverse("matching:suggestions", args=[mentee.pk]))

    assert page.status_code == 200 and "Mentor 0" in page.content.decode()
    assert suggestions._rankings._entries[mentee.pk].value is ranking  # the page showed it
    assert all(deferred for deferred, _, _ in before)  # the query reads only some fields
    assert loaded() == before
