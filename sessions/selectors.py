"""Reads for the sessions pages and the coordinator's admin."""

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from matching.models import Match
from programs.models import Application, Goal, Role
from sessions.models import Meeting, SessionLog


def meetings_for_user(*, user):
    return (
        Meeting.objects.filter(
            Q(mentor=user) | Q(match__mentee__user=user) | Q(attendance__member=user)
        )
        .distinct()
        .select_related("program", "mentor", "match__mentor__user", "match__mentee__user")
        .prefetch_related(Prefetch("logs", SessionLog.objects.select_related("author")))
    )


def meetings_split(*, user, now=None) -> tuple[list[Meeting], list[Meeting]]:
    """(upcoming booked, past or cancelled newest first) for the person's sessions page."""
    now = now or timezone.now()
    meetings = meetings_for_user(user=user)
    upcoming = list(meetings.filter(status=Meeting.Status.BOOKED, end__gt=now).order_by("start"))
    past = list(
        meetings.filter(Q(end__lte=now) | Q(status=Meeting.Status.CANCELLED)).order_by("-start")
    )
    return upcoming, past


def matches_for_booking(*, user):
    return (
        Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user), status="active")
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("program__name", "pk")
    )


def is_mentor(*, user) -> bool:
    """Approved as a mentor somewhere: they may publish availability before being matched."""
    return Application.objects.filter(
        user=user, role=Role.MENTOR, status=Application.Status.APPROVED
    ).exists()


def goal_progress_labels(log: SessionLog) -> list[tuple[str, str]]:
    """(goal name, progress label) pairs of a log, for pages and the admin."""
    names = dict(Goal.objects.filter(pk__in=log.goal_progress).values_list("pk", "name"))
    labels = dict(SessionLog.Progress.choices)
    return [
        (names.get(int(pk), "A removed goal"), labels.get(value, value))
        for pk, value in log.goal_progress.items()
        if str(pk).isdigit()
    ]


def _per_match(queryset, aggregate):
    return Subquery(
        queryset.filter(match=OuterRef("pk"))
        .order_by()
        .values("match")
        .annotate(value=aggregate)
        .values("value")[:1]
    )


def pair_session_summary(matches):
    """Annotate matches with booked, held and cancelled session counts and booked hours
    (one subquery each, so no join multiplies another's rows)."""
    booked = Meeting.objects.filter(status=Meeting.Status.BOOKED)
    held = booked.filter(logs__outcome=SessionLog.Outcome.HELD).distinct()
    length = ExpressionWrapper(F("end") - F("start"), DurationField())
    return matches.annotate(
        sessions_booked=Coalesce(_per_match(booked, Count("pk")), 0),
        sessions_held=Coalesce(_per_match(held, Count("pk", distinct=True)), 0),
        sessions_cancelled=Coalesce(
            _per_match(Meeting.objects.filter(status="cancelled"), Count("pk")), 0
        ),
        booked_time=_per_match(booked, Sum(length)),
    )
