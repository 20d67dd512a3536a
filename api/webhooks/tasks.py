from celery import shared_task

from api.webhooks.services import deliveries_claim_due, deliveries_deliver, delivery_release
from mentoring.outbox import SWEEP_TASK_OPTIONS, claims_dispatch


@shared_task(name="webhooks.send_batch")
def send_webhooks(*, claims: list[list]) -> dict[str, int]:
    """POST a batch of claimed deliveries; rows no longer claimed by their token (already
    sent, reclaimed after a crash) are skipped, so running twice is safe."""
    return deliveries_deliver(claims=[(pk, token) for pk, token in claims])


@shared_task(name="webhooks.sweep", **SWEEP_TASK_OPTIONS)
def sweep_webhooks(*, limit: int = 500) -> int:
    """Every minute (beat), and right after an event commits: claim due deliveries (and
    ones a dead worker left `sending`) and hand each batch to a sender task."""
    return claims_dispatch(
        deliveries_claim_due(limit=limit),
        send=lambda batch: send_webhooks.delay(claims=batch),
        release=lambda pk, token: delivery_release(delivery_id=pk, token=token),
    )
