import logging

from celery import shared_task

from notifications.services import (
    notification_claim,
    notification_deliver,
    notification_release,
    notifications_claim_due,
    notifications_deliver,
)

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send")
def send_notification(*, notification_id: int, token: str | None = None) -> str:
    """Send one ledger row. Without a token (the fast path) it claims the row first; a row
    already sent, cancelled or claimed by someone else is left alone, so running twice is safe.
    """
    token = token or notification_claim(notification_id=notification_id)
    if token is None:
        return "not-claimed"
    return notification_deliver(notification_id=notification_id, token=token)


@shared_task(name="notifications.send_batch")
def send_notifications(*, claims: list[list]) -> dict[str, int]:
    """Send a batch of claimed rows over one SMTP connection; rows no longer claimed by
    their token (already sent, reclaimed after a crash) are skipped, so running twice is safe."""
    return notifications_deliver(claims=[(pk, token) for pk, token in claims])


@shared_task(name="notifications.sweep")
def sweep_notifications(*, limit: int = 1000) -> int:
    """Every minute (beat): claim due rows and hand each batch to a sender task."""
    claims = notifications_claim_due(limit=limit)
    by_token: dict[str, list] = {}
    for pk, token in claims:
        by_token.setdefault(token, []).append([pk, token])
    batches = list(by_token.values())
    for index, batch in enumerate(batches):
        try:
            send_notifications.delay(claims=batch)
        except Exception:  # broker trouble: give the rest back for the next sweep
            rest = [claim for later in batches[index:] for claim in later]
            for pk, token in rest:
                notification_release(notification_id=pk, token=token)
            logger.warning("Broker unavailable; released %d notifications", len(rest))
            return len(claims) - len(rest)
    return len(claims)
