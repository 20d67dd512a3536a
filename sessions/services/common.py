"""Shared pieces of the booking services: errors, participants, reminders and emails."""

from datetime import timedelta

from django.utils import timezone

from notifications.models import Kind
from notifications.services import notification_queue, notifications_cancel
from sessions.models import Attendance, Meeting

PENDING_KINDS = (Kind.SESSION_REMINDER, Kind.LOG_NUDGE)
LOG_NUDGE_AFTER = timedelta(hours=1)


class BookingError(Exception):
    """A booking, reschedule or cancellation refused for a reason the user can act on."""

    @property
    def message(self) -> str:
        return str(self.args[0])


def participants(meeting: Meeting) -> list:
    """Users taking part: the pair, or the mentor and the group members not declining."""
    if meeting.kind == Meeting.Kind.ONE_ON_ONE:
        return [meeting.mentor, meeting.match.mentee.user]
    members = [
        a.member
        for a in meeting.attendance.select_related("member").order_by("pk")
        if a.rsvp != Attendance.Rsvp.NO
    ]
    return [meeting.mentor, *members]


def is_participant(meeting: Meeting, user) -> bool:
    if meeting.mentor_id == user.pk:
        return True
    if meeting.kind == Meeting.Kind.ONE_ON_ONE:
        return meeting.match.mentee.user_id == user.pk
    return meeting.attendance.filter(member=user).exists()


def reminders_schedule(meeting: Meeting, *, now=None, users=None, generation: str = "") -> None:
    """Queue the program's reminders before the meeting and the log nudge after it, for
    `users` (default: every participant); reminders already past are skipped.

    The keys carry the meeting's sequence, so moving a session back to an earlier time queues
    fresh rows instead of finding the cancelled ones; `generation` does the same for a member
    who declined and then accepts again.
    """
    now = now or timezone.now()
    tag = f"seq{meeting.sequence}{generation}"
    for user in participants(meeting) if users is None else users:
        for hours in meeting.program.reminder_offsets:
            due = meeting.start - timedelta(hours=hours)
            if due > now:
                notification_queue(
                    kind=Kind.SESSION_REMINDER,
                    to=user,
                    subject=meeting,
                    program=meeting.program,
                    due_at=due,
                    context={"hours": hours},
                    key_extra=f"{hours}h-{tag}",
                )
        notification_queue(
            kind=Kind.LOG_NUDGE,
            to=user,
            subject=meeting,
            program=meeting.program,
            due_at=meeting.end + LOG_NUDGE_AFTER,
            key_extra=tag,
        )


def reminders_cancel(meeting: Meeting, *, recipient=None) -> int:
    return notifications_cancel(subject=meeting, kinds=PENDING_KINDS, recipient=recipient)


def ics_snapshot(meeting: Meeting) -> dict:
    """The meeting as it is now, for the .ics of an email sent a little later."""
    return {
        "sequence": meeting.sequence,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "status": meeting.status,
    }


def tell(meeting: Meeting, kind: str, *, by, context: dict | None = None) -> None:
    """Email every participant about `meeting` (the .ics rides along, see sessions.ics)."""
    for user in participants(meeting):
        notification_queue(
            kind=kind,
            to=user,
            subject=meeting,
            program=meeting.program,
            context={"by": by.name if by else "", "ics": ics_snapshot(meeting), **(context or {})},
            key_extra=f"seq{meeting.sequence}",
        )
