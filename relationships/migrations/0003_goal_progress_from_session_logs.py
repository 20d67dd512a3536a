"""Session logs recorded progress as `SessionLog.goal_progress`, {program goal id: level},
on the mentee's goals from the program's vocabulary. Each pair now gets one Goal per
vocabulary goal that appears in its logs, and each log's entry becomes a GoalProgress row
linked to the log and dated by it. The JSON stays on the log as history. Running it again
adds nothing."""

from django.db import migrations
from django.utils import timezone

LEVELS = {"none", "some", "good", "done"}
REMOVED_GOAL = "A removed goal"


def _goal_for(Goal, vocabulary, match, key, started_on):
    """The pair's goal for the vocabulary goal `key` (created on first sight)."""
    known = vocabulary.get(int(key)) if str(key).isdigit() else None
    if known is not None:
        lookup = {"vocabulary_id": known.pk}
        title = known.name
    else:
        # The program removed the goal since: its progress is kept under a plain title.
        title = REMOVED_GOAL if str(key).isdigit() else str(key)[:200]
        lookup = {"vocabulary__isnull": True, "title": title}
    goal = Goal.objects.filter(match_id=match.pk, **lookup).first()
    if goal is None:
        goal = Goal.objects.create(
            match_id=match.pk,
            vocabulary_id=known.pk if known else None,
            title=title,
            start_on=started_on,
        )
    elif goal.start_on > started_on:
        Goal.objects.filter(pk=goal.pk).update(start_on=started_on)
    return goal


def goal_progress_from_logs(apps, schema_editor=None) -> int:
    """Create the pairs' goals and progress entries from the logs' JSON; returns how many
    entries it created."""
    SessionLog = apps.get_model("mentoring_sessions", "SessionLog")
    Goal = apps.get_model("relationships", "Goal")
    GoalProgress = apps.get_model("relationships", "GoalProgress")
    Vocabulary = apps.get_model("programs", "Goal")
    vocabulary = {goal.pk: goal for goal in Vocabulary.objects.all()}
    logs = (
        SessionLog.objects.exclude(goal_progress={})
        .filter(meeting__match__isnull=False)
        .select_related("meeting__match")
        .order_by("created_at", "pk")
    )
    created = 0
    for log in logs.iterator():
        if not isinstance(log.goal_progress, dict):
            continue
        match = log.meeting.match
        started_on = min(timezone.localdate(match.started_at), timezone.localdate(log.created_at))
        for key, value in log.goal_progress.items():
            if not value:
                continue
            goal = _goal_for(Goal, vocabulary, match, key, started_on)
            level = value if value in LEVELS else ""
            _entry, new = GoalProgress.objects.get_or_create(
                goal_id=goal.pk,
                log_id=log.pk,
                defaults={
                    "level": level,
                    "note": "" if level else str(value)[:2000],
                    "author_id": log.author_id,
                    "created_at": log.created_at,
                },
            )
            created += new
    return created


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0002_pair_goals"),
    ]

    operations = [
        # Backwards there is nothing to undo: the logs still hold their JSON.
        migrations.RunPython(goal_progress_from_logs, migrations.RunPython.noop),
    ]
