"""A request the mentor does not answer expires: the daily task reminds the mentor once the
day before, then expires it and tells the mentee, who can ask someone else."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from matching.models import MatchRequest
from matching.services.requests import request_accept, request_create
from matching.suggestions import suggestions_for
from matching.tasks import matching_daily
from mentoring.celery import app
from mentoring.schedules import DEFAULT_SCHEDULES
from notifications.models import Kind, Notification, NotificationPreference
from notifications.services import notifications_deliver_due
from tests.matching.helpers import approved, make_informal_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked():
    """Ana asked Mo (the better fit) in an informal program with a week's expiry; Lu has
    room too."""
    program = make_informal_program()
    ana = approved(program, "mentee", name="Ana", stage=0, topics=(0, 1))
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=1, topics=(0, 1))
    lu = approved(program, "mentor", name="Lu", stage=2, capacity=1, topics=(0,))
    request = request_create(mentee=ana, mentor=mo, message="Hello <b>Mo</b>")
    notifications_deliver_due()
    mail.outbox.clear()
    return {"program": program, "ana": ana, "mo": mo, "lu": lu, "request": request}


def _later(request: MatchRequest, days: float) -> None:
    """As if `days` more days had passed since the request (and its reminder) were made."""
    request.refresh_from_db()
    shift = timedelta(days=days)
    MatchRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - shift,
        reminded_at=request.reminded_at - shift if request.reminded_at else None,
    )


def _kinds() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind__in=[Kind.REQUEST_EXPIRING, Kind.REQUEST_EXPIRED])
    return list(rows.order_by("pk").values_list("kind", "recipient__display_name"))


def _status(request: MatchRequest) -> str:
    return MatchRequest.objects.get(pk=request.pk).status


def test_the_mentor_is_reminded_once_the_day_before_then_the_request_expires(asked):
    request = asked["request"]

    _later(request, days=5.9)
    assert matching_daily() == {"expired": 0, "reminded": 0}
    _later(request, days=0.2)  # six days and a bit: expiring within a day
    assert matching_daily() == {"expired": 0, "reminded": 1}
    assert matching_daily() == {"expired": 0, "reminded": 0}
    _later(request, days=0.5)
    assert matching_daily() == {"expired": 0, "reminded": 0}
    assert _kinds() == [(Kind.REQUEST_EXPIRING, "Mo")]
    assert _status(request) == "pending"

    _later(request, days=0.5)  # seven days and a bit
    assert matching_daily() == {"expired": 1, "reminded": 0}
    assert matching_daily() == {"expired": 0, "reminded": 0}

    assert _kinds() == [(Kind.REQUEST_EXPIRING, "Mo"), (Kind.REQUEST_EXPIRED, "Ana")]
    expired = MatchRequest.objects.get(pk=request.pk)
    assert expired.status == "expired" and expired.responded_at is not None
    notifications_deliver_due()
    emails = {m.to[0]: m for m in mail.outbox}
    reminder, told = emails[asked["mo"].user.email], emails[asked["ana"].user.email]
    assert reminder.subject == "Ana's request expires in a day"
    assert "Hello <b>Mo</b>" in reminder.body
    assert "&lt;b&gt;Mo&lt;/b&gt;" in reminder.alternatives[0][0]
    assert reminder.extra_headers["List-Unsubscribe"]  # an optional kind
    assert told.subject == "Your request to Mo expired"
    assert "within 7 days, so it has expired" in told.body
    assert reverse("matching:suggestions", args=[asked["ana"].pk]) in told.body
    assert len(mail.outbox) == 2


def test_after_expiry_the_mentee_asks_someone_else_and_the_mentor_comes_last(client, asked):
    request, ana, mo, lu = asked["request"], asked["ana"], asked["mo"], asked["lu"]
    assert [s.mentor for s in suggestions_for(mentee=ana)] == [mo, lu]
    _later(request, days=6.5)
    matching_daily()
    _later(request, days=1.5)
    matching_daily()

    assert [s.mentor for s in suggestions_for(mentee=ana)] == [lu, mo]
    client.force_login(ana.user)
    page = client.get(reverse("matching:suggestions", args=[ana.pk])).content.decode()
    assert "Your earlier request to <bdi>Mo</bdi> expired without an answer." in page
    sent = client.get(reverse("matching:requests")).content.decode()
    assert "Expired (no answer)" in sent and "Ask someone else" in sent
    response = client.post(
        reverse("matching:suggestions", args=[ana.pk]), {"mentor": lu.pk, "message": "Hi Lu"}
    )
    assert response["Location"] == reverse("matching:requests")
    again = request_create(mentee=ana, mentor=mo, message="Still keen")
    assert list(MatchRequest.objects.order_by("pk").values_list("mentor", "status")) == [
        (mo.pk, "expired"),
        (lu.pk, "pending"),
        (mo.pk, "pending"),
    ]
    assert again.reminded_at is None


def test_an_answered_request_is_neither_reminded_nor_expired(asked):
    request = asked["request"]
    request_accept(request=request)
    _later(request, days=30)

    assert matching_daily() == {"expired": 0, "reminded": 0}
    assert _status(request) == "accepted" and _kinds() == []


def test_a_late_reminder_still_gives_the_mentor_a_day(asked):
    request = asked["request"]
    _later(request, days=10)  # the sweep did not run for days

    assert matching_daily() == {"expired": 0, "reminded": 1}
    _later(request, days=0.9)
    assert matching_daily() == {"expired": 0, "reminded": 0}
    _later(request, days=0.2)
    assert matching_daily() == {"expired": 1, "reminded": 0}


def test_the_program_sets_the_days_and_a_one_day_request_has_no_reminder(asked):
    program = asked["program"]
    program.request_expiry_days = 1
    program.save(update_fields=["request_expiry_days"])
    request = asked["request"]

    _later(request, days=0.9)
    assert matching_daily() == {"expired": 0, "reminded": 0}
    _later(request, days=0.2)
    assert matching_daily() == {"expired": 1, "reminded": 0}
    assert _kinds() == [(Kind.REQUEST_EXPIRED, "Ana")]


def test_a_mentor_who_turned_reminders_off_is_not_reminded_and_the_request_still_expires(asked):
    NotificationPreference.objects.create(
        user=asked["mo"].user, kind=Kind.REQUEST_EXPIRING, enabled=False
    )
    request = asked["request"]

    _later(request, days=6.5)
    assert matching_daily() == {"expired": 0, "reminded": 1}
    _later(request, days=1)
    assert matching_daily() == {"expired": 1, "reminded": 0}
    assert _kinds() == [(Kind.REQUEST_EXPIRED, "Ana")]


def test_the_mentor_sees_when_a_request_expires(client, asked):
    client.force_login(asked["mo"].user)

    page = client.get(reverse("matching:requests")).content.decode()

    assert "if you do not answer." in page
    assert "Are you taking new requests?" in page


def test_the_daily_task_is_scheduled_hourly_and_registered():
    app.loader.import_default_modules()
    [entry] = [e for e in DEFAULT_SCHEDULES if e["task"] == "matching.daily"]
    assert entry["every_seconds"] == 3600
    assert {"matching.daily", "matching.program_daily"} <= set(app.tasks)
