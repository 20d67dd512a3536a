"""Small builders for session tests: a matched pair whose mentor offers weekly windows."""

from datetime import UTC, datetime, time, timedelta

from sessions.models import AvailabilityRule
from tests.evaluation.helpers import make_application, make_pair, make_program
from tests.factories import UserFactory

# A fixed "now" far from any DST change: Monday 2030-01-07 09:00 UTC.
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def pair(
    program=None, *, mentor_zone="Europe/London", mentee_zone="Europe/London", **program_fields
):
    program = program or make_program(**program_fields)
    mentor = make_application(program, "mentor", user=UserFactory(time_zone=mentor_zone))
    mentee = make_application(program, "mentee", user=UserFactory(time_zone=mentee_zone))
    return make_pair(program, mentor=mentor, mentee=mentee)


def weekly(user, *, weekday=2, start=time(18), end=time(20), minutes=60, **fields):
    return AvailabilityRule.objects.create(
        mentor=user,
        weekday=weekday,
        start_time=start,
        end_time=end,
        time_zone=fields.pop("time_zone", user.time_zone),
        session_minutes=minutes,
        **fields,
    )


def wednesday_18(now=NOW) -> datetime:
    """The next Wednesday 18:00 London (= UTC in January) after `now`."""
    days = (2 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=18, minute=0)
