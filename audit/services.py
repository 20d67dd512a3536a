from django.contrib.contenttypes.models import ContentType

from audit.models import Action, AuditEntry


def audit_record(
    *,
    action: str,
    actor=None,
    program=None,
    person=None,
    target=None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail, in the caller's transaction (a decision that rolls
    back leaves no entry). `actor` None means the system; `detail` holds codes and counts, never
    names or free text about people."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        program=program,
        person=person,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        detail=detail or {},
    )


def audit_record_export(*, actor, programs, report: str, fmt: str) -> list[AuditEntry]:
    """Record one report download: an entry per program whose data the file holds (so each
    program's coordinators see it), `detail` {"report": <stable code>, "format": <fmt>}.
    One query whatever the number of programs; called before the response streams."""
    detail = {"report": report, "format": fmt}
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.bulk_create(
        AuditEntry(action=Action.REPORT_EXPORTED, actor=actor, program=program, detail=detail)
        for program in programs
    )
