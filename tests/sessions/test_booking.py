from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notifications_deliver_due
from sessions.models import Meeting
from sessions.services import (
    BookingError,
    booking_cancel,
    booking_create,
    booking_reschedule,
    slots_free,
)
from tests.sessions.helpers import NOW, group, pair, wednesday_18, weekly

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked():
    match = pair()
    weekly(match.mentor.user)
    start = wednesday_18()
    meeting = booking_create(match=match, start=start, booked_by=match.mentee.user, now=NOW)
    return match, meeting


def _pending(kind):
    return sorted(
        Notification.objects.filter(kind=kind, status="queued").values_list(
            "recipient__email", "due_at"
        )
    )


def test_free_slots_follow_the_weekly_window_in_session_lengths():
    match = pair()
    weekly(match.mentor.user, minutes=45)
    slots = slots_free(mentor=match.mentor.user, days=7, now=NOW)
    wednesday = wednesday_18()
    assert [s.start for s in slots] == [wednesday, wednesday + timedelta(minutes=45)]
    assert slots[0].end - slots[0].start == timedelta(minutes=45)


def test_booking_creates_one_meeting_emails_both_with_ics_and_queues_reminders(booked):
    match, meeting = booked
    assert (meeting.start, meeting.end, meeting.mentor) == (
        wednesday_18(),
        wednesday_18() + timedelta(hours=1),
        match.mentor.user,
    )
    people = sorted([match.mentor.user.email, match.mentee.user.email])
    reminders = _pending("session_reminder")
    assert reminders == sorted(
        (email, meeting.start - timedelta(hours=h)) for email in people for h in (24, 1)
    )
    assert _pending("log_nudge") == [(e, meeting.end + timedelta(hours=1)) for e in people]
    notifications_deliver_due(now=NOW)
    confirmations = [m for m in mail.outbox if m.subject.startswith("Session booked")]
    assert sorted(m.to[0] for m in confirmations) == people
    assert all(a[0] == "session.ics" for m in confirmations for a in m.attachments)


def test_booked_slot_is_no_longer_free_and_cannot_be_booked_again(booked):
    match, meeting = booked
    other = pair(match.program)
    assert meeting.start not in [s.start for s in slots_free(mentor=match.mentor.user, now=NOW)]
    # Another mentee of the same mentor.
    other.mentor = match.mentor
    other.save()
    with pytest.raises(BookingError, match="just taken"):
        booking_create(match=other, start=meeting.start, booked_by=other.mentee.user, now=NOW)
    assert Meeting.objects.count() == 1


def test_submitting_the_same_booking_twice_gives_one_booking_and_one_email(booked):
    match, meeting = booked
    again = booking_create(match=match, start=meeting.start, booked_by=match.mentee.user, now=NOW)
    assert again == meeting
    assert Meeting.objects.count() == 1
    assert Notification.objects.filter(kind="booking_confirmed").count() == 2  # one per side


def test_booking_refuses_someone_outside_the_match_a_past_time_and_an_unoffered_time():
    match = pair()
    weekly(match.mentor.user)
    stranger = pair(match.program).mentee.user
    start = wednesday_18()
    with pytest.raises(BookingError, match="your own match"):
        booking_create(match=match, start=start, booked_by=stranger, now=NOW)
    with pytest.raises(BookingError, match="already passed"):
        booking_create(
            match=match, start=NOW - timedelta(hours=1), booked_by=match.mentee.user, now=NOW
        )
    with pytest.raises(BookingError, match="just taken or is no longer offered"):
        booking_create(
            match=match, start=start + timedelta(minutes=30), booked_by=match.mentee.user, now=NOW
        )
    assert Meeting.objects.count() == 0 and Notification.objects.count() == 0


