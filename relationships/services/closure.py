"""The planned closure: at the program's end every active match closes deliberately."""

from datetime import date

from django.db import transaction
from django.db.models import QuerySet

from matching.models import EndReason, Match
from matching.services.ending import match_end
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Program
from relationships.selectors import certificate_status


def matches_due_for_closure(*, program: Program, today: date) -> QuerySet[Match]:
    """The program's active matches once its end date has passed (none without one)."""
    if program.ends_on is None or program.ends_on >= today:
        return Match.objects.none()
    return Match.objects.filter(program=program, status=Match.Status.ACTIVE)


@transaction.atomic
def match_close_planned(*, match: Match, today: date) -> bool:
    """Close one match at its program's end: ended now with the reason "program_ended", no
    waitlist offer (the program is over), and MATCH_CLOSING to both sides instead of the
    usual "match ended" email, the mentor's telling whether their certificate is ready.
    Returns False (and sends nothing) when the match is no longer active; queueing is
    idempotent, so a second run changes nothing."""
    locked = Match.objects.select_for_update().filter(pk=match.pk, status=Match.Status.ACTIVE)
    if not locked.exists():
        return False
    match = match_end(
        match=match, end_reason=EndReason.PROGRAM_ENDED, offer_place=False, notify=False
    )
    certificate = certificate_status(application=match.mentor, today=today).eligible
    for application, context in (
        (match.mentor, {"certificate": certificate}),
        (match.mentee, {"certificate": False}),
    ):
        notification_queue(
            kind=Kind.MATCH_CLOSING,
            to=application.user,
            subject=match,
            program=match.program,
            context=context,
        )
    return True


def matches_close_planned(*, program: Program, today: date) -> int:
    """Close every match of a program whose end date has passed; returns how many closed."""
    due = matches_due_for_closure(program=program, today=today).select_related(
        "program", "mentor__user", "mentee__user"
    )
    return sum(match_close_planned(match=match, today=today) for match in due)
