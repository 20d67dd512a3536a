"""What a participant has to answer."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import CheckIn, SurveyInvitation
from evaluation.services.checkins import checkin_due_on
from matching.models import Match
from matching.selectors import matches_attach
from mentoring.compiled import compiled


@dataclass(frozen=True)
class PendingItem:
    kind: str  # "checkin" or "survey"
    title: str
    program: str
    due_on: date
    url: str
    anonymous: bool = False


@compiled
def _checkins_open(*, user, today: date):
    return (
        CheckIn.objects.filter(application__user=user, answered_at__isnull=True, due_on__gte=today)
        .only("due_on", "application", "match")
        .order_by("due_on", "pk")
    )


def checkins_pending(*, user, today: date, matches=()) -> list[CheckIn]:
    """The person's open check-ins, soonest due first, each with its match named
    (`matches_attach`: from `matches` the page has read, else one more query)."""
    checkins = _checkins_open(user=user, today=today)
    matches_attach(checkins, known=matches)
    return checkins


@compiled
def invitations_pending(*, user, today: date):
    """The person's surveys still to answer, soonest due first (a list)."""
    return (
        SurveyInvitation.objects.filter(application__user=user, completed=False, due_on__gte=today)
        .select_related("survey__program")
        .only("due_on", "survey__title", "survey__anonymous", "survey__program__name")
        .order_by("due_on", "pk")
    )


def checkin_partner(checkin: CheckIn) -> str:
    """The name of the other person in the check-in's match."""
    match = checkin.match
    other = match.mentee if checkin.application_id == match.mentor_id else match.mentor
    return other.user.name


def checkin_preview(*, program, today: date) -> CheckIn:
    """An unsaved check-in, as one opened today in `program` would be: what a coordinator's
    preview of the check-in form shows."""
    return CheckIn(
        match=Match(program=program),
        opens_on=today,
        due_on=checkin_due_on(program=program, opens_on=today),
    )


def pending_for_user(*, user, today: date | None = None, matches=()) -> list[PendingItem]:
    """Open check-ins and surveys for the home page, soonest due first. `matches`: the
    person's matches the page has read with `MATCH_NAME_FIELDS`, which check-ins then reuse."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    items = [
        PendingItem(
            kind="checkin",
            title=_("Check-in: how is it going with %(partner)s?")
            % {"partner": checkin_partner(checkin)},
            program=checkin.match.program.name,
            due_on=checkin.due_on,
            url=reverse("evaluation:checkin-answer", args=[checkin.pk]),
        )
        for checkin in checkins_pending(user=user, today=today, matches=matches)
    ]
    items += [
        PendingItem(
            kind="survey",
            title=invitation.survey.title,
            program=invitation.survey.program.name,
            due_on=invitation.due_on,
            url=reverse("evaluation:survey-answer", args=[invitation.pk]),
            anonymous=invitation.survey.anonymous,
        )
        for invitation in invitations_pending(user=user, today=today)
    ]
    return sorted(items, key=lambda item: (item.due_on, item.kind, item.title))
