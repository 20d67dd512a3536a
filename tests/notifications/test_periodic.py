"""The periodic emails (no-session nudge, weekly coordinator digest) as the ledger sees them.

Who gets them and what they say is the evaluation app's (evaluation/services/risk.py, tested in
tests/evaluation/); here: they are scheduled, go out through the sweeper at their due moment,
and the optional nudge can be stopped from the email itself.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from evaluation.services import (
    coordinator_digests_queue,
    no_session_nudges_queue,
    risk_flags_refresh,
)
from mentoring.celery import app
from mentoring.schedules import DEFAULT_SCHEDULES
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due
from tests.evaluation.helpers import make_coordinator, make_pair, make_program

pytestmark = pytest.mark.django_db
S = Notification.Status


def test_the_periodic_emails_are_scheduled_as_registered_tasks():
    app.loader.import_default_modules()
    tasks = {entry["task"]: entry["every_seconds"] for entry in DEFAULT_SCHEDULES}
    # Both are idempotent per period, so running them hourly sends each email once.
    assert (tasks["evaluation.daily"], tasks["evaluation.weekly_digest"]) == (3600, 3600)
    assert {"evaluation.daily", "evaluation.weekly_digest"} <= set(app.tasks)


def test_a_no_session_nudge_can_be_stopped_from_the_email_itself(client):
    match = make_pair(make_program(no_session_alert_days=30), days_ago=31)
    today = timezone.localdate()
    no_session_nudges_queue(program=match.program, today=today)
    assert notifications_deliver_due() == 2
    email = next(m for m in mail.outbox if m.to == [match.mentee.user.email])
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert client.post(urlsplit(link).path).status_code == 200  # one click, no login

    assert no_session_nudges_queue(program=match.program, today=today + timedelta(days=30)) == 1
    latest = Notification.objects.filter(kind=Kind.NO_SESSION_NUDGE, status=S.QUEUED)
    assert list(latest.values_list("recipient", flat=True)) == [match.mentor.user.pk]


def test_the_weekly_digest_goes_out_at_its_due_moment_and_only_once():
    program = make_program(no_session_alert_days=30)
    coordinator = make_coordinator(program, time_zone="America/New_York")
    make_pair(program, days_ago=40)
    risk_flags_refresh(program=program)
    coordinator_digests_queue()
    digest = Notification.objects.get(kind=Kind.COORDINATOR_DIGEST)
    due = digest.due_at

    assert notifications_deliver_due(now=due - timedelta(minutes=1)) == 0
    assert notifications_deliver_due(now=due) == 1
    coordinator_digests_queue()  # the hourly schedule runs again the same week
    assert notifications_deliver_due(now=due + timedelta(hours=1)) == 0
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
