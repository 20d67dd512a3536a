"""The webhook ledger under trouble: receivers that fail or hang, workers that die."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.webhooks import services
from api.webhooks.models import WebhookDelivery
from api.webhooks.services import (
    CLAIM_TIMEOUT,
    backoff,
    deliveries_claim_due,
    deliveries_deliver,
    deliveries_deliver_due,
    subscription_create,
)
from api.webhooks.tasks import sweep_webhooks
from mentoring import events
from mentoring.celery import app
from mentoring.schedules import DEFAULT_SCHEDULES
from programs.services import application_submit
from tests.api.webhook_receiver import ReceiverServer
from tests.conftest import retry_while_locked, wait_for_rows
from tests.factories import UserFactory
from tests.programs.helpers import make_data, make_program


@pytest.fixture
def receiver():
    with ReceiverServer() as running:
        yield running


def queued_delivery(url: str) -> tuple:
    program = make_program()
    subscription = subscription_create(program=program, url=url, events=list(events.EVENT_NAMES))
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    return subscription, WebhookDelivery.objects.get()


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_the_sweep_is_scheduled_every_minute_as_a_registered_task():
    app.loader.import_default_modules()
    tasks = {entry["task"]: entry["every_seconds"] for entry in DEFAULT_SCHEDULES}
    assert tasks["webhooks.sweep"] == 60
    assert {"webhooks.sweep", "webhooks.send_batch"} <= set(app.tasks)


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 12)] == [
        30,
        60,
        120,
        240,
        3600,
        3600,
    ]


@pytest.mark.django_db
def test_a_receiver_that_fails_twice_is_retried_with_backoff_then_sent(receiver):
    receiver.answers = [500, 500, 200]
    subscription, delivery = queued_delivery(receiver.url)

    assert deliveries_deliver_due() == {"queued": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("queued", 1, 500)
    assert delivery.last_error == "HTTP 500: receiver is unwell"
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)

    assert deliveries_deliver_due() == {}  # not due yet: the backoff is respected
    assert deliveries_deliver_due(now=later(31)) == {"queued": 1}
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=55)  # doubled
    assert deliveries_deliver_due(now=later(31)) == {}
    assert deliveries_deliver_due(now=later(61)) == {"sent": 1}

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 3, 200)
    assert delivery.last_error == ""
    assert len(receiver.received) == 3
    assert all(request.signature_valid(subscription.secret) for request in receiver.received)
    ids = {request.headers["X-Mentoring-Delivery"] for request in receiver.received}
    assert ids == {str(delivery.uuid)}  # the same delivery, retried


@pytest.mark.django_db
def test_a_receiver_that_times_out_is_retried_then_marked_failed(receiver, settings, monkeypatch):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 3)
    receiver.answers = [("sleep", 1)] * 3
    _, delivery = queued_delivery(receiver.url)

    outcomes = [deliveries_deliver_due(now=later(hours * 3600)) for hours in range(4)]

    assert outcomes == [{"queued": 1}, {"queued": 1}, {"failed": 1}, {}]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, None)
    assert "timed out" in delivery.last_error
    assert delivery.sent_at is None


@pytest.mark.django_db
def test_an_unreachable_receiver_is_retried(settings):
    settings.WEBHOOK_PRIVATE_ADDRESSES_ALLOWED = True
    _, delivery = queued_delivery("http://127.0.0.1:9/nobody-listens")

    assert deliveries_deliver_due() == {"queued": 1}
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("URLError: ")


@pytest.mark.django_db
def test_a_redirect_is_a_failed_attempt_not_a_get_elsewhere(receiver):
    receiver.answers = [302]
    _, delivery = queued_delivery(receiver.url)

    assert deliveries_deliver_due() == {"queued": 1}
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_sent_again_after_the_claim_timeout(receiver):
    _, delivery = queued_delivery(receiver.url)
    [(pk, dead_token)] = deliveries_claim_due()  # a worker took it... and died before POSTing

    assert deliveries_claim_due() == []  # still claimed: nobody else sends it meanwhile
    assert deliveries_claim_due(now=later(CLAIM_TIMEOUT.total_seconds() - 5)) == []
    reclaimed = deliveries_claim_due(now=later(CLAIM_TIMEOUT.total_seconds() + 1))
    assert [pk for pk, _ in reclaimed] == [delivery.pk]
    assert deliveries_deliver(claims=reclaimed) == {"sent": 1}

    # The dead worker's task, redelivered by the broker, finds its claim gone.
    assert deliveries_deliver(claims=[(pk, dead_token)]) == {"skipped": 1}
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_row_that_kills_its_worker_every_time_ends_failed(monkeypatch, settings):
    settings.WEBHOOK_PRIVATE_ADDRESSES_ALLOWED = True
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 2)
    _, delivery = queued_delivery("http://127.0.0.1:9/")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=2, claimed_at=timezone.now() - 2 * CLAIM_TIMEOUT
    )

    assert deliveries_claim_due() == []
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.last_error == "The worker stopped while sending, 2 times."


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_an_event_and_one_a_dead_worker_left_behind(receiver, celery_worker):
    program = make_program()
    subscription = subscription_create(program=program, url=receiver.url, events=["match.ended"])
    # A row a worker claimed before it was killed, its claim long expired...
    stale = WebhookDelivery.objects.create(
        subscription=subscription,
        event="match.ended",
        payload={"match_id": 6},
        occurred_at=later(-3600),
        next_attempt_at=later(-3600),
        status="sending",
        attempts=1,
        claim_token="dead",
        claimed_at=later(-3600),
    )
    # ...and a fresh event: its commit asks the worker to sweep, no test call needed.
    events.event_emit(name=events.MATCH_ENDED, program=program, payload={"match_id": 7})

    wait_for_rows(lambda: WebhookDelivery.objects.filter(status="sent").count() == 2)

    assert sorted(r.document["data"]["match_id"] for r in receiver.received) == [6, 7]
    assert all(r.signature_valid(subscription.secret) for r in receiver.received)
    assert WebhookDelivery.objects.get(pk=stale.pk).attempts == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_on_a_real_worker_retries_a_failing_receiver(receiver, celery_worker):
    receiver.answers = [500]
    _, delivery = queued_delivery(receiver.url)
    first_try = {"status": "queued", "attempts": 1}
    wait_for_rows(WebhookDelivery.objects.filter(**first_try).exists)
    retry_while_locked(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later(-1))
    )

    sweep_webhooks.delay()

    wait_for_rows(lambda: WebhookDelivery.objects.get().status == "sent")
    assert WebhookDelivery.objects.get().attempts == 2
