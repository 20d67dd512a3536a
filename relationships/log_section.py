"""The pair's goals in the session log form (`sessions.log_sections`): a level of progress
per open goal, stored as GoalProgress rows linked to the log, and a box to tick for each
open milestone reached in the session."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relationships.models import Goal, GoalProgress, Level, Milestone
from relationships.selectors import goal_entries_by_log, goal_progress_text
from relationships.services.goals import goal_progress_from_log
from sessions.log_sections import LogSection

PREFIX = "goal_"
MILESTONE = "milestone_"


def _fields(*, meeting, user, log) -> dict:
    """A choice per open goal of the pair (and per goal this log already recorded)."""
    if not meeting.match_id:
        return {}
    recorded = {}
    if log is not None:
        recorded = dict(GoalProgress.objects.filter(log=log).values_list("goal_id", "level"))
    goals = Goal.objects.filter(
        Q(status=Goal.Status.OPEN) | Q(pk__in=list(recorded)), match_id=meeting.match_id
    ).order_by("start_on", "pk")
    fields = {
        f"{PREFIX}{goal.pk}": (
            forms.ChoiceField(
                choices=[("", _("Not discussed")), *Level.choices],
                required=False,
                label=_("Progress on “%(title)s”") % {"title": goal.title},
            ),
            recorded.get(goal.pk, ""),
        )
        for goal in goals
    }
    milestones = Milestone.objects.filter(
        goal__match_id=meeting.match_id,
        goal__status=Goal.Status.OPEN,
        status=Milestone.Status.OPEN,
    ).select_related("goal")
    for milestone in milestones.order_by("due_on", "pk"):
        label = _("Milestone reached: “%(title)s” (%(goal)s)")
        fields[f"{MILESTONE}{milestone.pk}"] = (
            forms.BooleanField(
                required=False,
                label=label % {"title": milestone.title, "goal": milestone.goal.title},
            ),
            False,
        )
    return fields


def _save(*, log, values: dict) -> None:
    levels = {
        int(name.removeprefix(PREFIX)): level or ""
        for name, level in values.items()
        if name.startswith(PREFIX)
    }
    done = [
        int(name.removeprefix(MILESTONE))
        for name, ticked in values.items()
        if name.startswith(MILESTONE) and ticked
    ]
    goal_progress_from_log(log=log, values=levels, milestones_done=done)


def _lines(*, logs) -> dict[int, list[tuple[str, str]]]:
    entries = goal_entries_by_log(log_ids=[log.pk for log in logs])
    return {
        log_id: [(entry.goal.title, goal_progress_text(entry)) for entry in rows]
        for log_id, rows in entries.items()
    }


goals_log_section = LogSection(key="goals", fields=_fields, save=_save, lines=_lines)
