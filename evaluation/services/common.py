"""Small helpers the evaluation services share: dates and reminder times."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

#: Reminders and digests go out at this time of the recipient's own day.
SEND_AT = time(9, 0)


def today_utc() -> date:
    """The date background jobs work with; requests pass their own `today`."""
    return timezone.localdate(timezone.now(), timezone=ZoneInfo("UTC"))


def week_start(day: date) -> date:
    """Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def local_moment(*, user, day: date, at: time = SEND_AT) -> datetime:
    """`at` o'clock on `day` in the user's time zone (UTC if they have none)."""
    zone = getattr(user, "time_zone", None) or ZoneInfo("UTC")
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return datetime.combine(day, at, tzinfo=zone)


def reminder_due_at(*, user, day: date) -> datetime | None:
    """When to remind on `day`, or None if that moment has already passed."""
    moment = local_moment(user=user, day=day)
    return moment if moment > timezone.now() else None
