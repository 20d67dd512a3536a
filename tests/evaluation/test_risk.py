"""Pairs at risk: flags raised and cleared, nudges to quiet pairs, the coordinators' digest."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from evaluation.models import CheckIn, RiskFlag
from evaluation.services import (
    checkin_answer,
    coordinator_digests_queue,
    no_session_nudges_queue,
    risk_flags_refresh,
    session_logged,
)
from matching.models import Match
from notifications.models import Notification
from notifications.rendering import notification_render
from sessions.models import Attendance, Meeting
from tests.evaluation.helpers import (
    make_coordinator,
    make_log,
    make_meeting,
    make_pair,
    make_program,
)

pytestmark = pytest.mark.django_db


def _open(match) -> list[tuple[str, str]]:
    return list(
        RiskFlag.objects.filter(match=match, cleared_at__isnull=True)
        .order_by("reason")
        .values_list("reason", "detail")
    )


def _answer(match, application, score, days_ago=0):
    today = timezone.localdate()
    checkin = CheckIn.objects.create(
        match=match,
        application=application,
        opens_on=today - timedelta(days=days_ago),
        due_on=today + timedelta(days=7),
    )
    return checkin_answer(checkin=checkin, score=score, met=True)


def _on(day) -> str:
    return date_format(day, "j F Y")


def test_a_low_check_in_flags_the_pair_and_a_later_good_one_clears_it():
    match = make_pair(days_ago=3)
    today = timezone.localdate()

    _answer(match, match.mentee, 2, days_ago=1)
    assert _open(match) == [("low_checkin", f"Mentee rated it 2/5 on {_on(today)}")]

    _answer(match, match.mentee, 3)
    assert _open(match) == []
    flag = RiskFlag.objects.get(match=match)
    assert flag.cleared_at is not None and flag.cleared_at >= flag.raised_at


def test_a_good_check_in_from_one_side_does_not_clear_the_other_sides_low_score():
    match = make_pair(days_ago=3)
    _answer(match, match.mentor, 1, days_ago=1)
    _answer(match, match.mentee, 5)

    assert [reason for reason, _ in _open(match)] == ["low_checkin"]


def test_no_session_since_the_match_started_flags_the_pair_after_the_alert_days():
    quiet = make_pair(make_program(no_session_alert_days=30), days_ago=30)
    recent = make_pair(make_program(no_session_alert_days=30), days_ago=29)

    risk_flags_refresh(program=quiet.program)
    risk_flags_refresh(program=recent.program)

    assert _open(quiet) == [("no_session", "No session in the 30 days since the match started")]
    assert _open(recent) == []


def test_a_held_session_logged_clears_the_no_session_flag():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=40)
    risk_flags_refresh(program=match.program)

    session_logged(log=make_log(make_meeting(match, days_ago=1)))

    assert _open(match) == []
    assert RiskFlag.objects.filter(match=match, cleared_at__isnull=False).count() == 1


def test_no_session_counts_from_the_last_held_session():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=90)
    meeting = make_meeting(match, days_ago=40)
    make_log(meeting)

    risk_flags_refresh(program=match.program)

    last = timezone.localdate(meeting.start)
    assert _open(match) == [("no_session", f"No session for 40 days (last held on {_on(last)})")]


def test_a_missed_session_flags_the_pair_until_a_later_session_is_held():
    match = make_pair(days_ago=10)
    missed = make_meeting(match, days_ago=5)

    session_logged(log=make_log(missed, outcome="missed"))
    day = timezone.localdate(missed.start)
    assert _open(match) == [("missed_session", f"The session on {_on(day)} was logged as missed")]

    session_logged(log=make_log(make_meeting(match, days_ago=1)))
    assert _open(match) == []


def test_a_session_one_side_logged_held_counts_as_held():
    match = make_pair(days_ago=10)
    meeting = make_meeting(match, days_ago=2)
    make_log(meeting, outcome="missed", author=match.mentee.user)

    session_logged(log=make_log(meeting, outcome="held", author=match.mentor.user))

    assert _open(match) == []


def test_refreshing_twice_changes_nothing():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=45)
    first = risk_flags_refresh(program=match.program)
    flags = list(RiskFlag.objects.values_list("pk", "reason", "detail", "raised_at"))

    second = risk_flags_refresh(program=match.program)

    assert (first.raised, first.cleared, second.raised, second.cleared) == (1, 0, 0, 0)
    assert list(RiskFlag.objects.values_list("pk", "reason", "detail", "raised_at")) == flags


def test_flags_of_an_ended_match_are_cleared():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=45)
    risk_flags_refresh(program=match.program)
    Match.objects.filter(pk=match.pk).update(status="ended", ended_at=timezone.now())

    assert risk_flags_refresh(program=match.program).cleared == 1
    assert _open(match) == []


def test_a_group_session_the_mentee_attended_counts_for_the_pair():
    program = make_program(format="group", group_size=5, no_session_alert_days=30)
    attended = make_pair(program, days_ago=60)
    absent = make_pair(program, days_ago=60, mentor=attended.mentor)
    start = timezone.now() - timedelta(days=2)
    meeting = Meeting.objects.create(
        program=program,
        mentor=attended.mentor.user,
        kind="group",
        start=start,
        end=start + timedelta(hours=1),
    )
    Attendance.objects.create(meeting=meeting, member=attended.mentee.user, attended=True)
    Attendance.objects.create(meeting=meeting, member=absent.mentee.user, attended=False)
    make_log(meeting)

    risk_flags_refresh(program=program)

    assert _open(attended) == []
    assert [reason for reason, _ in _open(absent)] == ["no_session"]


def _nudges() -> list[tuple]:
    return sorted(
        Notification.objects.filter(kind="no_session_nudge").values_list(
            "recipient_id", "subject_id", "context"
        ),
        key=lambda row: (row[2]["days"], row[0]),
    )


def test_a_quiet_pair_is_nudged_once_per_alert_period():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=31)
    today = timezone.localdate()

    assert no_session_nudges_queue(program=match.program, today=today) == 2
    assert no_session_nudges_queue(program=match.program, today=today) == 0
    assert no_session_nudges_queue(program=match.program, today=today + timedelta(days=28)) == 0
    assert no_session_nudges_queue(program=match.program, today=today + timedelta(days=29)) == 2

    mentor, mentee = match.mentor.user, match.mentee.user
    assert _nudges() == sorted(
        [
            (mentor.pk, match.pk, {"days": days, "partner": mentee.name, "role": "mentor"})
            for days in (31, 60)
        ]
        + [
            (mentee.pk, match.pk, {"days": days, "partner": mentor.name, "role": "mentee"})
            for days in (31, 60)
        ],
        key=lambda row: (row[2]["days"], row[0]),
    )


def test_a_pair_that_met_recently_is_not_nudged():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=60)
    make_log(make_meeting(match, days_ago=3))

    assert no_session_nudges_queue(program=match.program) == 0


def test_the_weekly_digest_lists_each_coordinators_pairs_at_risk_once_a_week():
    program = make_program(name="Peer Circle", no_session_alert_days=30)
    other = make_program(name="Other", no_session_alert_days=30)
    coordinator = make_coordinator(program, time_zone="Europe/Paris")
    make_coordinator(other)  # their program has no pair at risk: no digest
    match = make_pair(program, days_ago=35)
    make_pair(other, days_ago=1)
    risk_flags_refresh(program=program)
    today = timezone.localdate()

    assert coordinator_digests_queue(today=today) == 1
    assert coordinator_digests_queue(today=today) == 0

    digest = Notification.objects.get(kind="coordinator_digest")
    monday = today - timedelta(days=today.weekday())
    assert (digest.recipient, digest.due_at) == (
        coordinator,
        datetime.combine(monday, time(9), tzinfo=ZoneInfo("Europe/Paris")),
    )
    email = notification_render(notification=digest)
    assert email.subject == "1 pair needs attention this week"
    assert (
        f"- {match.mentor.user.name} and {match.mentee.user.name}\n"
        "    No session for a while: No session in the 35 days since the match started\n"
        f"Dashboard: http://127.0.0.1:8000/evaluation/programs/{program.pk}/"
    ) in email.body
