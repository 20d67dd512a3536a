"""Access to sessions: only the people taking part; everyone else gets 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from matching.models import Match
from mentoring.compiled import compiled
from sessions.models import AvailabilityRule, Meeting, OneOffSlot


@compiled
def _active_match(*, pk):
    return Match.objects.select_related("program", "mentor__user", "mentee__user").filter(
        pk=pk, status=Match.Status.ACTIVE
    )


def match_for_participant(*, user, pk) -> Match:
    """An active match the user is in (either side); 404 for anyone else's. Read by its id
    and checked here: "either side" as an OR over the joined people made the planner's work
    most of the query."""
    match = _active_match.first(pk=pk)
    if match is None or not match.has_participant(user):
        raise Http404("No such match.")
    return match


@compiled
def _meeting(*, pk):
    return Meeting.objects.select_related(
        "program", "mentor", "match__mentor__user", "match__mentee__user"
    ).filter(pk=pk)[:1]


def meeting_for_participant(*, user, pk) -> Meeting:
    """A meeting the user takes part in (mentor, mentee or group member); 404 otherwise.
    Read by its id and checked here; a group session's member list is asked only when the
    user is neither its mentor nor the pair's mentee."""
    meeting = _meeting.first(pk=pk)
    if meeting is None or not (
        meeting.mentor_id == user.pk
        or (meeting.match and meeting.match.mentee.user_id == user.pk)
        or meeting.attendance.filter(member=user).exists()
    ):
        raise Http404("No such session.")
    return meeting


def availability_for_owner(*, user, kind: str, pk) -> AvailabilityRule | OneOffSlot:
    """The user's own weekly window (kind "rule") or one-off time (kind "slot"); 404 otherwise."""
    model = {"rule": AvailabilityRule, "slot": OneOffSlot}.get(kind)
    if model is None:
        raise Http404("No such availability.")
    return get_object_or_404(model, pk=pk, mentor=user)
