from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from notifications.services import notifications_deliver_due
from sessions.services import booking_cancel, booking_create, booking_reschedule
from tests.sessions.helpers import NOW, pair, wednesday_18, weekly

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
