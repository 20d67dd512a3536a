"""Group sessions: a mentor schedules one session for their whole group in a group program."""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from matching.models import Match
from notifications.models import Kind
from sessions.models import Attendance, Meeting
from sessions.services.booking import _save
from sessions.services.common import BookingError, reminders_cancel, reminders_schedule, tell


def group_members(*, mentor, program) -> list:
    """The mentees in `mentor`'s group in `program` (their active matches)."""
    matches = Match.objects.filter(
        program=program, mentor__user=mentor, status=Match.Status.ACTIVE
    ).select_related("mentee__user")
    return [m.mentee.user for m in matches.order_by("mentee__user__display_name", "pk")]


@transaction.atomic
def group_session_schedule(
    *, mentor, program, start: datetime, end: datetime, title: str, now=None, **place
) -> Meeting:
    """Schedule a session for the mentor's group; members are emailed (with .ics) and get
    reminders. Refuses overlaps with the mentor's other bookings and, as booking does, a
    start inside the program's minimum booking notice."""
    now = now or timezone.now()
    if not program.is_group:
        raise BookingError(_("Group sessions are for group programs."))
    members = group_members(mentor=mentor, program=program)
    if not members:
        raise BookingError(_("You have no group members in this program yet."))
    if start <= now:
        raise BookingError(_("Choose a time in the future."))
    _check_notice(program, start, now)
    if end <= start or end - start > timedelta(hours=8):
        raise BookingError(_("The end must be after the start, and a session at most 8 hours."))
    mentor = User.objects.select_for_update().get(pk=mentor.pk)
    overlap = Meeting.objects.filter(
        mentor=mentor, status=Meeting.Status.BOOKED, start__lt=end, end__gt=start
    )
    if overlap.exists():
        raise BookingError(_("You already have a session at that time."))
    meeting = Meeting(
        program=program,
        mentor=mentor,
        kind=Meeting.Kind.GROUP,
        title=title.strip()[:200] or f"{program.name} group session",
        start=start,
        end=end,
        booked_by=mentor,
        **place,
    )
    try:
        meeting.full_clean(exclude=["uid"])
    except ValidationError as exc:
        raise BookingError(" ".join(exc.messages)) from exc
    _save(meeting)
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m) for m in members])
    tell(meeting, Kind.GROUP_SESSION_SCHEDULED, by=mentor)
    reminders_schedule(meeting, now=now)
    return meeting


def _check_notice(program, start: datetime, now: datetime) -> None:
    hours = program.min_booking_notice_hours
    earliest = now + timedelta(hours=hours)
    if start < earliest:
        shown = (earliest + timedelta(seconds=59)).replace(second=0, microsecond=0)
        raise BookingError(
            _(
                "Sessions in this program are scheduled at least %(hours)s hours ahead, so "
                "members can plan: choose %(earliest)s or later."
            )
            % {"hours": hours, "earliest": date_format(timezone.localtime(shown), "j F H:i")}
        )


@transaction.atomic
def attendance_rsvp(*, meeting: Meeting, member, rsvp: str, now=None) -> Attendance:
    """A member answers going / not going / maybe. Declining cancels their reminders and log
    nudge; accepting again after declining queues new ones."""
    now = now or timezone.now()
    if rsvp not in Attendance.Rsvp.values or rsvp == Attendance.Rsvp.UNKNOWN:
        raise BookingError(_("Choose going, not going or maybe."))
    if meeting.status != Meeting.Status.BOOKED or meeting.start <= now:
        raise BookingError(_("This session can no longer be answered."))
    attendance = Attendance.objects.select_for_update().get(meeting=meeting, member=member)
    previous, attendance.rsvp = attendance.rsvp, rsvp
    attendance.save(update_fields=["rsvp"])
    if rsvp == Attendance.Rsvp.NO:
        reminders_cancel(meeting, recipient=member)
    elif previous == Attendance.Rsvp.NO:
        generation = f"-rsvp{secrets.token_hex(4)}"  # the cancelled rows keep their keys
        reminders_schedule(meeting, now=now, users=[member], generation=generation)
    return attendance


@transaction.atomic
def attendance_record(*, meeting: Meeting, by, attended_ids: set[int]) -> int:
    """The mentor records who came, once the session has started; returns how many came."""
    if by.pk != meeting.mentor_id:
        raise BookingError(_("Only the mentor records attendance."))
    if meeting.start > timezone.now():
        raise BookingError(_("Attendance can be recorded once the session has started."))
    rows = list(meeting.attendance.select_for_update())
    for row in rows:
        row.attended = row.member_id in attended_ids
    Attendance.objects.bulk_update(rows, ["attended"])
    return sum(row.attended for row in rows)
