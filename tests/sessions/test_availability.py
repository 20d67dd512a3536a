"""Weekly windows are wall-clock times in the mentor's zone, also across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sessions.models import Meeting, OneOffSlot
from sessions.services import (
    availability_remove,
    availability_rule_create,
    booking_create,
    one_off_slot_create,
    slots_free,
)
from tests.sessions.helpers import NOW, pair, wednesday_18, weekly

pytestmark = pytest.mark.django_db
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def _starts(user, day: date, zone) -> list[datetime]:
    now = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
    return [
        s.start
        for s in slots_free(mentor=user, days=3, now=now)
        if s.start.astimezone(zone).date() == day
    ]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (LONDON, date(2027, 3, 28)),  # spring forward 01:00 -> 02:00
        (NEW_YORK, date(2027, 3, 14)),  # spring forward 02:00 -> 03:00
    ],
)
def test_spring_forward_day_skips_the_start_that_does_not_exist(zone, day):
    match = pair(mentor_zone=zone.key)
    weekly(match.mentor.user, weekday=6, start=time(0, 30), end=time(3, 30), minutes=60)
    starts = _starts(match.mentor.user, day, zone)
    local = [s.astimezone(zone).time() for s in starts]
    missing = time(1, 30) if zone is LONDON else time(2, 30)
    assert missing not in local
    expected = [t for t in (time(0, 30), time(1, 30), time(2, 30)) if t != missing]
    assert local == expected
    for start, wall in zip(starts, expected, strict=True):
        assert start == datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "day", "offset_first"),
    [(LONDON, date(2027, 10, 31), 1), (NEW_YORK, date(2027, 11, 7), -4)],
)
def test_fall_back_day_takes_the_first_of_a_repeated_time(zone, day, offset_first):
    match = pair(mentor_zone=zone.key)
    weekly(match.mentor.user, weekday=6, start=time(1, 30), end=time(3, 30), minutes=60)
    starts = _starts(match.mentor.user, day, zone)
    assert [s.astimezone(zone).time() for s in starts] == [time(1, 30), time(2, 30)]
    first = starts[0].astimezone(zone)
    assert first.utcoffset() == timedelta(hours=offset_first)  # fold=0: the earlier instant


def test_weekly_time_stays_at_the_same_wall_clock_across_the_change():
    match = pair(mentor_zone="Europe/London")
    weekly(match.mentor.user, weekday=2, start=time(18), end=time(19))
    now = datetime(2027, 3, 20, tzinfo=UTC)
    starts = [s.start for s in slots_free(mentor=match.mentor.user, days=14, now=now)]
    assert starts == [datetime(2027, 3, 24, 18, tzinfo=UTC), datetime(2027, 3, 31, 17, tzinfo=UTC)]


def test_mentee_in_another_zone_sees_the_same_instant():
    match = pair(mentor_zone="Europe/London", mentee_zone="Asia/Tokyo")
    weekly(match.mentor.user, weekday=2, start=time(9), end=time(10))
    now = datetime(2030, 1, 7, tzinfo=UTC)
    [slot] = slots_free(mentor=match.mentor.user, days=7, now=now)
    assert slot.start.astimezone(ZoneInfo("Asia/Tokyo")).time() == time(18)


def test_a_rule_is_stored_in_the_mentors_own_zone():
    match = pair(mentor_zone="Asia/Kolkata")
    rule = availability_rule_create(
        mentor=match.mentor.user, weekday=0, start_time=time(9), end_time=time(10)
    )
    assert str(rule.time_zone) == "Asia/Kolkata"
    [slot] = slots_free(mentor=match.mentor.user, days=7, now=NOW)
    assert slot.start == datetime(2030, 1, 14, 3, 30, tzinfo=UTC)  # 09:00 IST


def test_one_off_slot_is_offered_whole_and_can_be_booked():
    match = pair()
    start = NOW + timedelta(days=2)
    one_off_slot_create(
        mentor=match.mentor.user, start=start, end=start + timedelta(minutes=90), now=NOW,
        location="Café",
    )  # fmt: skip
    [slot] = slots_free(mentor=match.mentor.user, days=7, now=NOW)
    assert (slot.start, slot.end, slot.location) == (start, start + timedelta(minutes=90), "Café")
    meeting = booking_create(match=match, start=start, booked_by=match.mentee.user, now=NOW)
    assert (meeting.end, meeting.location) == (start + timedelta(minutes=90), "Café")
    assert slots_free(mentor=match.mentor.user, days=7, now=NOW) == []


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (NOW - timedelta(hours=1), NOW + timedelta(hours=1), "in the future"),
        (NOW + timedelta(days=1, hours=1), NOW + timedelta(days=1), "end must be after"),
        (NOW + timedelta(days=1), NOW + timedelta(days=1), "end must be after"),
        (NOW + timedelta(days=1), NOW + timedelta(days=1, hours=5), "at most 4 hours"),
    ],
)
def test_one_off_slot_refuses_past_backwards_and_overlong_times(start, end, message):
    match = pair()
    with pytest.raises(ValidationError, match=message):
        one_off_slot_create(mentor=match.mentor.user, start=start, end=end, now=NOW)
    assert OneOffSlot.objects.count() == 0


def test_one_off_slot_refuses_a_time_overlapping_a_booking():
    match = pair()
    weekly(match.mentor.user)
    meeting = booking_create(
        match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW
    )
    with pytest.raises(ValidationError, match="already have a session booked"):
        one_off_slot_create(
            mentor=match.mentor.user,
            start=meeting.start + timedelta(minutes=30),
            end=meeting.end + timedelta(minutes=30),
            now=NOW,
        )
    assert OneOffSlot.objects.count() == 0


def test_removing_a_window_keeps_sessions_already_booked():
    match = pair()
    rule = weekly(match.mentor.user)
    meeting = booking_create(
        match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW
    )
    availability_remove(item=rule)
    assert slots_free(mentor=match.mentor.user, days=14, now=NOW) == []
    assert Meeting.objects.get().pk == meeting.pk and meeting.status == "booked"


def test_slots_cover_the_days_asked_for_from_the_start_date_and_never_the_past():
    match = pair()
    weekly(match.mentor.user)  # Wednesdays 18:00-20:00
    week = slots_free(mentor=match.mentor.user, days=7, now=NOW, start_date=date(2030, 1, 14))
    assert [s.start for s in week] == [
        datetime(2030, 1, 16, 18, tzinfo=UTC),
        datetime(2030, 1, 16, 19, tzinfo=UTC),
    ]
    two_days = slots_free(mentor=match.mentor.user, days=2, now=NOW, start_date=date(2030, 1, 14))
    assert two_days == []
    # A start date in the past counts from now: Wednesday 2030-01-02 is not offered.
    past = slots_free(mentor=match.mentor.user, days=3, now=NOW, start_date=date(2029, 12, 31))
    assert [s.start for s in past] == [
        datetime(2030, 1, 9, 18, tzinfo=UTC),
        datetime(2030, 1, 9, 19, tzinfo=UTC),
    ]


def _wednesdays(slots) -> list[date]:
    return sorted({s.start.date() for s in slots})


def test_slots_run_to_the_programs_booking_horizon_eight_weeks_by_default():
    match = pair()
    weekly(match.mentor.user)  # Wednesdays 18:00-20:00
    program = match.program

    default = slots_free(mentor=match.mentor.user, program=program, now=NOW)
    program.booking_horizon_weeks = 2
    two_weeks = slots_free(mentor=match.mentor.user, program=program, now=NOW)
    asked_for_more = slots_free(mentor=match.mentor.user, program=program, days=60, now=NOW)

    assert program._meta.get_field("booking_horizon_weeks").default == 8
    first = date(2030, 1, 9)
    assert _wednesdays(default) == [first + timedelta(weeks=n) for n in range(8)]
    assert _wednesdays(two_weeks) == [first, first + timedelta(weeks=1)]
    assert asked_for_more == two_weeks


def test_a_week_asked_for_beyond_the_horizon_is_empty():
    match = pair(booking_horizon_weeks=1)
    weekly(match.mentor.user)

    later = slots_free(
        mentor=match.mentor.user, program=match.program, days=7, now=NOW,
        start_date=date(2030, 1, 14),
    )  # fmt: skip

    assert later == []
