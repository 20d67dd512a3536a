from celery import shared_task

from mentoring.outbox import SWEEP_TASK_OPTIONS, claims_dispatch
from notifications.services import (
    notification_claim,
    notification_deliver,
    notification_release,
    notifications_claim_due,
    notifications_deliver,
)


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


@shared_task(name="notifications.sweep", **SWEEP_TASK_OPTIONS)
def sweep_notifications(*, limit: int = 1000) -> int:
    """Every minute (beat), and right after emails due now commit: claim due rows and hand
    each batch to a sender task."""
    return claims_dispatch(
        notifications_claim_due(limit=limit),
        send=lambda batch: send_notifications.delay(claims=batch),
        release=lambda pk, token: notification_release(notification_id=pk, token=token),
    )
