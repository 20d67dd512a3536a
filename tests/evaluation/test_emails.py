"""The evaluation emails, delivered through the notification ledger."""

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from evaluation.services import (
    checkins_create_due,
    no_session_nudges_queue,
    survey_invitations_for_approval,
)
from notifications.models import Notification
from notifications.rendering import notification_render
from notifications.services import notifications_deliver_due
from tests.evaluation.helpers import make_application, make_pair, make_program, make_survey

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"


def _render(kind: str, **filters):
    return notification_render(notification=Notification.objects.get(kind=kind, **filters))


def test_check_in_invitation_and_reminder_link_to_the_check_in():
    match = make_pair(make_program(name="Peer Circle", cadence_days=14), days_ago=14)
    match.mentor.user.display_name = "Omar"
    match.mentor.user.save()
    checkins_create_due(program=match.program)
    checkin = match.checkins.get(application=match.mentee)
    due = date_format(checkin.due_on, "l j F")

    invitation = _render("checkin_invitation", recipient=match.mentee.user)
    reminder = _render("checkin_reminder", recipient=match.mentee.user)

    assert invitation.subject == "Quick check-in: how is Peer Circle going?"
    assert "How is your mentoring with Omar going?" in invitation.body
    assert f"{SITE}/evaluation/check-ins/{checkin.pk}/\n" in invitation.body
    assert f"Please answer by {due}." in invitation.body
    assert reminder.subject == "Reminder: your Peer Circle check-in"
    assert f"still open until {due}" in reminder.body


def test_survey_invitation_says_when_a_survey_is_anonymous():
    program = make_program(name="Peer Circle")
    make_survey(program, title="Where you start", anonymous=True)
    [invitation] = survey_invitations_for_approval(application=make_application(program))

    email = _render("survey_invitation")
    reminder = _render("survey_reminder")

    assert email.subject == "Where you start (Peer Circle)"
    assert "The survey is anonymous: your answers are stored without your name" in email.body
    assert f"{SITE}/evaluation/surveys/{invitation.pk}/\n" in email.body
    assert reminder.subject == "Reminder: Where you start"
    assert reminder.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/notifications/")


def test_no_session_nudge_names_the_partner_and_the_days():
    match = make_pair(make_program(name="Peer Circle", no_session_alert_days=30), days_ago=33)
    match.mentor.user.display_name = "Omar"
    match.mentor.user.save()
    no_session_nudges_queue(program=match.program, today=timezone.localdate())

    email = _render("no_session_nudge", recipient=match.mentee.user)

    assert email.subject == "Time to meet Omar?"
    assert "You and Omar have not had a session in Peer Circle for 33 days." in email.body
    assert "why not book a time with your mentor this week?" in email.body


def test_evaluation_emails_are_sent_by_the_ledger():
    match = make_pair(make_program(cadence_days=14), days_ago=14)
    checkins_create_due(program=match.program)

    assert notifications_deliver_due() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [match.mentor.user.email, match.mentee.user.email]
    )
