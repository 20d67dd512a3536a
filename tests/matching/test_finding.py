"""Finding a mentor in an informal program: search and filters over the suggestions (the
score and explanation kept), mentors saying they are full or away, and who may do what."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import MatchRequest
from matching.services.requests import request_create
from matching.suggestions import SuggestionFilters, suggestions_for, suggestions_search
from programs.models import Application, RequestStatus
from programs.selectors import program_stages, program_topics
from tests.factories import UserFactory
from tests.matching.helpers import approved, make_formal_program, make_informal_program

pytestmark = pytest.mark.django_db

LISBON = "Europe/Lisbon"
EVENINGS = tuple((day, time(19), time(21)) for day in range(4))  # Mon-Thu, 8 hours
MORNINGS = tuple((day, time(8), time(10)) for day in range(4))


def _mentee(program, **fields):
    fields = {"zone": LISBON, "windows": EVENINGS, "languages": ("English", "Portuguese")} | fields
    return approved(program, "mentee", name="Ana", stage=0, topics=(0, 1), **fields)


def _mentor(program, name, **fields):
    fields = {"stage": 2, "capacity": 2, "zone": LISBON} | fields
    return approved(program, "mentor", name=name, **fields)


@pytest.fixture
def people():
    """A mentee free on weekday evenings in Lisbon who speaks Portuguese, and three mentors:
    one who speaks Portuguese and is free in the evening, one who speaks it but is free in
    the morning, one free in the evening who speaks English only."""
    program = make_informal_program()
    return {
        "program": program,
        "ana": _mentee(program),
        "bia": _mentor(program, "Bia", windows=EVENINGS, languages=("Portuguese",)),
        "caio": _mentor(program, "Caio", windows=MORNINGS, languages=("Portuguese", "English")),
        "dan": _mentor(program, "Dan", windows=EVENINGS, languages=("English",), topics=(0, 1)),
    }


def _names(page) -> list[str]:
    return [s.mentor.user.display_name for s in page.object_list]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_mentee_finds_the_mentor_who_speaks_portuguese_with_evening_time_in_common(
    client, people
):
    url = reverse("matching:suggestions", args=[people["ana"].pk])
    client.force_login(people["ana"].user)

    everyone = client.get(url).content.decode()
    found = client.get(url, {"language": "Portuguese", "hours": 2})

    assert all(name in everyone for name in ("Bia", "Caio", "Dan"))
    assert [s.mentor for s in found.context["suggestions"]] == [people["bia"]]
    page = found.content.decode()
    assert "1 mentor fits your search." in page
    assert "Caio" not in page and "Dan" not in page
    assert "8 hours a week when both are free." in page
    assert "Both speak Portuguese." in page
    assert _messages(found) == []


def test_filtering_keeps_each_mentors_score_and_explanation(people):
    everyone = {s.mentor.pk: s for s in suggestions_for(mentee=people["ana"])}
    [bia] = suggestions_search(
        mentee=people["ana"], filters=SuggestionFilters(language="Portuguese", hours=2)
    ).object_list

    assert bia.score == everyone[people["bia"].pk].score
    assert bia.explanation == everyone[people["bia"].pk].explanation
    assert sum(item["contribution"] for item in bia.explanation) == pytest.approx(bia.score)


def test_each_filter_narrows_the_suggestions_best_first(people):
    program, ana = people["program"], people["ana"]
    careers = program.topics.get(name="Careers")
    _mentor(program, "Eve", stage=3, windows=EVENINGS, fmt="in_person", topics=(2,))
    _mentor(program, "Fay", stage=2, windows=EVENINGS, fmt="online", topics=(2,))

    def found(**filters):
        return _names(suggestions_search(mentee=ana, filters=SuggestionFilters(**filters)))

    assert found(topic=careers) == ["Dan"]
    assert found(stage=program.career_stages.get(position=3)) == ["Eve"]
    assert sorted(found(format="online")) == ["Bia", "Caio", "Dan", "Fay"]
    assert "Eve" in found(format="in_person") and "Fay" not in found(format="in_person")
    assert found(hours=9) == []
    assert found(text="bI") == ["Bia"]
    assert found(text="careers") == ["Dan"]
    assert sorted(found(text="final")) == ["Bia", "Caio", "Dan", "Fay"]  # the Final-year stage
    assert found(text="careers dan") == ["Dan"] and found(text="careers bia") == []
    scores = [s.score for s in suggestions_search(mentee=ana).object_list]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        {"topic": "999999"},
        {"stage": "first"},
        {"language": "Klingon"},
        {"hours": "-3"},
        {"hours": "500"},
        {"hours": "lots"},
        {"format": "by pigeon"},
        {"q": "x" * 101},
    ],
)
def test_a_bad_filter_is_ignored_with_a_message_and_the_others_apply(client, people, query):
    client.force_login(people["ana"].user)
    url = reverse("matching:suggestions", args=[people["ana"].pk])

    response = client.get(
        url, {**query, "language": query.get("language", "Portuguese")}, follow=True
    )

    [(address, status)] = response.redirect_chain
    assert status == 302
    assert address == (url if "language" in query else f"{url}?language=Portuguese")
    [message] = _messages(response)
    assert message.endswith("That filter was ignored.")
    expected = ["Bia", "Caio"] if "language" not in query else ["Bia", "Caio", "Dan"]
    assert sorted(s.mentor.user.display_name for s in response.context["suggestions"]) == expected
    assert MatchRequest.objects.count() == 0


def test_a_topic_of_another_program_is_not_a_filter_here(client, people):
    other = make_informal_program()
    client.force_login(people["ana"].user)
    url = reverse("matching:suggestions", args=[people["ana"].pk])

    response = client.get(url, {"topic": other.topics.first().pk}, follow=True)

    assert _messages(response) == [
        "There is no such topic in this program. That filter was ignored."
    ]
    assert len(response.context["suggestions"]) == 3


def test_the_filters_list_this_programs_topics_and_stages_by_kept_sql(client, people):
    ana = people["ana"]
    program = ana.program
    client.force_login(ana.user)

    form = client.get(reverse("matching:suggestions", args=[ana.pk])).context["filter_form"]

    topics = [label for value, label in form.fields["topic"].choices if value]
    stages = [label for value, label in form.fields["stage"].choices if value]
    assert topics and stages
    assert topics == sorted(t.name for t in program.topics.all())
    assert stages == [str(s) for s in program.career_stages.all()]
    assert program_topics.is_kept(program=program)
    assert program_stages.is_kept(program=program)


def test_the_filters_are_in_the_address_and_the_pages_keep_them(client):
    program = make_informal_program()
    ana = _mentee(program)
    for k in range(12):
        _mentor(program, f"Mentor {k:02}", windows=EVENINGS, languages=("Portuguese",))
    _mentor(program, "Morning", windows=MORNINGS, languages=("Portuguese",))
    client.force_login(ana.user)
    url = reverse("matching:suggestions", args=[ana.pk])

    first = client.get(url, {"language": "Portuguese", "hours": 2})
    second = client.get(url, {"language": "Portuguese", "hours": 2, "page": 2})
    beyond = client.get(url, {"language": "Portuguese", "hours": 2, "page": 99})

    assert len(first.context["suggestions"]) == 10
    assert len(second.context["suggestions"]) == 2
    assert "12 mentors fit your search." in first.content.decode()
    assert 'href="?language=Portuguese&amp;hours=2&amp;page=2"' in first.content.decode()
    assert [s.mentor for s in beyond.context["suggestions"]] == [
        s.mentor for s in second.context["suggestions"]
    ]
    shown = {s.mentor.pk for s in first.context["suggestions"]} | {
        s.mentor.pk for s in second.context["suggestions"]
    }
    assert len(shown) == 12


@pytest.mark.parametrize("status", [RequestStatus.FULL, RequestStatus.AWAY])
def test_a_mentor_who_is_full_or_away_drops_out_and_is_not_asked(client, people, status):
    bia, ana = people["bia"], people["ana"]
    client.force_login(bia.user)

    response = client.post(
        reverse("matching:request-status", args=[bia.pk]), {"request_status": status}
    )

    assert response["Location"] == reverse("matching:requests")
    assert Application.objects.get(pk=bia.pk).request_status == status
    assert bia not in [s.mentor for s in suggestions_for(mentee=ana)]
    bia.refresh_from_db()
    word = "full" if status == RequestStatus.FULL else "away"
    with pytest.raises(ValidationError, match=f"Bia is {word} and is not taking requests"):
        request_create(mentee=ana, mentor=bia, message="Hello")
    client.force_login(ana.user)
    refused = client.post(
        reverse("matching:suggestions", args=[ana.pk]), {"mentor": bia.pk, "message": "Hello"}
    )
    assert f"Bia is {word} and is not taking requests right now" in refused.content.decode()
    assert MatchRequest.objects.count() == 0

    client.force_login(bia.user)
    client.post(reverse("matching:request-status", args=[bia.pk]), {"request_status": "open"})
    assert bia in [s.mentor for s in suggestions_for(mentee=ana)]


def test_a_full_mentor_still_answers_the_requests_already_sent(client, people):
    bia, ana = people["bia"], people["ana"]
    request = request_create(mentee=ana, mentor=bia, message="Hello")
    client.force_login(bia.user)
    client.post(reverse("matching:request-status", args=[bia.pk]), {"request_status": "full"})

    page = client.get(reverse("matching:requests")).content.decode()
    client.post(reverse("matching:request-answer", args=[request.pk, "accept"]))

    assert '<option value="full" selected>Full</option>' in page
    assert MatchRequest.objects.get(pk=request.pk).status == "accepted"


def test_the_mentor_status_form_refuses_bad_input_and_other_peoples_applications(client, people):
    bia, ana = people["bia"], people["ana"]
    url = reverse("matching:request-status", args=[bia.pk])

    client.force_login(bia.user)
    refused = client.post(url, {"request_status": "on holiday"})
    assert _messages(refused) == ["Choose taking requests, full or away."]
    client.force_login(ana.user)
    assert client.post(url, {"request_status": "away"}).status_code == 404
    own_mentee_application = reverse("matching:request-status", args=[ana.pk])
    assert client.post(own_mentee_application, {"request_status": "away"}).status_code == 404
    client.force_login(UserFactory())
    assert client.post(url, {"request_status": "away"}).status_code == 404
    assert client.get(url).status_code == 405
    assert Application.objects.get(pk=bia.pk).request_status == RequestStatus.OPEN


def test_a_mentor_of_a_formal_program_is_told_it_does_not_apply(client):
    program = make_formal_program()
    mentor = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    client.force_login(mentor.user)

    response = client.post(
        reverse("matching:request-status", args=[mentor.pk]), {"request_status": "away"}
    )

    assert _messages(response) == ["Only mentors of programs where mentees ask them say this."]
    assert Application.objects.get(pk=mentor.pk).request_status == RequestStatus.OPEN


def test_another_mentees_suggestions_are_404_whatever_the_filters(client, people):
    client.force_login(UserFactory())
    url = reverse("matching:suggestions", args=[people["ana"].pk])

    assert client.get(url, {"language": "Portuguese", "hours": 2}).status_code == 404
    assert client.post(url, {"mentor": people["bia"].pk, "message": "hi"}).status_code == 404
    assert MatchRequest.objects.count() == 0


def _suggestions_queries(client, mentors: int) -> tuple[int, int]:
    """Queries of the filtered suggestions page for a program with `mentors` matching
    mentors (and as many that do not), and how many mentors it showed."""
    program = make_informal_program()
    ana = _mentee(program)
    for k in range(mentors):
        _mentor(program, f"Evening {k}", windows=EVENINGS, languages=("Portuguese",))
        _mentor(program, f"Morning {k}", windows=MORNINGS, languages=("Portuguese",))
    client.force_login(ana.user)
    url = reverse("matching:suggestions", args=[ana.pk])
    query = {
        "q": "evening",
        "language": "Portuguese",
        "hours": 2,
        "topic": program.topics.order_by("pk").first().pk,
        "stage": program.career_stages.get(position=2).pk,
        "format": "online",
    }
    client.get(url, query)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    return len(queries), len(response.context["suggestions"])


def test_the_filtered_suggestions_page_makes_as_many_queries_for_one_mentor_as_for_many(
    client,
):
    small, shown_small = _suggestions_queries(client, mentors=1)
    large, shown_large = _suggestions_queries(client, mentors=14)

    assert (shown_small, shown_large) == (1, 10)
    assert small == large
