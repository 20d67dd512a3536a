"""Every event of mentoring.events becomes deliveries to the subscriptions that want it."""

from django.dispatch import receiver

from api.webhooks.services import deliveries_queue
from mentoring.events import event_occurred


@receiver(event_occurred, dispatch_uid="webhooks.deliveries_queue")
def _queue_deliveries(sender, *, name: str, program, payloads: list[dict], **kwargs) -> None:
    deliveries_queue(name=name, program=program, payloads=payloads)
