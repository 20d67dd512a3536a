"""Reminders to fill in and confirm the mentorship agreement."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matching.models import Match
from notifications.models import Kind, Notification
from notifications.services import notification_queue
from programs.models import Program
from relationships.selectors import agreement_confirmations

#: Reminders go out at this time of the recipient's own day.
SEND_AT = time(9, 0)
#: A reminder whose day passed this long ago (a worker that was down) is no longer sent.
GRACE_DAYS = 2


def reminder_days(*, match: Match, day_started: date) -> dict[str, date]:
    """The days a pair without a confirmed agreement is reminded: the day after the match
    starts and the day it is due (`Program.agreement_due_days` after the start)."""
    due = day_started + timedelta(days=match.program.agreement_due_days)
    start = day_started + timedelta(days=1)
    return {"due": due} if start == due else {"start": start, "due": due}


def _send_at(user, day: date) -> datetime:
    zone = getattr(user, "time_zone", None) or ZoneInfo("UTC")
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return datetime.combine(day, SEND_AT, tzinfo=zone)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo("UTC")).date()


def agreement_reminders_queue(*, program: Program, today: date) -> int:
    """Queue AGREEMENT_REMINDER to each side of the program's active matches who has not
    confirmed the agreement, on the reminder days (09:00 in their time zone; queued from the
    day before so no time zone misses it, and up to GRACE_DAYS late). One per person per
    reminder day, however often it runs. Returns how many were queued."""
    matches = list(
        Match.objects.filter(program=program, status=Match.Status.ACTIVE).select_related(
            "program", "mentor__user", "mentee__user"
        )
    )
    confirmed = agreement_confirmations(match_ids=[m.pk for m in matches])
    ledger = Notification.objects.filter(kind=Kind.AGREEMENT_REMINDER, program=program)
    before = ledger.count()
    for match in matches:
        mentor_done, mentee_done = confirmed.get(match.pk, (False, False))
        if mentor_done and mentee_done:
            continue
        for stage, day in reminder_days(
            match=match, day_started=_utc_day(match.started_at)
        ).items():
            if not day - timedelta(days=1) <= today <= day + timedelta(days=GRACE_DAYS):
                continue
            for application, done, partner_done in (
                (match.mentor, mentor_done, mentee_done),
                (match.mentee, mentee_done, mentor_done),
            ):
                if done:
                    continue
                notification_queue(
                    kind=Kind.AGREEMENT_REMINDER,
                    to=application.user,
                    subject=match,
                    program=program,
                    due_at=_send_at(application.user, day),
                    context={"partner_confirmed": partner_done},
                    key_extra=f"agreement:{stage}",
                )
    return ledger.count() - before
