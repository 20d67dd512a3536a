"""Why a match ends: the participant's request states a reason from the list, the coordinator's
end action records one (the request's by default)."""

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import EndRequest, Match
from matching.services.ending import end_request_create, match_end
from notifications.models import Kind, Notification
from tests.relationships.helpers import make_application, make_coordinator, make_pair, make_program

pytestmark = pytest.mark.django_db


def _request_url(match) -> str:
    return reverse("matching:end-request", args=[match.pk])


def _pairs(program, count: int) -> list[Match]:
    return [
        make_pair(
            program, mentor=make_application(program, "mentor"), mentee=make_application(program)
        )
        for _ in range(count)
    ]


# --- the services -------------------------------------------------------------------------


def test_a_request_records_the_reason_and_the_private_feedback_apart():
    match = make_pair()

    request = end_request_create(
        match=match,
        by=match.mentee.user,
        reason="We never find a time.",
        end_reason="other",
        end_reason_text="  Moved   abroad ",
    )

    assert (request.end_reason, request.end_reason_text, request.reason) == (
        "other",
        "Moved abroad",
        "We never find a time.",
    )


@pytest.mark.parametrize(
    ("reason", "text", "message"),
    [
        ("other", "", "Say in a few words why, when the reason is “Other”."),
        ("program_ended", "", "Choose why the match ends from the list."),
        ("bored", "", "Choose why the match ends from the list."),
        ("other", "x" * 301, "Keep the other reason under 300 characters."),
    ],
)
def test_a_request_with_a_reason_off_the_list_or_other_without_words_is_refused(
    reason, text, message
):
    match = make_pair()

    with pytest.raises(ValidationError) as raised:
        end_request_create(
            match=match, by=match.mentee.user, end_reason=reason, end_reason_text=text
        )

    assert raised.value.messages == [message]
    assert EndRequest.objects.count() == 0


def test_words_are_kept_only_for_other():
    match = make_pair()

    request = end_request_create(
        match=match, by=match.mentor.user, end_reason="schedules", end_reason_text="ignored"
    )

    assert (request.end_reason, request.end_reason_text) == ("schedules", "")


def test_ending_takes_the_requests_reason_unless_one_is_given():
    asked, direct = _pairs(make_program(), 2)
    end_request_create(
        match=asked, by=asked.mentee.user, end_reason="other", end_reason_text="New job"
    )
    end_request_create(match=direct, by=direct.mentee.user, end_reason="schedules")

    match_end(match=asked)
    match_end(match=direct, end_reason="not_a_good_fit")

    assert list(
        Match.objects.order_by("pk").values_list("end_reason", "end_reason_text", "status")
    ) == [("other", "New job", "ended"), ("not_a_good_fit", "", "ended")]


# --- the participant's form ---------------------------------------------------------------


def test_the_end_request_form_asks_why_and_refuses_without_a_reason(client):
    match = make_pair()
    client.force_login(match.mentee.user)

    response = client.post(_request_url(match), {"reason": "Private words"})

    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [
        "Your request was not sent: see the form below."
    ]
    assert response.context["end_form"].errors == {
        "end_reason": ["Choose why you want to end the match."]
    }
    body = response.content.decode()
    assert "Why do you want to end it?" in body and "Private words" in body
    assert (EndRequest.objects.count(), Notification.objects.count()) == (0, 0)


def test_other_without_words_is_refused_on_the_form(client):
    match = make_pair()
    client.force_login(match.mentee.user)

    response = client.post(_request_url(match), {"end_reason": "other"})

    assert response.status_code == 400
    assert response.context["end_form"].errors == {
        "end_reason_text": ["Say in a few words why, when the reason is “Other”."]
    }
    assert EndRequest.objects.count() == 0


def test_a_request_with_a_reason_reaches_the_coordinators(client):
    match = make_pair()
    coordinator = make_coordinator(match.program)
    client.force_login(match.mentee.user)

    response = client.post(
        _request_url(match), {"end_reason": "left_institution", "reason": "Moving city"}
    )

    assert response.status_code == 302
    request = EndRequest.objects.get()
    assert (request.end_reason, request.end_reason_text, request.reason) == (
        "left_institution",
        "",
        "Moving city",
    )
    assert list(Notification.objects.values_list("kind", "recipient")) == [
        (Kind.END_REQUESTED, coordinator.pk)
    ]


