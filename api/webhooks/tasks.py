import logging

from celery import shared_task

from api.webhooks.services import deliveries_claim_due, deliveries_deliver, delivery_release

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.send_batch")
def send_webhooks(*, claims: list[list]) -> dict[str, int]:
    """POST a batch of claimed deliveries; rows no longer claimed by their token (already
    sent, reclaimed after a crash) are skipped, so running twice is safe."""
    return deliveries_deliver(claims=[(pk, token) for pk, token in claims])


@shared_task(name="webhooks.sweep")
def sweep_webhooks(*, limit: int = 500) -> int:
    """Every minute (beat), and right after an event commits: claim due deliveries (and
    ones a dead worker left `sending`) and hand each batch to a sender task."""
    claims = deliveries_claim_due(limit=limit)
    by_token: dict[str, list] = {}
    for pk, token in claims:
        by_token.setdefault(token, []).append([pk, token])
    batches = list(by_token.values())
    for index, batch in enumerate(batches):
        try:
            send_webhooks.delay(claims=batch)
        except Exception:  # broker trouble: give the rest back for the next sweep
            rest = [claim for later in batches[index:] for claim in later]
            for pk, token in rest:
                delivery_release(delivery_id=pk, token=token)
            logger.warning("Broker unavailable; released %d webhook deliveries", len(rest))
            return len(claims) - len(rest)
    return len(claims)
