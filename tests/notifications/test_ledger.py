import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Kind, Notification
from notifications.services import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    notification_claim,
    notification_deliver,
    notification_queue,
    notifications_cancel,
    notifications_claim_due,
    notifications_deliver_due,
    notifications_queue_many,
    preference_set,
)
from tests.factories import ApplicationFactory, UserFactory
from tests.notifications.support import SmtpSink

pytestmark = pytest.mark.django_db
S = Notification.Status


def queue_decision(application, **extra):
    return notification_queue(
        kind=Kind.APPLICATION_DECISION,
        to=application.user,
        subject=application,
        program=application.program,
        context={"decision": "approved", "reason": ""},
        **extra,
    )


def test_queueing_the_same_email_twice_writes_one_row():
    application = ApplicationFactory()
    first = queue_decision(application)
    second = queue_decision(application)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_due_rows_are_sent_once_and_marked_sent():
    application = ApplicationFactory()
    queue_decision(application)
    assert notifications_deliver_due() == 1
    assert notifications_deliver_due() == 0
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (S.SENT, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"You're in: {row.program.name}"
    assert message.alternatives[0].mimetype == "text/html"
    assert "has been approved" in message.alternatives[0].content
    assert "has been approved" in message.body


def test_a_batch_goes_out_over_one_smtp_session(settings):
    rows = [queue_decision(ApplicationFactory()) for _ in range(5)]
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        assert notifications_deliver_due() == 5
    assert sorted(sink.ids()) == sorted(row.pk for row in rows)
    assert sink.sessions == 1


def test_future_rows_wait_until_due():
    application = ApplicationFactory()
    due = timezone.now() + timedelta(hours=24)
    queue_decision(application, due_at=due)
    assert notifications_deliver_due() == 0
    assert notifications_deliver_due(now=due + timedelta(seconds=1)) == 1


def test_a_row_can_be_claimed_by_only_one_sender():
    row = queue_decision(ApplicationFactory())
    first = notification_claim(notification_id=row.pk)
    second = notification_claim(notification_id=row.pk)
    assert first is not None and second is None
    assert notification_deliver(notification_id=row.pk, token="someone-else") == "skipped"
    assert notification_deliver(notification_id=row.pk, token=first) == S.SENT
    assert len(mail.outbox) == 1


def test_a_stale_claim_is_taken_over_after_the_timeout():
    row = queue_decision(ApplicationFactory())
    notification_claim(notification_id=row.pk)  # the worker that claimed it died
    assert notifications_claim_due() == []
    later = timezone.now() + CLAIM_TIMEOUT + timedelta(seconds=1)
    claims = notifications_claim_due(now=later)
    assert [pk for pk, _ in claims] == [row.pk]
    notification_deliver(notification_id=row.pk, token=claims[0][1])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 1)  # the dead claim never started a send


def test_cancelled_subject_reminders_are_not_sent():
    application = ApplicationFactory()
    queue_decision(application, due_at=timezone.now() + timedelta(hours=1))
    assert notifications_cancel(subject=application, kinds=[Kind.APPLICATION_DECISION]) == 1
    assert notifications_deliver_due(now=timezone.now() + timedelta(hours=2)) == 0
    assert Notification.objects.get().status == S.CANCELLED


class FlakySMTP:
    def __init__(self, exc):
        self.exc = exc

    def __call__(self, *args, **kwargs):
        raise self.exc


def test_temporary_smtp_error_retries_with_backoff(monkeypatch):
    row = queue_decision(ApplicationFactory())
    exc = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", FlakySMTP(exc))
    notifications_deliver_due()
    row.refresh_from_db()
    assert row.status == S.RETRYING
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert timedelta(seconds=25) < row.due_at - timezone.now() <= timedelta(seconds=30)
    monkeypatch.undo()
    assert notifications_deliver_due(now=row.due_at + timedelta(seconds=1)) == 1


