"""The webhook ledger: a program's events written as deliveries with their cause, POSTed later.

The notification ledger's pattern (notifications/services.py) for HTTP: every delivery is a
WebhookDelivery row written in the transaction of its event (mentoring.events), so an event
rolled back sends nothing. Workers claim due rows (SKIP LOCKED where the database has it, and a
conditional UPDATE everywhere), POST them signed, and mark them sent only while the claim is
still theirs. A failure (no answer within the timeout, a refused connection, any answer but
2xx) is retried with exponential backoff and marked failed after MAX_ATTEMPTS. A worker that
dies mid-POST leaves its row `sending`; after CLAIM_TIMEOUT the sweeper takes it again:
at-least-once delivery, which is why every body carries an event id receivers can de-duplicate
on. Nothing here POSTs inside a web request: requests only write rows.
"""

import logging
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.signing import webhook_post
from mentoring.outbox import rows_claim_due, sweep_after_commit

logger = logging.getLogger(__name__)

# A row left `sending` this long belongs to a worker that died; the sweeper takes it again.
# The claim is renewed as each row of a batch starts, so it only has to outlast one POST.
CLAIM_TIMEOUT = timedelta(seconds=getattr(settings, "WEBHOOKS_CLAIM_TIMEOUT_SECONDS", 60))
BATCH_SIZE = 10  # rows per sender task: a slow receiver holds a worker for BATCH_SIZE timeouts
MAX_ATTEMPTS = 8
S = WebhookDelivery.Status


def _timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 5))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... 1 h."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


# --- subscriptions ------------------------------------------------------------------------


def secret_generate() -> str:
    """A new signing secret: 64 hex digits."""
    return secrets.token_hex(32)


def subscription_create(
    *, program, url: str, events: list[str], created_by=None, active: bool = True
) -> WebhookSubscription:
    """Subscribe `url` to `events` of `program` with a new secret (on the returned object:
    show it to the coordinator once). Refuses (ValidationError) a URL that is not http(s)."""
    subscription = WebhookSubscription(
        program=program,
        url=url.strip(),
        events=list(events),
        secret=secret_generate(),
        active=active,
        created_by=created_by,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_secret_regenerate(*, subscription: WebhookSubscription) -> str:
    """Give the subscription a new secret and return it; deliveries not yet sent are signed
    with the new one."""
    subscription.secret = secret_generate()
    subscription.save(update_fields=["secret"])
    return subscription.secret


# --- queueing -----------------------------------------------------------------------------


def deliveries_queue(*, name: str, program, payloads: list[dict]) -> int:
    """Write a delivery of each payload to every active subscription of `program` that wants
    `name`, in the caller's transaction; returns how many rows it wrote. Costs one query
    when nobody listens."""
    if program is None:
        return 0
    active = WebhookSubscription.objects.filter(program=program, active=True)
    wanted = [subscription for subscription in active if subscription.wants(name)]
    if not wanted:
        return 0
    now = timezone.now()
    rows = []
    for payload in payloads:
        event_id = uuid.uuid4()
        rows += [
            WebhookDelivery(
                subscription=subscription,
                event=name,
                event_id=event_id,
                payload=payload,
                occurred_at=now,
                next_attempt_at=now,
            )
            for subscription in wanted
        ]
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
    sweep_after_commit("api.webhooks.tasks.sweep_webhooks")
    return len(rows)


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same event to the same subscription again (admin action): a new delivery id,
    the same event id and payload, signed with the subscription's current secret."""
    copy = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        occurred_at=delivery.occurred_at,
        next_attempt_at=timezone.now(),
    )
    sweep_after_commit("api.webhooks.tasks.sweep_webhooks")
    return copy


# --- claiming -----------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(status=S.QUEUED, next_attempt_at__lte=now)


def deliveries_claim_due(
    *, limit: int = 500, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[tuple[int, str]]:
    """Claim up to `limit` due rows (and rows whose worker died); returns (id, token) pairs,
    one token per batch of `batch_size` rows (a sender task each)."""
    now = now or timezone.now()
    return rows_claim_due(
        WebhookDelivery,
        due=_due(now),
        order_by=("next_attempt_at", "pk"),
        max_attempts=MAX_ATTEMPTS,
        claim_timeout=CLAIM_TIMEOUT,
        limit=limit,
        batch_size=batch_size,
        now=now,
    )


def delivery_release(*, delivery_id: int, token: str) -> None:
    """Give a claimed row back (its task could not be queued) so the next sweep takes it."""
    WebhookDelivery.objects.filter(pk=delivery_id, claim_token=token, status=S.SENDING).update(
        status=S.QUEUED, claim_token=""
    )


# --- sending ------------------------------------------------------------------------------


def delivery_deliver(*, delivery_id: int, token: str) -> str:
    """POST one claimed row and record the outcome (response code, error, next attempt);
    returns the row's new status, or "skipped" when the claim is no longer ours."""
    started = WebhookDelivery.objects.filter(
        pk=delivery_id, claim_token=token, status=S.SENDING
    ).update(attempts=F("attempts") + 1, claimed_at=timezone.now())
    if not started:
        logger.info("Webhook delivery %s is no longer claimed by %s; skipping", delivery_id, token)
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.subscription.active:
        return _finish(delivery, token, S.FAILED, None, "The subscription was turned off.")
    code, error = webhook_post(delivery=delivery, timeout=_timeout())
    if code is not None and 200 <= code < 300:
        return _finish(delivery, token, S.SENT, code, "")
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.error("Webhook delivery %s failed for good: %s", delivery.pk, error)
        return _finish(delivery, token, S.FAILED, code, error)
    delay = backoff(delivery.attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        status=S.QUEUED,
        next_attempt_at=timezone.now() + delay,
        last_status_code=code,
        last_error=error,
        claim_token="",
    )
    logger.warning("Webhook delivery %s will retry in %s: %s", delivery.pk, delay, error)
    return S.QUEUED


def _finish(delivery: WebhookDelivery, token: str, status: str, code, error: str) -> str:
    WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        status=status,
        sent_at=timezone.now() if status == S.SENT else None,
        last_status_code=code,
        last_error=error,
    )
    return status


def deliveries_deliver(*, claims: Iterable[tuple[int, str]]) -> dict[str, int]:
    """POST claimed rows one after the other; returns how many ended in each status."""
    outcome: dict[str, int] = {}
    for pk, token in claims:
        status = delivery_deliver(delivery_id=pk, token=token)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def deliveries_deliver_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Claim and send due rows in this process (tests, a management shell)."""
    return deliveries_deliver(claims=deliveries_claim_due(limit=limit, now=now))