def test_minimum_notice_hides_and_refuses_slots_too_soon():
    match = pair(min_booking_notice_hours=24)
    weekly(
        match.mentor.user,
        weekday=0,
        start=NOW.time().replace(hour=12),
        end=NOW.time().replace(hour=14),
    )
    soon = NOW.replace(hour=12)  # today, 3 hours from now
    assert soon not in [
        s.start
        for s in slots_free(mentor=match.mentor.user, program=match.program, days=3, now=NOW)
    ]
    with pytest.raises(BookingError):
        booking_create(match=match, start=soon, booked_by=match.mentee.user, now=NOW)


def test_an_ended_match_cannot_book():
    match = pair()
    weekly(match.mentor.user)
    match.status, match.ended_at = "ended", NOW
    match.save()
    with pytest.raises(BookingError, match="ended"):
        booking_create(match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW)


def test_reschedule_moves_reminders_bumps_sequence_and_tells_both(booked):
    match, meeting = booked
    new_start = meeting.start + timedelta(hours=1)
    moved = booking_reschedule(meeting=meeting, start=new_start, by=match.mentor.user, now=NOW)
    assert (moved.start, moved.sequence) == (new_start, 1)
    due = {d for _, d in _pending("session_reminder")}
    assert due == {new_start - timedelta(hours=24), new_start - timedelta(hours=1)}
    assert Notification.objects.filter(kind="session_reminder", status="cancelled").count() == 4
    assert Notification.objects.filter(kind="booking_rescheduled").count() == 2


def test_cancel_cancels_reminders_and_tells_both(booked):
    match, meeting = booked
    booking_cancel(meeting=meeting, by=match.mentee.user, reason="Exam moved", now=NOW)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence, meeting.cancel_reason) == (
        "cancelled",
        1,
        "Exam moved",
    )
    assert _pending("session_reminder") == [] and _pending("log_nudge") == []
    assert Notification.objects.filter(kind="booking_cancelled").count() == 2
    # The slot is free again.
    assert meeting.start in [s.start for s in slots_free(mentor=match.mentor.user, now=NOW)]


def test_cancel_and_reschedule_are_refused_inside_the_cutoff(booked):
    match, meeting = booked
    late = meeting.start - timedelta(hours=2)  # default cutoff is longer than that
    match.program.cancellation_cutoff_hours = 12
    match.program.save()
    with pytest.raises(BookingError, match="up to 12 hours"):
        booking_cancel(meeting=meeting, by=match.mentee.user, now=late)
    with pytest.raises(BookingError, match="up to 12 hours"):
        booking_reschedule(
            meeting=meeting,
            start=meeting.start + timedelta(hours=1),
            by=match.mentee.user,
            now=late,
        )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("booked", 0)


def test_reminders_are_due_at_exact_utc_instants_for_a_mentor_in_new_york_across_dst():
    # New York springs forward on Sunday 2030-03-10. A session on Monday 10:00 EDT (14:00 UTC):
    # reminders are absolute intervals, so "48 hours before" is Saturday 14:00 UTC, which is
    # 09:00 EST there, not 10:00.
    match = pair(mentor_zone="America/New_York", reminder_hours="48,24,1")
    weekly(match.mentor.user, weekday=0, start=time(10), end=time(11))
    now = datetime(2030, 3, 7, 12, tzinfo=UTC)
    start = datetime(2030, 3, 11, 14, tzinfo=UTC)  # 10:00 EDT
    meeting = booking_create(match=match, start=start, booked_by=match.mentee.user, now=now)
    assert meeting.start == start
    due = sorted({d for _, d in _pending("session_reminder")})
    assert due == [
        datetime(2030, 3, 9, 14, tzinfo=UTC),
        datetime(2030, 3, 10, 14, tzinfo=UTC),
        datetime(2030, 3, 11, 13, tzinfo=UTC),
    ]
    assert Notification.objects.filter(kind="session_reminder").count() == 6  # 3 x 2 people