def test_permanent_smtp_error_marks_failed(monkeypatch):
    row = queue_decision(ApplicationFactory())
    exc = smtplib.SMTPRecipientsRefused({row.to_email: (550, b"No such user")})
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", FlakySMTP(exc))
    notifications_deliver_due()
    row.refresh_from_db()
    assert row.status == S.FAILED
    assert row.last_error.startswith("SMTPRecipientsRefused")


def test_optional_kind_respects_preferences_and_mandatory_kind_does_not():
    user = UserFactory()
    preference_set(user=user, kind=Kind.LOG_NUDGE, enabled=False)
    assert notification_queue(kind=Kind.LOG_NUDGE, to=user) is None
    with pytest.raises(ValueError, match="cannot be turned off"):
        preference_set(user=user, kind=Kind.BOOKING_CONFIRMED, enabled=False)


def test_queueing_many_writes_the_rows_queueing_one_by_one_writes_and_never_twice(
    django_assert_max_num_queries,
):
    applications = [ApplicationFactory() for _ in range(5)]
    off = applications[4].user
    preference_set(user=off, kind=Kind.LOG_NUDGE, enabled=False)
    one = notification_queue(kind=Kind.LOG_NUDGE, to=applications[0].user, subject=applications[0])
    recipients = [(a.user, a) for a in applications]

    with django_assert_max_num_queries(4):
        written = notifications_queue_many(
            kind=Kind.LOG_NUDGE, recipients=recipients, program=applications[1].program
        )
    again = notifications_queue_many(kind=Kind.LOG_NUDGE, recipients=recipients)

    assert (written, again) == (3, 0)
    rows = Notification.objects.order_by("pk")
    assert [(r.recipient_id, r.subject_id, r.status) for r in rows] == [
        (a.user_id, a.pk, S.QUEUED) for a in applications[:4]
    ]
    assert rows[0].pk == one.pk
    assert rows[1].idempotency_key == one.idempotency_key.replace(
        f"{applications[0].pk}|user:{applications[0].user_id}",
        f"{applications[1].pk}|user:{applications[1].user_id}",
    )
    assert (
        notification_queue(kind=Kind.LOG_NUDGE, to=applications[2].user, subject=applications[2]).pk
        == rows[2].pk
    )


def test_row_whose_subject_was_deleted_is_cancelled_not_crashed():
    application = ApplicationFactory()
    row = queue_decision(application, due_at=timezone.now())
    Notification.objects.filter(pk=row.pk).update(subject_id=10**9)
    notifications_deliver_due()
    row.refresh_from_db()
    assert (row.status, row.last_error) == (S.CANCELLED, "Its subject no longer exists.")


@pytest.mark.django_db(transaction=True)
def test_many_emails_in_one_transaction_make_one_broker_call(monkeypatch):
    from django.db import transaction

    calls = []
    monkeypatch.setattr(
        "notifications.tasks.sweep_notifications.delay", lambda **kw: calls.append(kw)
    )
    applications = [ApplicationFactory() for _ in range(5)]
    with transaction.atomic():
        for application in applications:
            queue_decision(application)
    assert calls == [{}]
    assert Notification.objects.filter(status=S.QUEUED).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_never_reaches_the_caller(monkeypatch):
    def broken(**kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("notifications.tasks.sweep_notifications.delay", broken)
    row = queue_decision(ApplicationFactory())
    assert Notification.objects.get(pk=row.pk).status == S.QUEUED


def test_a_row_that_killed_its_worker_every_time_is_marked_failed_not_retried_forever():
    row = queue_decision(ApplicationFactory())
    Notification.objects.filter(pk=row.pk).update(
        status=S.SENDING, attempts=MAX_ATTEMPTS, claimed_at=timezone.now() - CLAIM_TIMEOUT * 2
    )
    assert notifications_claim_due() == []
    row.refresh_from_db()
    assert (row.status, row.last_error) == (S.FAILED, "The worker stopped while sending, 8 times.")
