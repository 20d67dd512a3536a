"""Ending matches (no-fault rematch) and what happens when capacity frees up."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.models import EndRequest, Match, WaitlistOffer
from matching.services.waitlist import waitlist_place_freed
from notifications.models import Kind
from notifications.services import notification_queue


@transaction.atomic
def end_request_create(*, match: Match, by, reason: str = "") -> EndRequest:
    """Either side asks to end the match. The reason is private: only coordinators see it.
    Each coordinator of the program is emailed."""
    if by.pk not in (match.mentor.user_id, match.mentee.user_id):
        raise ValidationError("Only the two people in a match can ask to end it.")
    if not match.is_active:
        raise ValidationError("This match has already ended.")
    if len(reason) > 2000:
        raise ValidationError("Keep the reason under 2,000 characters.")
    existing = EndRequest.objects.filter(match=match, status=EndRequest.Status.OPEN).first()
    if existing is not None:
        return existing
    request = EndRequest.objects.create(match=match, requested_by=by, reason=reason.strip())
    for coordinator in match.program.coordinators.all():
        notification_queue(
            kind=Kind.END_REQUESTED, to=coordinator, subject=request, program=match.program
        )
    return request


@transaction.atomic
def match_end(*, match: Match, by=None, offer_place: bool = True) -> Match:
    """End a match (coordinator). History is kept; both people can be matched again and
    the mentor's place goes to the waitlist (`waitlist_place_freed`: proposed to the
    coordinators in formal programs, waitlisted mentees told in informal ones). Both sides
    are told, without the reason. `offer_place=False` leaves the place alone (a
    re-optimisation fills it itself)."""
    match = Match.objects.select_for_update().get(pk=match.pk)
    if not match.is_active:
        return match
    match.status = Match.Status.ENDED
    match.ended_at = timezone.now()
    match.ended_by = by
    match.save(update_fields=["status", "ended_at", "ended_by"])
    EndRequest.objects.filter(match=match, status=EndRequest.Status.OPEN).update(
        status=EndRequest.Status.DONE
    )
    for application in (match.mentee, match.mentor):
        notification_queue(
            kind=Kind.MATCH_ENDED, to=application.user, subject=match, program=match.program
        )
    if offer_place:
        waitlist_place_freed(mentor=match.mentor, trigger=WaitlistOffer.Trigger.MATCH_ENDED)
    return match
