from datetime import timedelta

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
from tests.sessions.helpers import NOW, pair, wednesday_18, weekly

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
