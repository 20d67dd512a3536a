"""The outbox pieces the email ledger and the webhook ledger share."""

import pytest
from django.db import transaction

from mentoring import outbox


def test_claims_go_to_one_sender_call_per_token():
    sent = []
    claims = [(1, "a"), (2, "a"), (3, "b")]

    handed = outbox.claims_dispatch(claims, send=sent.append, release=None)

    assert handed == 3
    assert sent == [[[1, "a"], [2, "a"]], [[3, "b"]]]


def test_a_broker_failure_releases_every_row_not_handed_over():
    sent, released = [], []

    def send(batch):
        if len(sent) == 1:
            raise ConnectionRefusedError("broker down")
        sent.append(batch)

    claims = [(1, "a"), (2, "b"), (3, "b"), (4, "c")]
    handed = outbox.claims_dispatch(
        claims, send=send, release=lambda pk, token: released.append((pk, token))
    )

    assert handed == 1
    assert sent == [[[1, "a"]]]
    assert released == [(2, "b"), (3, "b"), (4, "c")]


@pytest.mark.django_db(transaction=True)
def test_each_outbox_asks_for_one_sweep_per_transaction(monkeypatch):
    swept = []
    monkeypatch.setattr(outbox, "_sweep_now", swept.append)

    with transaction.atomic():
        for _ in range(3):
            outbox.sweep_after_commit("notifications.tasks.sweep_notifications")
            outbox.sweep_after_commit("api.webhooks.tasks.sweep_webhooks")
        assert swept == []  # nothing before the commit

    assert swept == ["notifications.tasks.sweep_notifications", "api.webhooks.tasks.sweep_webhooks"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_asks_for_no_sweep(monkeypatch):
    swept = []
    monkeypatch.setattr(outbox, "_sweep_now", swept.append)

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.sweep_after_commit("notifications.tasks.sweep_notifications")
        raise RuntimeError

    assert swept == []


def test_a_dead_broker_is_logged_not_raised(monkeypatch):
    from notifications.tasks import sweep_notifications

    def broken(**kwargs):
        raise ConnectionRefusedError("broker down")

    warned = []
    monkeypatch.setattr(sweep_notifications, "delay", broken)
    # (not caplog: an earlier test's logging configuration can stop the record reaching it)
    monkeypatch.setattr(outbox.logger, "warning", lambda *args: warned.append(args[0] % args[1:]))

    outbox._sweep_now("notifications.tasks.sweep_notifications")

    assert warned == [
        "Broker unavailable; notifications.tasks.sweep_notifications left for the minute sweep"
    ]
