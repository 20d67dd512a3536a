from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation.models import SurveyInvitation
from notifications.models import Notification
from sessions.models import Attendance, Meeting, PrivateNote, SessionLog
from sessions.services import (
    BookingError,
    attendance_record,
    attendance_rsvp,
    group_session_schedule,
    private_note_for,
    session_log_save,
)
from tests.evaluation.helpers import make_application, make_pair, make_program, make_survey
from tests.sessions.helpers import pair


def _past_meeting(match, hours_ago=2):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=hours_ago)
    return Meeting.objects.create(
        program=match.program, mentor=match.mentor.user, match=match, start=start,
        end=start + timedelta(hours=1),
    )  # fmt: skip


@pytest.mark.django_db
def test_each_side_logs_once_private_note_kept_apart_and_evaluation_hears_of_it():
    match = pair()
    make_survey(match.program, moment="after_session", title="After session")
    meeting = _past_meeting(match)
    topic = match.program.topics.create(name="Careers")
    log = session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=50,
        topics=[topic], shared_notes="Talked CVs", private_note="I felt nervous",
    )  # fmt: skip
    again = session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=55,
        shared_notes="Talked CVs and interviews",
    )  # fmt: skip
    assert again.pk == log.pk and SessionLog.objects.count() == 1
    assert (again.duration_minutes, again.shared_notes) == (55, "Talked CVs and interviews")
    assert private_note_for(meeting=meeting, author=match.mentee.user) == ""  # cleared
    session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=55,
        private_note="Still nervous",
    )  # fmt: skip
    assert private_note_for(meeting=meeting, author=match.mentee.user) == "Still nervous"
    assert private_note_for(meeting=meeting, author=match.mentor.user) == ""
    assert PrivateNote.objects.count() == 1
    # The signal reached evaluation: the after-session survey went out to both sides.
    assert SurveyInvitation.objects.filter(meeting=meeting).count() == 2


@pytest.mark.django_db
def test_logging_is_refused_before_the_start_for_strangers_and_for_huge_notes():
    match = pair()
    future = _past_meeting(match, hours_ago=-5)
    with pytest.raises(BookingError, match="once it has started"):
        session_log_save(meeting=future, author=match.mentee.user, outcome="held")
    meeting = _past_meeting(match)
    stranger = pair(match.program).mentee.user
    with pytest.raises(BookingError, match="your own sessions"):
        session_log_save(meeting=meeting, author=stranger, outcome="held")
    with pytest.raises(BookingError, match="at most 10,000"):
        session_log_save(
            meeting=meeting, author=match.mentee.user, outcome="held", shared_notes="x" * 1_000_000
        )
    assert SessionLog.objects.count() == 0 and PrivateNote.objects.count() == 0


@pytest.mark.django_db
def test_logging_cancels_only_the_authors_log_nudge():
    match = pair()
    meeting = _past_meeting(match, hours_ago=-30)
    from sessions.services.common import reminders_schedule

    reminders_schedule(meeting)
    meeting.start -= timedelta(hours=32)
    meeting.end -= timedelta(hours=32)
    meeting.save()
    session_log_save(meeting=meeting, author=match.mentor.user, outcome="missed")
    nudges = dict(Notification.objects.filter(kind="log_nudge").values_list("recipient", "status"))
    assert nudges == {match.mentor.user.pk: "cancelled", match.mentee.user.pk: "queued"}


@pytest.mark.django_db
def test_group_session_invites_members_who_rsvp_and_attendance_is_recorded():
    program = make_program(format="group", group_size=3)
    mentor = make_application(program, "mentor")
    members = [make_pair(program, mentor=mentor).mentee.user for _ in range(3)]
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    meeting = group_session_schedule(
        mentor=mentor.user, program=program, start=start, end=start + timedelta(hours=1),
        title="CV clinic",
    )  # fmt: skip
    assert sorted(meeting.attendance.values_list("member", flat=True)) == sorted(
        m.pk for m in members
    )
    invited = Notification.objects.filter(kind="group_session_scheduled")
    assert invited.count() == 4  # the mentor and three members
    attendance_rsvp(meeting=meeting, member=members[0], rsvp="no")
    reminders = Notification.objects.filter(kind="session_reminder", recipient=members[0])
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(BookingError, match="once the session has started"):
        attendance_record(meeting=meeting, by=mentor.user, attended_ids={members[1].pk})
    Meeting.objects.filter(pk=meeting.pk).update(
        start=start - timedelta(days=4), end=start - timedelta(days=4) + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    with pytest.raises(BookingError, match="Only the mentor"):
        attendance_record(meeting=meeting, by=members[1], attended_ids={members[1].pk})
    assert attendance_record(meeting=meeting, by=mentor.user, attended_ids={members[1].pk}) == 1
    assert dict(Attendance.objects.values_list("member", "attended")) == {
        members[0].pk: False, members[1].pk: True, members[2].pk: False,
    }  # fmt: skip


@pytest.mark.django_db
def test_group_session_needs_a_group_program_members_and_a_free_time():
    one_on_one = pair()
    start = timezone.now() + timedelta(days=2)
    with pytest.raises(BookingError, match="group programs"):
        group_session_schedule(
            mentor=one_on_one.mentor.user, program=one_on_one.program, start=start,
            end=start + timedelta(hours=1), title="x",
        )  # fmt: skip
    program = make_program(format="group", group_size=3)
    lonely = make_application(program, "mentor")
    with pytest.raises(BookingError, match="no group members"):
        group_session_schedule(
            mentor=lonely.user, program=program, start=start, end=start + timedelta(hours=1),
            title="x",
        )  # fmt: skip
    assert Meeting.objects.count() == 0
