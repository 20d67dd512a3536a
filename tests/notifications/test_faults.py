"""Reminders survive crashes and outages: a real worker on real Redis and PostgreSQL, killed
with SIGKILL; Redis stopped during a booking; two sweepers at once; daylight-saving days."""

import os
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
import redis
from django.db import connection, transaction
from django.urls import reverse

from notifications.models import Kind, Notification
from notifications.services import (
    notification_queue,
    notifications_claim_due,
    notifications_deliver,
    notifications_deliver_due,
)
from notifications.tasks import sweep_notifications
from sessions.models import Meeting
from sessions.services import booking_create, slots_free
from tests.conftest import _reset_pools, test_redis_url, wait_for
from tests.notifications.support import RedisServer, SmtpSink, Worker, worker_env
from tests.sessions.helpers import pair, weekly

S = Notification.Status


def _database_url() -> str:
    db = connection.settings_dict
    user, host = db["USER"] or "postgres", db["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _future_meeting() -> Meeting:
    match = pair()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return Meeting.objects.create(
        program=match.program, mentor=match.mentor.user, match=match, start=start,
        end=start + timedelta(hours=1),
    )  # fmt: skip


def _sweep_until_all_sent(*, timeout: float) -> None:
    def done():
        left = Counter(Notification.objects.exclude(status=S.SENT).values_list("status", flat=True))
        print("not sent yet:", dict(left))  # shown when the test fails
        if not left:
            return True
        sweep_notifications.delay()
        time.sleep(1)
        return False

    wait_for(done, timeout=timeout, interval=0)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_sigkill_three_times_while_sending_1000_reminders(celery_redis_app, tmp_path):
    redis.Redis.from_url(test_redis_url()).flushdb()
    meeting = _future_meeting()
    with transaction.atomic():
        rows = [
            notification_queue(
                kind=Kind.SESSION_REMINDER,
                to=meeting.mentor,
                subject=meeting,
                program=meeting.program,
                due_at=datetime.now(UTC) - timedelta(seconds=1),
                context={"hours": 24},
                key_extra=f"load{k}",
            )
            for k in range(1000)
        ]
    concurrency, kills = 2, 0
    with SmtpSink() as sink:
        env = worker_env(
            database_url=_database_url(), redis_url=test_redis_url(), email_url=sink.email_url,
            NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS="30",
        )  # fmt: skip
        worker = Worker(env, concurrency=concurrency, log=tmp_path / "worker.log")
        try:
            for target in (150, 400, 650):
                worker.start()
                sweep_notifications.delay()
                wait_for(lambda t=target: len(sink.ids()) >= t, timeout=90)
                worker.kill()
                kills += 1
            worker.start()
            _sweep_until_all_sent(timeout=180)
        finally:
            worker.stop()
        received = Counter(sink.ids())

    assert Counter(Notification.objects.values_list("status", flat=True)) == {S.SENT: 1000}
    assert set(received) == {row.pk for row in rows}  # every one arrived at least once
    # Rows a killed worker had started were taken again by a later sweep after the timeout.
    assert Notification.objects.filter(attempts__gt=1).exists()
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= kills * concurrency, (duplicates, received.most_common(5))


@pytest.fixture
def own_redis(celery_redis_app):
    """A Redis of this test's own, which the test may stop; the Celery app publishes to it."""
    server = RedisServer().start()
    saved = celery_redis_app.conf.broker_url
    celery_redis_app.conf.broker_url = server.url
    _reset_pools(celery_redis_app)
    yield server
    server.stop()
    celery_redis_app.conf.broker_url = saved
    _reset_pools(celery_redis_app)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_booking_with_redis_down_succeeds_fast_and_its_emails_follow_one_sweep_later(
    own_redis, tmp_path, client
):
    match = pair()
    weekly(match.mentor.user, weekday=(date.today().weekday() + 3) % 7)
    start = slots_free(mentor=match.mentor.user)[0].start
    client.force_login(match.mentee.user)
    own_redis.stop()

    started = time.monotonic()
    response = client.post(
        reverse("sessions:booking-create", args=[match.pk]), {"start": start.isoformat()}
    )
    elapsed = time.monotonic() - started

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:meeting-detail", args=[meeting.pk])
    assert elapsed < 2, elapsed
    queued = Notification.objects.filter(status=S.QUEUED)
    assert Counter(queued.values_list("kind", flat=True)) == {
        Kind.BOOKING_CONFIRMED: 2, Kind.SESSION_REMINDER: 4, Kind.LOG_NUDGE: 2,
    }  # fmt: skip
    reminders = queued.filter(kind=Kind.SESSION_REMINDER).values_list("due_at", flat=True)
    assert set(reminders) == {
        meeting.start - timedelta(hours=24),
        meeting.start - timedelta(hours=1),
    }

    own_redis.start()
    with SmtpSink() as sink:
        env = worker_env(
            database_url=_database_url(), redis_url=own_redis.url, email_url=sink.email_url
        )
        confirmations = Notification.objects.filter(kind=Kind.BOOKING_CONFIRMED)
        with Worker(env, log=tmp_path / "worker.log"):
            sweep_notifications.delay()  # the next beat tick
            wait_for(lambda: len(sink.ids()) == 2, timeout=60)
            # The sink has the emails a moment before the worker records them sent: stopping
            # the worker in between would leave a row "sending" (and send it again later).
            wait_for(
                lambda: set(confirmations.values_list("status", flat=True)) == {S.SENT},
                timeout=30,
            )
    assert sorted(sink.ids()) == sorted(confirmations.values_list("pk", flat=True))
    assert Notification.objects.filter(kind=Kind.SESSION_REMINDER, status=S.QUEUED).count() == 4


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_queueing_with_redis_down_commits_fast_and_one_sweep_sends_after_redis_is_back(
    own_redis, tmp_path
):
    meeting = _future_meeting()
    own_redis.stop()

    started = time.monotonic()
    with transaction.atomic():  # the after-commit broker call fails, logged, never raised
        now = notification_queue(
            kind=Kind.BOOKING_CONFIRMED, to=meeting.mentor, subject=meeting,
            program=meeting.program,
        )  # fmt: skip
        later = notification_queue(
            kind=Kind.SESSION_REMINDER, to=meeting.mentor, subject=meeting,
            program=meeting.program, due_at=meeting.start - timedelta(hours=24),
            context={"hours": 24},
        )  # fmt: skip
    elapsed = time.monotonic() - started

    assert elapsed < 2, elapsed
    assert set(Notification.objects.values_list("status", flat=True)) == {S.QUEUED}

    own_redis.start()
    with SmtpSink() as sink:
        env = worker_env(
            database_url=_database_url(), redis_url=own_redis.url, email_url=sink.email_url
        )
        with Worker(env, log=tmp_path / "worker.log"):
            sweep_notifications.delay()  # the next beat tick
            # The worker marks the row sent just after the SMTP server has it: wait for both.
            wait_for(
                lambda: (
                    sink.ids() == [now.pk]
                    and Notification.objects.filter(pk=now.pk, status=S.SENT).exists()
                ),
                timeout=60,
            )
    now.refresh_from_db(), later.refresh_from_db()
    assert (now.status, later.status) == (S.SENT, S.QUEUED)  # the reminder is not due yet


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_running_together_never_send_twice(settings, monkeypatch):
    seconds = float(os.environ.get("FAULT_SWEEP_SECONDS", "60"))
    # The two threads below are the only sweepers: no fast-path sweep to a broker.
    monkeypatch.setattr("mentoring.outbox._sweep_now", lambda task_path: None)
    meeting = _future_meeting()
    stop = threading.Event()
    errors: list[BaseException] = []

    def produce():
        k = 0
        try:
            while not stop.is_set():
                with transaction.atomic():
                    for _ in range(10):
                        notification_queue(
                            kind=Kind.SESSION_REMINDER, to=meeting.mentor, subject=meeting,
                            program=meeting.program,
                            due_at=datetime.now(UTC) + timedelta(seconds=k % 4),
                            context={"hours": 1}, key_extra=f"p{k}",
                        )  # fmt: skip
                        k += 1
                time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def sweep():
        try:
            while not stop.is_set():
                notifications_deliver(claims=notifications_claim_due(limit=40, batch_size=10))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        threads = [threading.Thread(target=f) for f in (produce, sweep, sweep)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        notifications_deliver_due(now=datetime.now(UTC) + timedelta(seconds=5), limit=100_000)
        received = Counter(sink.ids())

    assert errors == []
    sent = set(Notification.objects.filter(status=S.SENT).values_list("pk", flat=True))
    assert len(sent) == Notification.objects.count() > 500
    assert set(received) == sent
    assert [pk for pk, n in received.items() if n > 1] == []


TRANSITIONS = [
    ("Europe/London", date(2027, 3, 28)),
    ("Europe/London", date(2027, 10, 31)),
    ("America/New_York", date(2027, 3, 14)),
    ("America/New_York", date(2027, 11, 7)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day"), TRANSITIONS)
def test_24h_reminders_on_daylight_saving_days_go_once_at_the_right_instant(zone, day):
    tz = ZoneInfo(zone)
    match = pair(mentor_zone=zone, mentee_zone=zone)
    weekly(match.mentor.user, weekday=6, start=clock(1, 30), end=clock(3, 30), minutes=60)
    booked_at = datetime.combine(day - timedelta(days=5), clock(12), tzinfo=UTC)
    expected = {}
    for wall in (clock(1, 30), clock(2, 30)):
        local = datetime.combine(day, wall, tzinfo=tz)
        exists = local.astimezone(UTC).astimezone(tz).time() == wall
        if not exists:
            continue  # inside the spring-forward gap: not offered, so never booked
        start = local.astimezone(UTC)
        booking_create(match=match, start=start, booked_by=match.mentee.user, now=booked_at)
        expected[start] = start - timedelta(hours=24)
    assert len(expected) == (1 if day.month == 3 else 2)

    sent_at: dict[int, list[datetime]] = {}
    step = min(expected.values()) - timedelta(minutes=30)
    while step <= max(expected.values()) + timedelta(minutes=30):
        before = set(Notification.objects.filter(status=S.SENT).values_list("pk", flat=True))
        notifications_deliver_due(now=step)
        for pk in (
            Notification.objects.filter(status=S.SENT)
            .exclude(pk__in=before)
            .values_list("pk", flat=True)
        ):
            sent_at.setdefault(pk, []).append(step)
        step += timedelta(minutes=1)

    day_before = Notification.objects.filter(kind=Kind.SESSION_REMINDER, context__hours=24)
    for row in day_before:
        meeting = row.subject
        assert sent_at[row.pk] == [expected[meeting.start]]  # once, on the minute it was due
        assert row.due_at == expected[meeting.start]
    assert Counter(day_before.values_list("recipient", flat=True)) == {
        match.mentor.user.pk: len(expected),
        match.mentee.user.pk: len(expected),
    }
