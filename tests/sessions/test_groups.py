from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from sessions.models import Attendance, Meeting
from sessions.services import (
    BookingError,
    attendance_record,
    attendance_rsvp,
    group_session_schedule,
)
from tests.sessions.helpers import group, make_application, make_program, pair

pytestmark = pytest.mark.django_db


def _schedule(program, mentor, *, days=3, title="CV clinic"):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return group_session_schedule(
        mentor=mentor, program=program, start=start, end=start + timedelta(hours=1), title=title
    )


def _move_to_past(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(
        start=meeting.start - timedelta(days=4), end=meeting.end - timedelta(days=4)
    )
    meeting.refresh_from_db()


def test_group_session_invites_members_who_rsvp_and_attendance_is_recorded():
    program, mentor, members = group(3)
    meeting = _schedule(program, mentor)
    assert sorted(meeting.attendance.values_list("member", flat=True)) == sorted(
        m.pk for m in members
    )
    invited = Notification.objects.filter(kind="group_session_scheduled")
    assert sorted(invited.values_list("recipient", flat=True)) == sorted(
        [mentor.pk, *(m.pk for m in members)]
    )
    attendance_rsvp(meeting=meeting, member=members[0], rsvp="no")
    reminders = Notification.objects.filter(kind="session_reminder", recipient=members[0])
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    attendance_rsvp(meeting=meeting, member=members[0], rsvp="yes")  # changes their mind
    assert reminders.filter(status="queued").count() == 2
    with pytest.raises(BookingError, match="once the session has started"):
        attendance_record(meeting=meeting, by=mentor, attended_ids={members[1].pk})
    _move_to_past(meeting)
    with pytest.raises(BookingError, match="Only the mentor"):
        attendance_record(meeting=meeting, by=members[1], attended_ids={members[1].pk})
    assert attendance_record(meeting=meeting, by=mentor, attended_ids={members[1].pk}) == 1
    assert dict(Attendance.objects.values_list("member", "attended")) == {
        members[0].pk: False, members[1].pk: True, members[2].pk: False,
    }  # fmt: skip
    with pytest.raises(BookingError, match="no longer be answered"):
        attendance_rsvp(meeting=meeting, member=members[2], rsvp="yes")


def test_group_session_needs_a_group_program_members_a_future_time_and_no_overlap():
    one_on_one = pair()
    with pytest.raises(BookingError, match="group programs"):
        _schedule(one_on_one.program, one_on_one.mentor.user)
    program = make_program(format="group", group_size=3)
    lonely = make_application(program, "mentor")
    with pytest.raises(BookingError, match="no group members"):
        _schedule(program, lonely.user)
    program, mentor, _ = group(2)
    with pytest.raises(BookingError, match="in the future"):
        _schedule(program, mentor, days=-1)
    first = _schedule(program, mentor)
    with pytest.raises(BookingError, match="already have a session"):
        group_session_schedule(
            mentor=mentor, program=program, start=first.start + timedelta(minutes=30),
            end=first.end + timedelta(minutes=30), title="Overlap",
        )  # fmt: skip
    start = timezone.now() + timedelta(days=5)
    with pytest.raises(BookingError, match="end must be after"):
        group_session_schedule(
            mentor=mentor, program=program, start=start, end=start - timedelta(hours=1), title="x"
        )
    assert Meeting.objects.count() == 1


def test_mentor_schedules_from_the_page_in_their_own_time_zone(client):
    program, mentor, _ = group(2)
    client.force_login(mentor)
    url = reverse("sessions:group-session-create")
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    response = client.post(
        url,
        {"program": program.pk, "title": "Interview practice", "start": f"{day}T18:30",
         "minutes": 90, "location": "Room 4"},
    )  # fmt: skip
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("sessions:meeting-detail", args=[meeting.pk])
    local = timezone.localtime(meeting.start, mentor.time_zone)
    assert (f"{local:%Y-%m-%dT%H:%M}", meeting.minutes) == (f"{day}T18:30", 90)
    assert meeting.attendance.count() == 2
    response = client.post(url, {"program": program.pk, "start": "2020-01-01T10:00", "minutes": 60})
    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    assert Meeting.objects.count() == 1


def test_group_page_is_404_for_people_leading_no_group(client):
    match = pair()
    client.force_login(match.mentor.user)
    assert client.get(reverse("sessions:group-session-create")).status_code == 404


def test_members_rsvp_on_the_page_and_only_the_mentor_records_or_cancels(client):
    program, mentor, members = group(2)
    meeting = _schedule(program, mentor)
    client.force_login(members[0])
    client.post(reverse("sessions:meeting-rsvp", args=[meeting.pk]), {"rsvp": "maybe"})
    assert meeting.attendance.get(member=members[0]).rsvp == "maybe"
    page = client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).content.decode()
    assert "CV clinic" in page and members[1].name in page
    cancel = client.post(reverse("sessions:meeting-cancel", args=[meeting.pk]), {"reason": "x"})
    assert cancel.status_code == 404
    _move_to_past(meeting)
    url = reverse("sessions:meeting-attendance", args=[meeting.pk])
    assert client.post(url, {"attended": [members[0].pk]}).status_code == 404
    client.force_login(mentor)
    client.post(url, {"attended": [members[0].pk, "junk"]})
    assert dict(meeting.attendance.values_list("member", "attended")) == {
        members[0].pk: True, members[1].pk: False,
    }  # fmt: skip
    outsider = pair().mentee.user
    client.force_login(outsider)
    rsvp = client.post(reverse("sessions:meeting-rsvp", args=[meeting.pk]), {"rsvp": "yes"})
    assert rsvp.status_code == 404


def test_group_session_respects_the_programs_minimum_notice():
    program, mentor, _ = group(2)
    program.min_booking_notice_hours = 24
    program.save()
    now = timezone.now().replace(microsecond=0)

    with pytest.raises(BookingError, match="scheduled at least 24 hours ahead"):
        group_session_schedule(
            mentor=mentor, program=program, start=now + timedelta(hours=23),
            end=now + timedelta(hours=24), title="Too soon", now=now,
        )  # fmt: skip
    meeting = group_session_schedule(
        mentor=mentor, program=program, start=now + timedelta(hours=25),
        end=now + timedelta(hours=26), title="In time", now=now,
    )  # fmt: skip

    assert list(Meeting.objects.values_list("title", flat=True)) == ["In time"]
    assert meeting.attendance.count() == 2
