"""The pair's goals in the session log form (`sessions.log_sections`): a level of progress
per open goal, stored as GoalProgress rows linked to the log, and a box to tick for each
open milestone reached in the session."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentoring.compiled import compiled
from relationships.models import Goal, GoalProgress, Level, Milestone
from relationships.selectors import goal_entries_by_log, goal_progress_text
from relationships.services.goals import goal_progress_from_log
from sessions.log_sections import LogSection

PREFIX = "goal_"
MILESTONE = "milestone_"


@compiled
def _recorded(*, log):
    return GoalProgress.objects.filter(log=log).values_list("goal_id", "level")


@compiled
def _goals_open_or(*, match_id: int, recorded: list[int]):
    """The pair's open goals, and those of `recorded` whatever their status."""
    return Goal.objects.filter(
        Q(status=Goal.Status.OPEN) | Q(pk__in=recorded), match_id=match_id
    ).order_by("start_on", "pk")


@compiled
def _open_milestones(*, match_id: int):
    return (
        Milestone.objects.filter(
            goal__match_id=match_id, goal__status=Goal.Status.OPEN, status=Milestone.Status.OPEN
        )
        .select_related("goal")
        .order_by("due_on", "pk")
    )


def _fields(*, meeting, user, log) -> dict:
    """A choice per open goal of the pair (and per goal this log already recorded)."""
    if not meeting.match_id:
        return {}
    recorded = dict(_recorded(log=log)) if log is not None else {}
    levels = [("", _("Not discussed")), *Level.choices]
    fields = {
        f"{PREFIX}{goal.pk}": (
            forms.ChoiceField(
                choices=levels,
                required=False,
                label=_("Progress on “%(title)s”") % {"title": goal.title},
            ),
            recorded.get(goal.pk, ""),
        )
        for goal in _goals_open_or(match_id=meeting.match_id, recorded=sorted(recorded))
    }
    label = _("Milestone reached: “%(title)s” (%(goal)s)")
    for milestone in _open_milestones(match_id=meeting.match_id):
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
