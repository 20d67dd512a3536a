"""The personal calendar feed: a secret URL, no login, everything the person takes part in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sessions.models import CalendarFeed
from sessions.services import (
    attendance_rsvp,
    booking_cancel,
    calendar_feed_for,
    calendar_feed_reset,
    group_session_schedule,
)
from tests.sessions.helpers import group, make_pair, meeting_at, pair

pytestmark = pytest.mark.django_db


def _feed(client, user):
    response = client.get(reverse("sessions:feed", args=[calendar_feed_for(user=user).token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert "METHOD" not in calendar  # a subscription, not an invitation
    return {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}


def _attendees(event) -> list[str]:
    value = event.get("ATTENDEE", [])  # one attendee parses as a value, several as a list
    return sorted(str(a) for a in (value if isinstance(value, list) else [value]))


def _group_session(program, mentor):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return group_session_schedule(
        mentor=mentor, program=program, start=start, end=start + timedelta(hours=1), title="Club"
    )


def test_feed_lists_sessions_in_both_roles_and_group_sessions_and_marks_cancelled(client):
    mentoring = pair()
    being_mentored = make_pair(mentoring.program, mentee=mentoring.mentor)  # a mentee elsewhere
    person = mentoring.mentor.user
    as_mentor = meeting_at(mentoring, hours_from_now=-3)
    as_mentee = meeting_at(being_mentored, hours_from_now=50)
    program, group_mentor, members = group(2)
    group_meeting = _group_session(program, group_mentor)
    cancelled = booking_cancel(meeting=meeting_at(mentoring, hours_from_now=100), by=person)
    meeting_at(pair(), hours_from_now=10)  # someone else's

    events = _feed(client, person)
    assert sorted(events) == sorted([as_mentor.uid, as_mentee.uid, cancelled.uid])
    assert str(events[cancelled.uid]["STATUS"]) == "CANCELLED"
    assert str(events[as_mentor.uid]["STATUS"]) == "CONFIRMED"
    assert events[as_mentee.uid].decoded("DTSTART") == as_mentee.start
    assert sorted(_feed(client, members[0])) == [group_meeting.uid]
    assert sorted(_feed(client, group_mentor)) == [group_meeting.uid]


def test_a_member_who_declined_drops_out_and_never_sees_other_members_addresses(client):
    program, mentor, members = group(3)
    for person in (mentor, *members):  # all share their address with their group
        person.email_visibility = "matches"
        person.save(update_fields=["email_visibility"])
    meeting = _group_session(program, mentor)
    attendance_rsvp(meeting=meeting, member=members[2], rsvp="no")
    assert _feed(client, members[2]) == {}
    event = _feed(client, members[0])[meeting.uid]
    assert _attendees(event) == [f"mailto:{members[0].email}"]
    assert str(event["ORGANIZER"]) == f"mailto:{mentor.email}"
    mentor_view = _feed(client, mentor)[meeting.uid]
    assert _attendees(mentor_view) == sorted(f"mailto:{m.email}" for m in members[:2])


def test_bad_and_reset_tokens_are_404_and_the_page_shows_the_new_address(client):
    match = pair()
    person = match.mentee.user
    old = calendar_feed_for(user=person).token
    assert client.get(reverse("sessions:feed", args=["not-a-token"])).status_code == 404
    client.force_login(person)
    page = client.get(reverse("sessions:calendar")).content.decode()
    assert f"/sessions/feed/{old}.ics" in page
    response = client.post(reverse("sessions:calendar"))
    assert response["Location"] == reverse("sessions:calendar")
    new = CalendarFeed.objects.get(user=person).token
    assert new != old
    client.logout()
    assert client.get(reverse("sessions:feed", args=[old])).status_code == 404
    assert client.get(reverse("sessions:feed", args=[new])).status_code == 200
    assert calendar_feed_reset(user=person).token not in (old, new)
