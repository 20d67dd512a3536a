"""Builders for audit tests: staff users, and the entries written since a mark."""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from tests.factories import UserFactory


def make_coordinator(*programs, **fields):
    user = UserFactory(**{"is_staff": True, **fields})
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    for program in programs:
        program.coordinators.add(user)
    return user


def make_reporter(*programs, **fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=REPORTING_GROUP))
    for program in programs:
        program.reporting_staff.add(user)
    return user


def mark() -> int:
    """The newest entry's id now: `entries_since(mark())` lists only what a step wrote."""
    last = AuditEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def entries_since(since: int) -> list[tuple]:
    """(action, actor, program, person, target, detail) of each entry written after `since`,
    oldest first; the target as (model, pk)."""
    rows = []
    for entry in AuditEntry.objects.filter(pk__gt=since).order_by("pk"):
        target = None
        if entry.target_type_id:
            model = ContentType.objects.get_for_id(entry.target_type_id).model_class()
            target = (model, entry.target_id)
        rows.append((entry.action, entry.actor, entry.program, entry.person, target, entry.detail))
    return rows


def target(obj) -> tuple:
    return (type(obj), obj.pk)
