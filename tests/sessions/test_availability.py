"""Weekly windows are wall-clock times in the mentor's zone, also across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sessions.services import slots_free
from tests.sessions.helpers import pair, weekly

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
