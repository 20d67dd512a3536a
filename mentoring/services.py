from collections.abc import Iterable

from django.db.models import F, Model
from django.utils import timezone

from mentoring.models import WorkerHeartbeat


def model_field_values(instance: Model, *, exclude: Iterable[str] = ()) -> dict[str, object]:
    """`instance`'s concrete field values by attribute name (foreign keys as ids), without its
    primary key and the fields named in `exclude`: what a copy of the row is built from, so a
    field added to the model later is copied without anyone listing it."""
    skip = set(exclude)
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in skip
    }


def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Record that `worker` is alive now; safe to run any number of times."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker=worker).update(
        seen_at=now, beats=F("beats") + 1
    )
    if not updated:
        WorkerHeartbeat.objects.get_or_create(worker=worker, defaults={"seen_at": now, "beats": 1})
    return WorkerHeartbeat.objects.get(worker=worker)
