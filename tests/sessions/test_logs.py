from datetime import timedelta

import pytest

from notifications.models import Notification
from relationships.models import Goal, GoalProgress
from sessions.models import PrivateNote, SessionLog
from sessions.services import BookingError, booking_cancel, private_note_for, session_log_save
from sessions.services.common import reminders_schedule
from sessions.signals import session_logged
from tests.sessions.helpers import meeting_at, pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    received = []

    def receiver(sender, log, **kwargs):
        received.append(log.pk)

    session_logged.connect(receiver, dispatch_uid="test-session-logged")
    yield received
    session_logged.disconnect(dispatch_uid="test-session-logged")


def test_each_side_logs_once_the_private_note_is_kept_apart_and_the_signal_is_sent(heard):
    match = pair()
    meeting = meeting_at(match, hours_from_now=-2)
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
    assert list(again.topics.all()) == []
    assert private_note_for(meeting=meeting, author=match.mentee.user) == ""  # cleared
    session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=55,
        private_note="Still nervous",
    )  # fmt: skip
    assert private_note_for(meeting=meeting, author=match.mentee.user) == "Still nervous"
    assert private_note_for(meeting=meeting, author=match.mentor.user) == ""
    assert PrivateNote.objects.count() == 1
    assert heard == [log.pk, log.pk, log.pk]


def test_both_sides_log_separately_with_progress_on_the_pairs_goals():
    match = pair()
    goal = Goal.objects.create(match=match, title="Find an internship")
    meeting = meeting_at(match, hours_from_now=-2)
    session_log_save(
        meeting=meeting, author=match.mentor.user, outcome="held", duration_minutes=60,
        sections={"goals": {f"goal_{goal.pk}": "some"}},
    )  # fmt: skip
    session_log_save(meeting=meeting, author=match.mentee.user, outcome="missed")
    logs = dict(SessionLog.objects.values_list("author", "outcome"))
    assert logs == {match.mentor.user.pk: "held", match.mentee.user.pk: "missed"}
    mentor_log = SessionLog.objects.get(author=match.mentor.user)
    assert list(GoalProgress.objects.values_list("goal", "level", "log", "author")) == [
        (goal.pk, "some", mentor_log.pk, match.mentor.user.pk)
    ]
    assert SessionLog.objects.get(author=match.mentee.user).duration_minutes is None


def test_logging_is_refused_before_the_start_for_strangers_and_for_huge_notes(heard):
    match = pair()
    future = meeting_at(match, hours_from_now=5)
    with pytest.raises(BookingError, match="once it has started"):
        session_log_save(meeting=future, author=match.mentee.user, outcome="held")
    meeting = meeting_at(match, hours_from_now=-2)
    stranger = pair(match.program).mentee.user
    with pytest.raises(BookingError, match="your own sessions"):
        session_log_save(meeting=meeting, author=stranger, outcome="held")
    for field in ("shared_notes", "private_note"):
        with pytest.raises(BookingError, match="at most 10,000"):
            session_log_save(
                meeting=meeting, author=match.mentee.user, outcome="held", **{field: "x" * 10**6}
            )
    assert SessionLog.objects.count() == 0 and PrivateNote.objects.count() == 0
    assert heard == []


def test_a_cancelled_session_cannot_be_logged():
    match = pair()
    meeting = meeting_at(match, hours_from_now=48)
    meeting = booking_cancel(meeting=meeting, by=match.mentor.user)
    meeting.start -= timedelta(days=3)
    meeting.end -= timedelta(days=3)
    meeting.save()
    with pytest.raises(BookingError, match="was cancelled"):
        session_log_save(meeting=meeting, author=match.mentee.user, outcome="held")


def test_logging_cancels_only_the_authors_log_nudge():
    match = pair()
    meeting = meeting_at(match, hours_from_now=30)
    reminders_schedule(meeting)
    meeting.start -= timedelta(hours=32)
    meeting.end -= timedelta(hours=32)
    meeting.save()
    session_log_save(meeting=meeting, author=match.mentor.user, outcome="missed")
    nudges = dict(Notification.objects.filter(kind="log_nudge").values_list("recipient", "status"))
    assert nudges == {match.mentor.user.pk: "cancelled", match.mentee.user.pk: "queued"}
