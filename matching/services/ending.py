"""Ending matches (no-fault rematch, the planned closure) and what happens when capacity
frees up."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from matching.models import EARLY_END_REASONS, EndReason, EndRequest, Match, WaitlistOffer
from matching.services.waitlist import waitlist_place_freed
from mentoring.events import MATCH_ENDED, event_emit
from notifications.models import Kind
from notifications.services import notification_queue

EARLY_REASON_VALUES = frozenset(value for value, _label in EARLY_END_REASONS)
REASON_TEXT_MAX = 300


def end_reason_clean(*, end_reason: str, end_reason_text: str = "", early: bool = True) -> str:
    """The "other" text to store with `end_reason` (empty unless it is "other"); raises
    ValidationError for a reason outside the list (the planned closure is not an early
    one) or "other" without a few words."""
    allowed = EARLY_REASON_VALUES if early else frozenset(EndReason.values)
    if end_reason not in allowed:
        raise ValidationError(_("Choose why the match ends from the list."))
    text = " ".join(end_reason_text.split())
    if end_reason != EndReason.OTHER:
        return ""
    if not text:
        raise ValidationError(_("Say in a few words why, when the reason is “Other”."))
    if len(text) > REASON_TEXT_MAX:
        raise ValidationError(_("Keep the other reason under 300 characters."))
    return text


@transaction.atomic
def end_request_create(
    *, match: Match, by, reason: str = "", end_reason: str = "", end_reason_text: str = ""
) -> EndRequest:
    """Either side asks to end the match, saying why from the fixed list (`end_reason`, with
    `end_reason_text` for "other"; the participant's form requires it, requests made before
    the list existed have none) and, optionally, private feedback (`reason`) only
    coordinators see. Each coordinator of the program is emailed. Each side may ask once
    (the other side is not told); asking again while one's own request is open returns it
    unchanged."""
    if by.pk not in (match.mentor.user_id, match.mentee.user_id):
        raise ValidationError(_("Only the two people in a match can ask to end it."))
    if not match.is_active:
        raise ValidationError(_("This match has already ended."))
    if len(reason) > 2000:
        raise ValidationError(_("Keep the reason under 2,000 characters."))
    text = (
        end_reason_clean(end_reason=end_reason, end_reason_text=end_reason_text)
        if (end_reason or end_reason_text)
        else ""
    )
    existing = EndRequest.objects.filter(
        match=match, requested_by=by, status=EndRequest.Status.OPEN
    ).first()
    if existing is not None:
        return existing
    request = EndRequest.objects.create(
        match=match,
        requested_by=by,
        reason=reason.strip(),
        end_reason=end_reason,
        end_reason_text=text,
    )
    for coordinator in match.program.coordinators.all():
        notification_queue(
            kind=Kind.END_REQUESTED, to=coordinator, subject=request, program=match.program
        )
    return request


@transaction.atomic
def match_end(
    *,
    match: Match,
    by=None,
    offer_place: bool = True,
    end_reason: str = "",
    end_reason_text: str = "",
    notify: bool = True,
) -> Match:
    """End a match. History is kept; both people can be matched again and the mentor's
    place goes to the waitlist (`waitlist_place_freed`: proposed to the coordinators in
    formal programs, waitlisted mentees told in informal ones). Records why: `end_reason`
    (any EndReason, "program_ended" for the planned closure), else the open request's
    reason; the audit trail records who ended it (None: the system) and the reason's code.
    Both sides are emailed MATCH_ENDED, without the reason, unless `notify=False`
    (the planned closure sends its own message). `offer_place=False` leaves the place
    alone (a re-optimisation fills it itself; the program is over). A match already ended
    is returned unchanged."""
    match = Match.objects.select_for_update().get(pk=match.pk)
    if not match.is_active:
        return match
    open_request = EndRequest.objects.filter(match=match, status=EndRequest.Status.OPEN).first()
    if end_reason:
        text = end_reason_clean(end_reason=end_reason, end_reason_text=end_reason_text, early=False)
    elif open_request is not None:
        end_reason, text = open_request.end_reason, open_request.end_reason_text
    else:
        text = ""
    match.status = Match.Status.ENDED
    match.ended_at = timezone.now()
    match.ended_by = by
    match.end_reason = end_reason
    match.end_reason_text = text
    match.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "end_reason_text"])
    EndRequest.objects.filter(match=match, status=EndRequest.Status.OPEN).update(
        status=EndRequest.Status.DONE
    )
    # Two people are concerned: the trail links the match, not one of them.
    audit_record(
        action=Action.MATCH_ENDED,
        actor=by,
        program=match.program,
        target=match,
        detail={"end_reason": end_reason},
    )
    if notify:
        for application in (match.mentee, match.mentor):
            notification_queue(
                kind=Kind.MATCH_ENDED, to=application.user, subject=match, program=match.program
            )
    event_emit(
        name=MATCH_ENDED,
        program=match.program,
        payload={"match_id": match.pk, "end_reason": end_reason},
    )
    if offer_place:
        waitlist_place_freed(mentor=match.mentor, trigger=WaitlistOffer.Trigger.MATCH_ENDED)
    return match
