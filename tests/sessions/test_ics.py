from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from notifications.services import notifications_deliver_due
from sessions.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    group_session_schedule,
)
from tests.sessions.helpers import NOW, group, pair, wednesday_18, weekly

pytestmark = pytest.mark.django_db


def _events(message):
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype.split(";")[0]) == ("session.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    return calendar, list(calendar.walk("VEVENT"))


def test_ics_keeps_its_uid_bumps_sequence_and_cancels():
    match = pair()
    weekly(match.mentor.user)
    meeting = booking_create(
        match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW
    )
    booking_reschedule(
        meeting=meeting, start=meeting.start + timedelta(hours=1), by=match.mentee.user, now=NOW
    )
    meeting.refresh_from_db()
    booking_cancel(meeting=meeting, by=match.mentor.user, now=NOW)
    notifications_deliver_due(now=NOW)
    to_mentee = [m for m in mail.outbox if m.to == [match.mentee.user.email] and m.attachments]
    assert [m.subject.split(":")[0].split(" ")[1] for m in to_mentee] == [
        "booked",
        "moved",
        "cancelled",
    ]
    parsed = [_events(m) for m in to_mentee]
    uids = {str(events[0]["UID"]) for _, events in parsed}
    assert len(uids) == 1 and uids.pop().startswith(meeting.uid + "@")
    assert [int(events[0]["SEQUENCE"]) for _, events in parsed] == [0, 1, 2]
    assert [str(cal["METHOD"]) for cal, _ in parsed] == ["REQUEST", "REQUEST", "CANCEL"]
    assert str(parsed[2][1][0]["STATUS"]) == "CANCELLED"
    first, moved = parsed[0][1][0], parsed[1][1][0]
    assert first.decoded("DTSTART") == wednesday_18()
    assert moved.decoded("DTSTART") == wednesday_18() + timedelta(hours=1)
    assert moved.decoded("DTEND") == wednesday_18() + timedelta(hours=2)


def _share_emails(*users):
    """The people agree to show their address to those they are matched with (by default
    only coordinators see it, and the files name nobody else's address)."""
    for user in users:
        user.email_visibility = "matches"
        user.save(update_fields=["email_visibility"])


def test_ics_times_are_utc_and_name_the_organizer_and_the_attendee():
    match = pair(mentor_zone="America/New_York", mentee_zone="Asia/Tokyo")
    _share_emails(match.mentor.user, match.mentee.user)
    weekly(match.mentor.user, weekday=2, time_zone="Europe/London", location="Library")
    booking_create(match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW)
    notifications_deliver_due(now=NOW)
    [to_mentee] = [m for m in mail.outbox if m.to == [match.mentee.user.email]]
    raw = to_mentee.attachments[0][1]
    raw = raw.decode() if isinstance(raw, bytes) else raw
    assert "DTSTART:20300109T180000Z" in raw and "DTEND:20300109T190000Z" in raw
    _, [event] = _events(to_mentee)
    assert str(event["ORGANIZER"]) == f"mailto:{match.mentor.user.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{match.mentee.user.email}"
    assert (str(event["LOCATION"]), str(event["STATUS"])) == ("Library", "CONFIRMED")
    assert str(event["URL"]).endswith(f"/sessions/{match.meetings.get().pk}/")


def test_group_invitation_names_only_the_recipient_among_the_members():
    program, mentor, members = group(3)
    _share_emails(mentor, *members)
    start = NOW + timedelta(days=2)
    group_session_schedule(
        mentor=mentor, program=program, start=start, end=start + timedelta(hours=1),
        title="CV clinic", now=NOW,
    )  # fmt: skip
    notifications_deliver_due(now=NOW)
    for member in members:
        [message] = [m for m in mail.outbox if m.to == [member.email]]
        _, [event] = _events(message)
        assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
        assert str(event["SUMMARY"]) == "CV clinic"
    [to_mentor] = [m for m in mail.outbox if m.to == [mentor.email]]
    _, [event] = _events(to_mentor)
    assert sorted(str(a) for a in event["ATTENDEE"]) == sorted(f"mailto:{m.email}" for m in members)
