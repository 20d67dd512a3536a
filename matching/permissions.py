"""Access to matches and requests: only the two people involved; others get 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from matching.models import ExclusionRequest, Match, MatchRequest
from mentoring.compiled import compiled
from programs.models import Application, Program
from programs.permissions import application_for_owner

#: Applications through which a person takes part in a program (and so may name people
#: they do not want to be matched with).
TAKING_PART = (
    Application.Status.APPLIED,
    Application.Status.APPROVED,
    Application.Status.WAITLISTED,
)


@compiled
def _match(*, pk):
    # The profiles too: the match page shows the partner's (one query, not three).
    return Match.objects.select_related(
        "program", "mentor__user__profile", "mentee__user__profile"
    ).filter(pk=pk)[:1]


def match_for_participant(*, user, pk) -> Match:
    """A match the user is in (either side); 404 for anyone else's. Read by its id and
    checked here: "either side" as an OR over the joined people made the planner's work
    most of the query."""
    match = _match.first(pk=pk)
    if match is None or not match.has_participant(user):
        raise Http404("No such match.")
    return match


def request_for_mentor(*, user, pk) -> MatchRequest:
    return get_object_or_404(
        MatchRequest.objects.select_related("mentee__user", "mentor__user", "program"),
        pk=pk,
        mentor__user=user,
    )


def request_for_mentee(*, user, pk) -> MatchRequest:
    return get_object_or_404(MatchRequest, pk=pk, mentee__user=user)


def mentee_application_for_owner(*, user, pk):
    application = application_for_owner(user=user, pk=pk)
    if application.role != "mentee":
        raise Http404("Suggestions are for mentees.")
    return application


def program_for_participant(*, user, pk) -> Program:
    """A program the user takes part in (an application that is not withdrawn or
    declined); any other program is 404."""
    taking_part = Application.objects.filter(user=user, status__in=TAKING_PART)
    return get_object_or_404(Program.objects.filter(pk__in=taking_part.values("program_id")), pk=pk)


def exclusion_request_for_owner(*, user, pk) -> ExclusionRequest:
    """A participant's own request not to be matched with someone; anyone else's is 404."""
    return get_object_or_404(ExclusionRequest.objects.select_related("program"), pk=pk, person=user)
