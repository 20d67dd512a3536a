"""The numbers on a program's dashboard, on a small program worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from evaluation.models import CheckIn
from evaluation.selectors import WeekScore, program_health
from evaluation.services import risk_flags_refresh
from sessions.models import Attendance, Meeting
from sessions.selectors import HeldTotals, held_session_minutes, held_session_totals
from tests.evaluation.helpers import (
    make_application,
    make_log,
    make_meeting,
    make_pair,
    make_program,
)

pytestmark = pytest.mark.django_db


def _checkin(match, application, *, score=None, answered_at=None, due_in=7):
    today = timezone.localdate()
    return CheckIn.objects.create(
        match=match,
        application=application,
        opens_on=today - timedelta(days=30 + CheckIn.objects.count()),
        due_on=today + timedelta(days=due_in),
        score=score,
        met=None if score is None else True,
        answered_at=answered_at,
    )


@pytest.fixture
def program():
    program = make_program(no_session_alert_days=30)
    make_application(program, "mentee", status="applied")
    make_application(program, "mentee", status="declined")
    make_application(program, "mentor", status="withdrawn")
    pair_a = make_pair(program, days_ago=20)
    pair_b = make_pair(program, days_ago=20)
    ended = make_pair(program, days_ago=20)
    ended.status, ended.ended_at = "ended", timezone.now()
    ended.save()

    first = make_meeting(pair_a, days_ago=10, minutes=60)
    make_log(first, author=pair_a.mentor.user, duration=45)
    make_log(first, author=pair_a.mentee.user, duration=50)
    make_log(make_meeting(pair_a, days_ago=8, minutes=90), outcome="missed")
    make_log(make_meeting(pair_a, days_ago=5, minutes=60))
    make_log(make_meeting(pair_b, days_ago=4, minutes=60), duration=30)

    _checkin(pair_a, pair_a.mentee, score=4, answered_at=datetime(2025, 3, 4, 10, tzinfo=UTC))
    _checkin(pair_a, pair_a.mentee, score=2, answered_at=datetime(2025, 3, 11, 10, tzinfo=UTC))
    _checkin(pair_b, pair_b.mentee, score=5, answered_at=datetime(2025, 3, 13, 10, tzinfo=UTC))
    _checkin(pair_b, pair_b.mentor, due_in=-1)  # closed, never answered
    _checkin(pair_a, pair_a.mentor)  # still open
    risk_flags_refresh(program=program)
    program.pair_a = pair_a
    return program


def test_dashboard_numbers_follow_their_definitions(program):
    health = program_health(program=program)

    assert health.funnel == [("Applied", 9), ("Approved", 6), ("Matched", 4)]
    assert (health.match_rate, health.match_rate_percent) == (2 / 3, 67)
    assert health.active_pairs == 2
    assert health.sessions_held == 3
    assert health.sessions_per_pair == 1.0
    assert health.hours == round((50 + 60 + 30) / 60, 1)
    assert (health.checkins_answered, health.checkins_expected) == (3, 4)
    assert health.checkin_response_percent == 75
    assert health.satisfaction == [
        WeekScore(week=date(2025, 3, 3), mean=4.0, n=1),
        WeekScore(week=date(2025, 3, 10), mean=3.5, n=2),
    ]


def test_dashboard_lists_pairs_at_risk_with_their_reasons(program):
    [pair] = program_health(program=program).at_risk

    assert (pair.match_id, pair.mentee) == (program.pair_a.pk, program.pair_a.mentee.user.name)
    assert [(f.reason, f.detail) for f in pair.flags] == [
        ("low_checkin", "Mentee rated it 2/5 on 11 March 2025")
    ]


def test_an_empty_program_has_no_rates():
    health = program_health(program=make_program())

    assert (health.match_rate, health.sessions_per_pair, health.checkin_response_rate) == (
        None,
        None,
        None,
    )
    assert (health.hours, health.satisfaction, health.at_risk) == (0, [], [])


def _group_meeting(mentor_match, *, members, status="booked", minutes=90):
    """A group session of `mentor_match`'s mentor, on a day of its own; `members` maps a match
    to its mentee's attendance (True, False or None for not marked)."""
    days_ago = 3 + Meeting.objects.count()
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    meeting = Meeting.objects.create(
        program=mentor_match.program,
        mentor=mentor_match.mentor.user,
        kind="group",
        status=status,
        start=start,
        end=start + timedelta(minutes=minutes),
    )
    for match, attended in members.items():
        Attendance.objects.create(meeting=meeting, member=match.mentee.user, attended=attended)
    return meeting


def test_group_sessions_count_for_each_pair_whose_mentee_did_not_miss_them():
    program = make_program(format="group", group_size=5)
    there = make_pair(program, days_ago=30)
    unmarked = make_pair(program, days_ago=30, mentor=there.mentor)
    away = make_pair(program, days_ago=30, mentor=there.mentor)
    other_group = make_pair(program, days_ago=30)
    # Held twice (the longer log counts), each mentee there or unmarked, one marked absent.
    held = _group_meeting(there, members={there: True, unmarked: None, away: False})
    make_log(held, duration=80)
    make_log(held, author=there.mentee.user, duration=85)
    # Missed, cancelled, or never logged: none of them counts.
    make_log(_group_meeting(there, members={there: True}), outcome="missed")
    make_log(_group_meeting(there, members={there: True}, status="cancelled"))
    _group_meeting(there, members={there: True})
    # The other mentor's group session, held with no duration: its booked 60 minutes count.
    make_log(_group_meeting(other_group, members={other_group: True}, minutes=60))
    # A pair's own session, held.
    make_log(make_meeting(away, days_ago=2, minutes=45))

    health = program_health(program=program)

    assert health.sessions_held == 3
    assert health.hours == round((85 + 60 + 45) / 60, 1)
    # there 1, unmarked 1, away 1 (its own), other_group 1: four sessions over four pairs
    assert health.sessions_per_pair == 1.0
    # The same rule per mentor, as certificates count it.
    assert held_session_totals(program=program, mentor=there.mentor.user) == HeldTotals(
        count=2, one_on_one=1, minutes=85 + 45
    )
    assert sorted(held_session_minutes(program=program).values()) == [45, 60, 85]
