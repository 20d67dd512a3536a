from django.db.models import Q, QuerySet

from matching.models import Match, MatchRequest


def match_list_for_user(*, user) -> QuerySet[Match]:
    """Every match the person is in, active first, newest first."""
    return (
        Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user))
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("status", "-started_at")
    )


def requests_received(*, user) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(mentor__user=user).select_related(
        "mentee__user", "mentee__career_stage", "program"
    )


def requests_sent(*, user) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(mentee__user=user).select_related("mentor__user", "program")


def mentor_active_count(*, mentor) -> int:
    """How many active matches `mentor` (an application) holds: the places it has taken."""
    return Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()