def test_reminders_already_past_are_not_queued():
    match = pair(reminder_hours="72,1")
    weekly(match.mentor.user)
    meeting = booking_create(
        match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW
    )
    # Wednesday 18:00 is 57 hours after Monday 09:00: the 72-hour reminder is already past.
    assert {d for _, d in _pending("session_reminder")} == {meeting.start - timedelta(hours=1)}


def test_rescheduling_the_same_form_twice_moves_once_and_emails_once(booked):
    match, meeting = booked
    new_start = meeting.start + timedelta(hours=1)
    for _ in range(2):
        booking_reschedule(meeting=meeting, start=new_start, by=match.mentee.user, now=NOW)
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (new_start, 1)
    assert Notification.objects.filter(kind="booking_rescheduled").count() == 2  # one per side


def test_reschedule_refuses_a_time_that_is_not_free(booked):
    match, meeting = booked
    with pytest.raises(BookingError, match="just taken or is no longer offered"):
        booking_reschedule(
            meeting=meeting,
            start=meeting.start + timedelta(minutes=30),
            by=match.mentee.user,
            now=NOW,
        )
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (wednesday_18(), 0)


def test_someone_outside_the_pair_can_neither_move_nor_cancel(booked):
    match, meeting = booked
    stranger = pair(match.program).mentee.user
    with pytest.raises(BookingError, match="your own sessions"):
        booking_cancel(meeting=meeting, by=stranger, now=NOW)
    with pytest.raises(BookingError, match="your own sessions"):
        booking_reschedule(
            meeting=meeting, start=meeting.start + timedelta(hours=1), by=stranger, now=NOW
        )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.start) == ("booked", wednesday_18())
    assert Notification.objects.filter(kind="booking_cancelled").count() == 0


def test_a_group_member_cannot_cancel_or_move_the_group_session():
    from sessions.services import group_session_schedule

    program, mentor, members = group()
    start = NOW + timedelta(days=3)
    meeting = group_session_schedule(
        mentor=mentor, program=program, start=start, end=start + timedelta(hours=1),
        title="CV clinic", now=NOW,
    )  # fmt: skip
    with pytest.raises(BookingError, match="Only the mentor"):
        booking_cancel(meeting=meeting, by=members[0], now=NOW)
    with pytest.raises(BookingError, match="moved by cancelling"):
        booking_reschedule(meeting=meeting, start=start + timedelta(hours=2), by=mentor, now=NOW)
    booking_cancel(meeting=meeting, by=mentor, now=NOW)
    assert Notification.objects.filter(kind="booking_cancelled").count() == 4


def test_moving_a_session_away_and_back_queues_its_reminders_again(booked):
    match, meeting = booked
    original = meeting.start
    booking_reschedule(
        meeting=meeting, start=original + timedelta(hours=1), by=match.mentee.user, now=NOW
    )
    booking_reschedule(meeting=meeting, start=original, by=match.mentee.user, now=NOW)
    people = sorted([match.mentor.user.email, match.mentee.user.email])
    assert _pending("session_reminder") == sorted(
        (email, original - timedelta(hours=h)) for email in people for h in (24, 1)
    )
    assert _pending("log_nudge") == [(e, original + timedelta(hours=2)) for e in people]


def test_a_slot_beyond_the_programs_booking_horizon_cannot_be_booked():
    match = pair(booking_horizon_weeks=2)
    weekly(match.mentor.user)
    too_far = wednesday_18() + timedelta(weeks=2)  # 16 days ahead

    with pytest.raises(BookingError, match="no longer offered"):
        booking_create(match=match, start=too_far, booked_by=match.mentee.user, now=NOW)
    meeting = booking_create(
        match=match, start=too_far - timedelta(weeks=1), booked_by=match.mentee.user, now=NOW
    )

    assert Meeting.objects.get() == meeting


def test_the_booking_horizon_is_held_by_the_database_too():
    from django.db import IntegrityError, transaction

    match = pair()
    program = match.program
    for weeks in (0, 27):
        program.booking_horizon_weeks = weeks
        with pytest.raises(IntegrityError), transaction.atomic():
            program.save()
