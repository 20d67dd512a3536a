"""Booking, rescheduling and cancelling one-on-one sessions.

Two people can never hold the same time of one mentor: the mentor's user row is locked for
the length of the transaction (every database), and on PostgreSQL an exclusion constraint
refuses overlapping booked meetings even from a code path that forgot the lock.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from matching.models import Match
from mentoring.events import SESSION_BOOKED, event_emit
from notifications.models import Kind
from sessions.models import Meeting
from sessions.services.availability import slot_find
from sessions.services.common import (
    BookingError,
    is_participant,
    reminders_cancel,
    reminders_schedule,
    tell,
)

TAKEN = gettext_lazy(
    "Sorry, that time was just taken or is no longer offered. Please choose another."
)


def _check_party(match: Match, user) -> None:
    if not match.is_active:
        raise BookingError(_("This match has ended; sessions can no longer be booked."))
    if not match.has_participant(user):
        raise BookingError(_("You can only book sessions with your own match."))


def _save(meeting: Meeting) -> Meeting:
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:  # the exclusion or unique constraint: someone was faster
        raise BookingError(TAKEN) from exc
    return meeting


@transaction.atomic
def booking_create(*, match: Match, start: datetime, booked_by, now=None) -> Meeting:
    """Book the free slot of the match's mentor that starts at `start`.

    Emails both sides a confirmation with an .ics file and queues their reminders. Sending the
    same request twice returns the first booking and emails nothing more.
    """
    now = now or timezone.now()
    _check_party(match, booked_by)
    mentor = User.objects.select_for_update().get(pk=match.mentor.user_id)
    existing = Meeting.objects.filter(
        match=match, start=start, status=Meeting.Status.BOOKED
    ).first()
    if existing is not None:
        return existing
    if start <= now:
        raise BookingError(_("That time has already passed. Please choose a time in the future."))
    slot = slot_find(mentor=mentor, start=start, program=match.program, now=now)
    if slot is None:
        raise BookingError(TAKEN)
    meeting = _save(
        Meeting(
            program=match.program,
            mentor=mentor,
            match=match,
            start=slot.start,
            end=slot.end,
            location=slot.location,
            online_link=slot.online_link,
            booked_by=booked_by,
        )
    )
    tell(meeting, Kind.BOOKING_CONFIRMED, by=booked_by)
    reminders_schedule(meeting, now=now)
    event_emit(
        name=SESSION_BOOKED,
        program=match.program,
        payload={
            "session_id": meeting.pk,
            "match_id": match.pk,
            "start": meeting.start.isoformat(),
        },
    )
    return meeting


def _check_changer(meeting: Meeting, user) -> None:
    if not is_participant(meeting, user):
        raise BookingError(_("You can only change your own sessions."))
    if meeting.kind == Meeting.Kind.GROUP and user.pk != meeting.mentor_id:
        raise BookingError(
            _("Only the mentor changes a group session; answer “not going” instead.")
        )


def _check_cutoff(meeting: Meeting, now: datetime, action: str) -> None:
    """`action` is "moved" or "cancelled"; each has its own whole sentences to translate."""
    moving = action == "moved"
    if meeting.status != Meeting.Status.BOOKED:
        raise BookingError(_("This session was cancelled."))
    if meeting.start <= now:
        raise BookingError(
            _("This session has started; it can no longer be moved.")
            if moving
            else _("This session has started; it can no longer be cancelled.")
        )
    hours = meeting.program.cancellation_cutoff_hours
    if meeting.start - now < timedelta(hours=hours):
        if moving:
            message = ngettext(
                "Sessions can be moved up to %(hours)s hour before they start. "
                "Please contact the other person directly.",
                "Sessions can be moved up to %(hours)s hours before they start. "
                "Please contact the other person directly.",
                hours,
            )
        else:
            message = ngettext(
                "Sessions can be cancelled up to %(hours)s hour before they start. "
                "Please contact the other person directly.",
                "Sessions can be cancelled up to %(hours)s hours before they start. "
                "Please contact the other person directly.",
                hours,
            )
        raise BookingError(message % {"hours": hours})


@transaction.atomic
def booking_reschedule(*, meeting: Meeting, start: datetime, by, now=None) -> Meeting:
    """Move a booked session to another free slot of the same mentor.

    Bumps the calendar SEQUENCE, replaces the pending reminders and tells both sides.
    """
    now = now or timezone.now()
    mentor = User.objects.select_for_update().get(pk=meeting.mentor_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_changer(meeting, by)
    if meeting.kind != Meeting.Kind.ONE_ON_ONE:
        raise BookingError(_("Group sessions are moved by cancelling and scheduling a new one."))
    if meeting.start == start and meeting.is_booked:
        return meeting  # the same form sent twice
    _check_cutoff(meeting, now, "moved")
    slot = slot_find(mentor=mentor, start=start, program=meeting.program, now=now, exclude=meeting)
    if slot is None:
        raise BookingError(TAKEN)
    reminders_cancel(meeting)
    meeting.start, meeting.end = slot.start, slot.end
    meeting.location, meeting.online_link = slot.location, slot.online_link
    meeting.sequence += 1
    _save(meeting)
    tell(meeting, Kind.BOOKING_RESCHEDULED, by=by)
    reminders_schedule(meeting, now=now)
    return meeting


@transaction.atomic
def booking_cancel(
    *, meeting: Meeting, by, reason: str = "", now=None, enforce_cutoff: bool = True
) -> Meeting:
    """Cancel a booked session within the program's cutoff; both sides get a cancellation
    (.ics METHOD:CANCEL) and the pending reminders are cancelled. `enforce_cutoff=False`
    cancels any session not yet started (an account being deleted: nobody will come)."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_changer(meeting, by)
    if enforce_cutoff:
        _check_cutoff(meeting, now, "cancelled")
    elif meeting.status != Meeting.Status.BOOKED or meeting.start <= now:
        raise BookingError(_("This session was cancelled or has started."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at, meeting.cancelled_by = now, by
    meeting.cancel_reason = reason.strip()[:500]
    meeting.sequence += 1
    meeting.save()
    reminders_cancel(meeting)
    tell(meeting, Kind.BOOKING_CANCELLED, by=by, context={"reason": meeting.cancel_reason})
    return meeting
