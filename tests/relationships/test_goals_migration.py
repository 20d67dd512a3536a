"""Progress the session logs recorded as JSON ({program goal id: level}) becomes the pairs'
goals and progress entries (migration 0003), nothing lost, and running it again adds
nothing."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from programs.models import Goal as VocabularyGoal
from relationships.models import Goal, GoalProgress
from sessions.models import Meeting, SessionLog
from tests.relationships.helpers import make_pair

pytestmark = pytest.mark.django_db

migration = importlib.import_module("relationships.migrations.0003_goal_progress_from_session_logs")


def _logged(match, *, days_ago: int, author, progress: dict) -> SessionLog:
    """A log in the old shape, written `days_ago` days ago."""
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    meeting = Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(hours=1),
    )
    log = SessionLog.objects.create(
        meeting=meeting, author=author, outcome="held", goal_progress=progress
    )
    SessionLog.objects.filter(pk=log.pk).update(created_at=start + timedelta(hours=2))
    log.refresh_from_db()
    return log


def test_each_pair_gets_a_goal_per_vocabulary_goal_and_an_entry_per_log():
    match = make_pair(days_ago=40)
    other = make_pair(match.program, days_ago=40)
    job, network = (
        VocabularyGoal.objects.create(program=match.program, name=name)
        for name in ("Find a job", "Build a network")
    )
    first = _logged(match, days_ago=20, author=match.mentor.user,
                    progress={str(job.pk): "some", str(network.pk): "none"})  # fmt: skip
    second = _logged(match, days_ago=10, author=match.mentee.user,
                     progress={str(job.pk): "good"})  # fmt: skip
    theirs = _logged(other, days_ago=5, author=other.mentor.user, progress={str(job.pk): "done"})
    _logged(match, days_ago=3, author=match.mentor.user, progress={})

    created = migration.goal_progress_from_logs(apps)

    assert created == 4
    goals = list(
        Goal.objects.order_by("match_id", "title").values_list(
            "match", "title", "vocabulary", "status", "start_on"
        )
    )
    started = timezone.localdate(match.started_at)
    assert goals == [
        (match.pk, "Build a network", network.pk, "open", started),
        (match.pk, "Find a job", job.pk, "open", started),
        (other.pk, "Find a job", job.pk, "open", timezone.localdate(other.started_at)),
    ]
    entries = list(
        GoalProgress.objects.order_by("created_at", "goal__title").values_list(
            "goal__match", "goal__title", "level", "author", "log", "created_at"
        )
    )
    assert entries == [
        (match.pk, "Build a network", "none", match.mentor.user.pk, first.pk, first.created_at),
        (match.pk, "Find a job", "some", match.mentor.user.pk, first.pk, first.created_at),
        (match.pk, "Find a job", "good", match.mentee.user.pk, second.pk, second.created_at),
        (other.pk, "Find a job", "done", other.mentor.user.pk, theirs.pk, theirs.created_at),
    ]
    # The logs keep their JSON as history.
    first.refresh_from_db()
    assert first.goal_progress == {str(job.pk): "some", str(network.pk): "none"}


def test_running_it_again_adds_nothing():
    match = make_pair(days_ago=30)
    job = VocabularyGoal.objects.create(program=match.program, name="Find a job")
    _logged(match, days_ago=5, author=match.mentor.user, progress={str(job.pk): "some"})

    first, again = migration.goal_progress_from_logs(apps), migration.goal_progress_from_logs(apps)

    assert (first, again) == (1, 0)
    assert (Goal.objects.count(), GoalProgress.objects.count()) == (1, 1)


def test_a_removed_goal_and_an_unknown_level_are_kept_not_lost():
    match = make_pair(days_ago=30)
    _logged(match, days_ago=5, author=match.mentor.user, progress={"999": "halfway there"})

    migration.goal_progress_from_logs(apps)

    assert list(Goal.objects.values_list("title", "vocabulary")) == [("A removed goal", None)]
    assert list(GoalProgress.objects.values_list("level", "note")) == [("", "halfway there")]


def test_migrated_progress_shows_in_the_session_export_and_on_the_meeting_page(client):
    match = make_pair(days_ago=30)
    job = VocabularyGoal.objects.create(program=match.program, name="Find a job")
    log = _logged(match, days_ago=5, author=match.mentor.user, progress={str(job.pk): "good"})

    migration.goal_progress_from_logs(apps)
    client.force_login(match.mentee.user)
    page = client.get(f"/sessions/{log.meeting_id}/").content.decode()

    assert "Find a job: Good progress" in page
