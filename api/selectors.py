"""Reads for the API: the programs a user may read or change through it, and their tokens."""

from django.db.models import QuerySet

from api.models import AccessToken
from mentoring.roles import user_roles
from programs.models import Program
from programs.permissions import programs_coordinated_by, programs_reportable_by


def api_user_allowed(*, user) -> bool:
    """Coordinators, reporting staff and superusers use the API; participants do not."""
    if not user.is_authenticated or not user.is_active:
        return False
    # Asked by the permission check and again by the scope of the same request: one query.
    allowed = getattr(user, "_api_allowed", None)
    if allowed is None:
        roles = user_roles(user)
        allowed = user._api_allowed = roles.coordinator or roles.reporting
    return allowed


def programs_readable(*, user) -> QuerySet[Program]:
    """What the admin and the reports show this person: the programs they coordinate or
    report on (all for superusers)."""
    if not api_user_allowed(user=user):
        return Program.objects.none()
    return programs_reportable_by(user=user)


def programs_writable(*, user) -> QuerySet[Program]:
    """Programs whose applications, invitations and outcomes this person may change: the
    ones they coordinate, exactly as in the admin."""
    if not api_user_allowed(user=user):
        return Program.objects.none()
    return programs_coordinated_by(user=user)


def tokens_for_user(*, user) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user).order_by("-created_at", "-pk")
