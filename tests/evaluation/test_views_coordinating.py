"""A coordinator tries the check-in form and opens a round of check-ins from the dashboard."""

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import CheckIn, RiskFlag
from notifications.models import Notification
from tests.evaluation.helpers import (
    make_coordinator,
    make_pair,
    make_program,
    make_reporter,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _preview(program) -> str:
    return reverse("evaluation:checkin-preview", args=[program.pk])


def _open_round(program) -> str:
    return reverse("evaluation:checkin-round-open", args=[program.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_preview_shows_the_participants_form_and_an_answer_saves_nothing(client):
    program = make_program(name="Alpha", cadence_days=14)
    make_pair(program, days_ago=20)
    client.force_login(make_coordinator(program))

    page = client.get(_preview(program))
    sent = client.post(_preview(program), {"score": "2", "met": "no", "blocking": "Busy"})
    empty = client.post(_preview(program), {})

    assert page.status_code == 200
    body = page.content.decode()
    assert "How is your mentoring relationship going?" in body
    assert 'name="score" value="5"' in body and "Send check-in" in body
    assert "This is the check-in each person in an active pair gets every 14 days" in body
    assert "<bdi>Alpha</bdi> · with <bdi>their mentor or mentee</bdi> · answer by" in body
    assert sent.status_code == 200
    assert _messages(sent) == ["That answer would be accepted. Nothing was saved."]
    assert "Choose how it is going, from 1 to 5." in empty.content.decode()
    assert (CheckIn.objects.count(), Notification.objects.count(), RiskFlag.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize("pairs", [1, 8])
def test_the_preview_takes_the_same_queries_for_a_small_and_a_large_program(
    client, django_assert_num_queries, pairs
):
    program = make_program()
    for _ in range(pairs):
        make_pair(program, days_ago=20)
    coordinator = make_coordinator(program)
    client.force_login(coordinator)

    with django_assert_num_queries(5):  # session, user, roles, the program, unread messages
        response = client.get(_preview(program))

    assert response.status_code == 200


def test_opening_a_round_from_the_dashboard_invites_everyone_once(client):
    program = make_program(cadence_days=14)
    pairs = [make_pair(program, days_ago=2) for _ in range(2)]
    client.force_login(make_coordinator(program))
    dashboard = reverse("evaluation:program-dashboard", args=[program.pk])

    page = client.get(dashboard).content.decode()
    first = client.post(_open_round(program), follow=True)
    again = client.post(_open_round(program), follow=True)

    assert f'action="{_open_round(program)}"' in page and _preview(program) in page
    assert first.redirect_chain == [(dashboard, 302)]
    assert _messages(first) == ["4 check-ins opened; their invitations are on their way."]
    assert _messages(again) == [
        "No check-in opened: everyone in an active pair already has one open, "
        "or the program has ended."
    ]
    today = timezone.localdate()
    assert sorted(CheckIn.objects.values_list("application__user", "opens_on")) == sorted(
        (a.user_id, today) for pair in pairs for a in (pair.mentor, pair.mentee)
    )
    assert Notification.objects.filter(kind="checkin_invitation", status="queued").count() == 4


@pytest.mark.parametrize("who", ["other_coordinator", "reporter", "participant", "staff"])
def test_only_the_programs_coordinators_preview_or_open_check_ins(client, who):
    program, other = make_program(), make_program()
    pair = make_pair(program, days_ago=20)
    users = {
        "other_coordinator": lambda: make_coordinator(other),
        "reporter": lambda: make_reporter(program),
        "participant": lambda: pair.mentee.user,
        "staff": lambda: UserFactory(is_staff=True),
    }
    client.force_login(users[who]())

    assert client.get(_preview(program)).status_code == 404
    assert client.post(_preview(program), {"score": "3", "met": "yes"}).status_code == 404
    assert client.post(_open_round(program)).status_code == 404
    assert CheckIn.objects.count() == 0 and Notification.objects.count() == 0


def test_reporting_staff_see_the_dashboard_without_the_check_in_actions(client):
    program = make_program()
    client.force_login(make_reporter(program))

    page = client.get(reverse("evaluation:program-dashboard", args=[program.pk]))

    assert page.status_code == 200
    assert _preview(program) not in page.content.decode()
    assert _open_round(program) not in page.content.decode()


def test_opening_a_round_takes_a_post(client):
    program = make_program()
    client.force_login(make_coordinator(program))

    assert client.get(_open_round(program)).status_code == 405
    assert client.get(_open_round(make_program())).status_code == 405
