"""Access to agreements, goals and certificates: only the people concerned; others get 404."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from matching.permissions import match_for_participant
from programs.models import Application, Role
from relationships.models import Goal, Milestone

__all__ = [
    "certificate_application_for_owner",
    "goal_for_member",
    "match_for_participant",
    "milestone_for_member",
]


def _members(prefix: str, user) -> Q:
    return Q(**{f"{prefix}match__mentor__user": user}) | Q(**{f"{prefix}match__mentee__user": user})


def goal_for_member(*, user, pk) -> Goal:
    """A goal of one of the user's own pairs; another pair's is 404."""
    return get_object_or_404(
        Goal.objects.select_related("match__program", "match__mentor__user", "match__mentee__user"),
        _members("", user),
        pk=pk,
    )


def milestone_for_member(*, user, pk) -> Milestone:
    """A milestone of one of the user's own pairs' goals; another pair's is 404."""
    return get_object_or_404(
        Milestone.objects.select_related("goal__match"), _members("goal__", user), pk=pk
    )


def certificate_application_for_owner(*, user, pk) -> Application:
    """The user's own mentor application (a certificate is about it); anyone else's, or a
    mentee's, is 404."""
    return get_object_or_404(
        Application.objects.select_related("program", "user"), pk=pk, user=user, role=Role.MENTOR
    )