def test_each_side_may_ask_and_neither_learns_the_other_asked(client):
    match = make_pair()
    make_coordinator(match.program)
    client.force_login(match.mentee.user)
    client.post(_request_url(match), {"end_reason": "schedules", "reason": "Too busy"})
    client.force_login(match.mentor.user)

    page = client.get(reverse("matching:match-detail", args=[match.pk])).content.decode()
    client.post(_request_url(match), {"end_reason": "not_a_good_fit", "reason": "No spark"})
    again = client.get(reverse("matching:match-detail", args=[match.pk])).content.decode()

    assert "You asked to end this match" not in page
    assert "Ask to end the match" in page
    assert "You asked to end this match" in again
    assert sorted(
        EndRequest.objects.values_list("requested_by", "end_reason", "reason", "status")
    ) == sorted(
        [
            (match.mentee.user_id, "schedules", "Too busy", "open"),
            (match.mentor.user_id, "not_a_good_fit", "No spark", "open"),
        ]
    )
    assert Notification.objects.filter(kind=Kind.END_REQUESTED).count() == 2


# --- the coordinator's end action ---------------------------------------------------------


def _action(matches, **data) -> dict:
    return {
        "action": "end_matches",
        helpers.ACTION_CHECKBOX_NAME: [m.pk for m in matches],
        **data,
    }


def test_ending_from_the_admin_asks_why_and_defaults_to_the_requests_reason(client):
    program = make_program()
    first, second = _pairs(program, 2)
    end_request_create(match=first, by=first.mentee.user, end_reason="schedules")
    end_request_create(
        match=second, by=second.mentor.user, end_reason="other", end_reason_text="Burnout"
    )
    client.force_login(make_coordinator(program))
    url = reverse("admin:matching_match_changelist")

    page = client.post(url, _action([first, second]))
    done = client.post(url, _action([first, second], apply="1", end_reason="request"))

    assert page.status_code == 200
    assert page.context["form"]["end_reason"].initial == "request"
    body = page.content.decode()
    assert "Schedules did not work out" in body and "Burnout" in body
    assert done.status_code == 302
    assert list(Match.objects.order_by("pk").values_list("end_reason", "end_reason_text")) == [
        ("schedules", ""),
        ("other", "Burnout"),
    ]


def test_ending_directly_needs_a_reason_and_records_it(client):
    program = make_program()
    [match] = _pairs(program, 1)
    client.force_login(make_coordinator(program))
    url = reverse("admin:matching_match_changelist")

    refused = client.post(url, _action([match], apply="1", end_reason="request"))
    no_words = client.post(url, _action([match], apply="1", end_reason="other"))
    done = client.post(
        url, _action([match], apply="1", end_reason="other", end_reason_text="Graduated early")
    )

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["end_reason"]
    assert no_words.context["form"].errors == {
        "end_reason_text": ["Say in a few words why, when the reason is “Other”."]
    }
    assert done.status_code == 302
    assert Match.objects.values_list("status", "end_reason", "end_reason_text").get() == (
        "ended",
        "other",
        "Graduated early",
    )


def test_the_admin_shows_the_reason_and_the_private_feedback_of_requests(client):
    match = make_pair()
    end_request_create(
        match=match, by=match.mentee.user, end_reason="schedules", reason="Private words"
    )
    client.force_login(make_coordinator(match.program))

    body = client.get(reverse("admin:matching_match_change", args=[match.pk])).content.decode()

    assert "Ana Mentee: Schedules did not work out; Private words (Open)" in body


@pytest.mark.parametrize("pairs", [1, 8])
def test_the_end_page_takes_the_same_queries_for_few_and_many_matches(
    client, django_assert_num_queries, pairs
):
    program = make_program()
    matches = _pairs(program, pairs)
    for match in matches:
        end_request_create(match=match, by=match.mentee.user, end_reason="schedules")
    client.force_login(make_coordinator(program))

    # The same for one match or eight: the matches and their requests are one query each. (A
    # coordinator's first page also reads their programs' ids, kept from then on with their
    # rights: mentoring/rights.py.)
    with django_assert_num_queries(11):
        response = client.post(reverse("admin:matching_match_changelist"), _action(matches))

    assert response.status_code == 200
