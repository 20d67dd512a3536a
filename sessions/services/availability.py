"""A mentor's availability and the free slots a mentee can book.

Weekly rules are kept in the mentor's own time zone and expanded per local date, so a weekly
18:00 stays 18:00 across daylight-saving changes. On a transition day a start that does not
exist locally (inside the spring-forward gap) is skipped; a start that happens twice (in the
fall-back hour) is the first of the two (fold=0).

How far ahead people can book is the program's booking horizon (`booking_horizon_weeks`,
counted from now): slots beyond it are neither listed nor bookable.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.compiled import compiled
from programs.models import MAX_BOOKING_HORIZON_WEEKS, Program
from sessions.models import AvailabilityRule, Meeting, OneOffSlot

MAX_DAYS_AHEAD = MAX_BOOKING_HORIZON_WEEKS * 7
#: The horizon when no program is given (a mentor's own preview): a new program's default.
DEFAULT_DAYS_AHEAD = Program._meta.get_field("booking_horizon_weeks").default * 7


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    location: str
    online_link: str


def availability_rule_create(*, mentor, **fields) -> AvailabilityRule:
    """Add a weekly window in the mentor's time zone."""
    fields.setdefault("time_zone", mentor.time_zone)
    rule = AvailabilityRule(mentor=mentor, **fields)
    rule.full_clean()
    rule.save()
    return rule


def one_off_slot_create(*, mentor, start: datetime, end: datetime, now=None, **fields):
    """Offer a single extra time; it must be in the future and not overlap a booking."""
    now = now or timezone.now()
    if start <= now:
        raise ValidationError(_("Choose a time in the future."))
    if end <= start:
        raise ValidationError(_("The end must be after the start."))
    if end - start > timedelta(hours=4):
        raise ValidationError(_("A single slot can last at most 4 hours."))
    if _booked(mentor, start, end).exists():
        raise ValidationError(_("You already have a session booked at that time."))
    slot = OneOffSlot(mentor=mentor, start=start, end=end, **fields)
    slot.full_clean()
    slot.save()
    return slot


def availability_remove(*, item: AvailabilityRule | OneOffSlot) -> None:
    """Withdraw a weekly window or a one-off time. Sessions already booked in it stay booked."""
    item.delete()


def _local_start(day: date, at, zone) -> datetime | None:
    """`day` at wall-clock `at` in `zone` as an aware datetime; None inside a DST gap."""
    local = datetime.combine(day, at, tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local


def _rule_slots(rule: AvailabilityRule, first: date, last: date) -> list[Slot]:
    zone, length = rule.time_zone, timedelta(minutes=rule.session_minutes)
    slots, day = [], first
    while day <= last:
        in_range = (rule.valid_from is None or day >= rule.valid_from) and (
            rule.valid_until is None or day <= rule.valid_until
        )
        if day.weekday() == rule.weekday and in_range:
            at = datetime.combine(day, rule.start_time)
            while at + length <= datetime.combine(day, rule.end_time):
                local = _local_start(day, at.time(), zone)
                if local is not None:
                    start = local.astimezone(UTC)
                    slots.append(Slot(start, start + length, rule.location, rule.online_link))
                at += length
        day += timedelta(days=1)
    return slots


def _booked(mentor, start: datetime, end: datetime):
    return Meeting.objects.filter(
        mentor=mentor, status=Meeting.Status.BOOKED, start__lt=end, end__gt=start
    )


# The booking page's reads keep their SQL (`mentoring/compiled.py`).


@compiled
def _rules(*, mentor):
    return AvailabilityRule.objects.filter(mentor=mentor)


@compiled
def _one_off(*, mentor, earliest: datetime, horizon: datetime):
    return OneOffSlot.objects.filter(mentor=mentor, start__gte=earliest, start__lt=horizon)


@compiled
def _busy(*, mentor, start: datetime, end: datetime, exclude: int | None):
    """(start, end) of the mentor's booked meetings overlapping [start, end), but `exclude`."""
    meetings = _booked(mentor, start, end)
    if exclude is not None:  # None is a shape of its own
        meetings = meetings.exclude(pk=exclude)
    return meetings.values_list("start", "end")


def _window(now: datetime, days: int, program, start_date) -> tuple:
    """(earliest, latest) start asked for, in UTC: `days` days from `start_date` (midnight
    UTC) or from now, never before now plus the program's booking notice, never past now plus
    its booking horizon."""
    notice = timedelta(hours=program.min_booking_notice_hours if program else 0)
    furthest = now + timedelta(days=program.booking_horizon_days if program else MAX_DAYS_AHEAD)
    begin = now
    if start_date is not None:
        begin = max(now, datetime.combine(start_date, time(0), tzinfo=UTC))
    latest = begin + timedelta(days=max(1, min(days, MAX_DAYS_AHEAD)))
    return max(begin, now + notice), min(latest, furthest)


def slots_free(
    *, mentor, days: int | None = None, program=None, now=None, exclude=None, start_date=None
) -> list[Slot]:
    """Bookable slots of `mentor` for `days` days from `start_date` (or now), soonest first;
    `days` defaults to the program's booking horizon.

    Leaves out past slots, slots that overlap any booked meeting of the mentor (in any
    program) other than `exclude` (the meeting being rescheduled) and, with `program`, those
    inside its minimum booking notice or beyond its booking horizon.
    """
    now = now or timezone.now()
    if days is None:
        days = program.booking_horizon_days if program else DEFAULT_DAYS_AHEAD
    earliest, horizon = _window(now, days, program, start_date)
    if horizon <= earliest:
        return []
    # Rules are expanded per local date; a day either side covers every UTC offset.
    first, last = (earliest - timedelta(days=1)).date(), (horizon + timedelta(days=1)).date()
    candidates = []
    for rule in _rules(mentor=mentor):
        candidates += _rule_slots(rule, first, last)
    extras = _one_off(mentor=mentor, earliest=earliest, horizon=horizon)
    candidates += [Slot(e.start, e.end, e.location, e.online_link) for e in extras]
    busy = _busy(
        mentor=mentor,
        start=earliest,
        end=horizon + timedelta(days=1),
        exclude=exclude.pk if exclude is not None else None,
    )
    free = {
        slot.start: slot
        for slot in candidates
        if earliest <= slot.start < horizon
        and not any(slot.start < end and start < slot.end for start, end in busy)
    }
    return [free[start] for start in sorted(free)]


def slot_find(*, mentor, start: datetime, program, now=None, exclude=None) -> Slot | None:
    """The free slot of `mentor` starting exactly at `start`, or None."""
    now = now or timezone.now()
    if start < now:
        return None
    days = (start - now).days + 2
    if days > MAX_DAYS_AHEAD + 1:
        return None
    for slot in slots_free(mentor=mentor, days=days, program=program, now=now, exclude=exclude):
        if slot.start == start:
            return slot
    return None
