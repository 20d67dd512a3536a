"""Reads of the audit trail."""

from django.db.models import QuerySet

from audit.models import AuditEntry
from mentoring.admin_scope import scope_queryset

VIEW_PERMISSION = "audit.view_auditentry"


def audit_entries_for(*, user) -> QuerySet[AuditEntry]:
    """The entries `user` may see: every one for superusers; for staff with the audit view
    permission (coordinators), those of the programs they coordinate, never an entry without
    a program (a privacy notice, an erasure); none for anyone else.

    Programs are known here only through the admin scope root the programs app registers
    (this app sits below programs)."""
    entries = AuditEntry.objects.all()
    if not (user.is_authenticated and user.is_active):
        return entries.none()
    if user.is_superuser:
        return entries
    if not (user.is_staff and user.has_perm(VIEW_PERMISSION)):
        return entries.none()
    return scope_queryset(entries, user=user, path="program")
