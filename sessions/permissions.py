"""Access to sessions: only the people taking part; everyone else gets 404."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from matching.models import Match
from sessions.models import Meeting


def match_for_booking(*, user, pk) -> Match:
    """An active match the user is in (either side)."""
    return get_object_or_404(
        Match.objects.select_related("program", "mentor__user", "mentee__user"),
        Q(mentor__user=user) | Q(mentee__user=user),
        pk=pk,
        status=Match.Status.ACTIVE,
    )


def meeting_for_participant(*, user, pk) -> Meeting:
    meetings = Meeting.objects.select_related(
        "program", "mentor", "match__mentor__user", "match__mentee__user"
    ).filter(Q(mentor=user) | Q(match__mentee__user=user) | Q(attendance__member=user))
    meeting = meetings.filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such session.")
    return meeting


def is_mentor_of(meeting: Meeting, user) -> bool:
    return meeting.mentor_id == user.pk
