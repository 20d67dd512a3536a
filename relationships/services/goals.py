"""A pair's goals: setting them, their milestones and their progress over time.

Only the two people of the match change them (the mentee sets them with the mentor; either
may edit); the views reach a goal through `relationships.permissions`, so another pair's is
404 before any of this runs. Every refusal is a ValidationError that changes nothing.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from matching.models import Match
from programs.models import Goal as VocabularyGoal
from relationships.models import Goal, GoalProgress, Level, Milestone

GOAL_FIELDS = ("title", "why", "measure", "start_on", "target_on", "vocabulary")


def _check_member(match: Match, by) -> None:
    if by.pk not in (match.mentor.user_id, match.mentee.user_id):
        raise ValidationError(_("Only the two people in a match can change its goals."))
    if not match.is_active:
        raise ValidationError(_("This match has ended; its goals can no longer change."))


def _clean(obj, exclude) -> None:
    for name in ("title", "why", "measure", "note"):
        if isinstance(getattr(obj, name, None), str):
            setattr(obj, name, getattr(obj, name).replace("\r\n", "\n").strip())
    obj.full_clean(exclude=exclude)


def _check_vocabulary(match: Match, vocabulary: VocabularyGoal | None) -> None:
    if vocabulary is not None and vocabulary.program_id != match.program_id:
        raise ValidationError({"vocabulary": [_("Choose one of this program's goals.")]})


def _check_dates(goal: Goal) -> None:
    """The target is not before the start, and no milestone is due before the start."""
    if goal.target_on is not None and goal.target_on < goal.start_on:
        raise ValidationError(
            {"target_on": [_("The target date cannot be before the start date.")]}
        )
    first = goal.milestones.order_by("due_on").first() if goal.pk else None
    if first is not None and first.due_on < goal.start_on:
        raise ValidationError(
            {
                "start_on": [
                    _("The milestone “%(title)s” is due on %(day)s, before this start date.")
                    % {"title": first.title, "day": date_format(first.due_on, "j F Y")}
                ]
            }
        )


@transaction.atomic
def goal_create(*, match: Match, by, **fields) -> Goal:
    """Add a goal to the pair's goals. `fields` are among GOAL_FIELDS; without a title, one
    from the program's vocabulary (`vocabulary`) gives it. Starts today unless `start_on`."""
    _check_member(match, by)
    vocabulary = fields.get("vocabulary")
    _check_vocabulary(match, vocabulary)
    if not fields.get("title") and vocabulary is not None:
        fields["title"] = vocabulary.name
    if fields.get("start_on") is None:
        fields["start_on"] = timezone.localdate()
    goal = Goal(match=match, **{k: v for k, v in fields.items() if k in GOAL_FIELDS})
    _check_dates(goal)
    _clean(goal, exclude=["match"])
    goal.save()
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by, **fields) -> Goal:
    """Change a goal's GOAL_FIELDS; a start date after one of its milestones is refused."""
    goal = Goal.objects.select_for_update().select_related("match__program").get(pk=goal.pk)
    _check_member(goal.match, by)
    _check_vocabulary(goal.match, fields.get("vocabulary", goal.vocabulary))
    for name in GOAL_FIELDS:
        if name in fields:
            setattr(goal, name, fields[name])
    if goal.start_on is None:
        raise ValidationError({"start_on": [_("Give the date the goal starts.")]})
    _check_dates(goal)
    _clean(goal, exclude=["match"])
    goal.save()
    return goal


@transaction.atomic
def goal_close(*, goal: Goal, by, status: str) -> Goal:
    """Mark a goal achieved or dropped, or open it again (`status`); a closed goal no longer
    counts towards the pairs at risk."""
    goal = Goal.objects.select_for_update().select_related("match").get(pk=goal.pk)
    _check_member(goal.match, by)
    if status not in Goal.Status.values:
        raise ValidationError(_("Choose achieved, dropped or open."))
    goal.status = status
    goal.closed_at = None if status == Goal.Status.OPEN else timezone.now()
    goal.save(update_fields=["status", "closed_at", "updated_at"])
    return goal


@transaction.atomic
def milestone_add(*, goal: Goal, by, title: str, due_on: date) -> Milestone:
    """Add a milestone to a goal; one due before the goal starts is refused."""
    goal = Goal.objects.select_related("match").get(pk=goal.pk)
    _check_member(goal.match, by)
    milestone = Milestone(goal=goal, title=title, due_on=due_on)
    _clean(milestone, exclude=["goal"])
    if due_on < goal.start_on:
        raise ValidationError(
            {
                "due_on": [
                    _("A milestone cannot be due before its goal starts (%(day)s).")
                    % {"day": date_format(goal.start_on, "j F Y")}
                ]
            }
        )
    milestone.save()
    return milestone


@transaction.atomic
def milestone_set_done(*, milestone: Milestone, by, done: bool = True) -> Milestone:
    """Mark a milestone done (now) or open again."""
    milestone = (
        Milestone.objects.select_for_update().select_related("goal__match").get(pk=milestone.pk)
    )
    _check_member(milestone.goal.match, by)
    if done != milestone.is_done:
        milestone.status = Milestone.Status.DONE if done else Milestone.Status.OPEN
        milestone.done_at = timezone.now() if done else None
        milestone.save(update_fields=["status", "done_at"])
    return milestone


@transaction.atomic
def goal_progress_record(*, goal: Goal, by, level: str = "", note: str = "") -> GoalProgress:
    """Add a dated entry to the goal's timeline (a level, a note, or both), by one of the
    pair, directly rather than from a session log."""
    goal = Goal.objects.select_related("match").get(pk=goal.pk)
    _check_member(goal.match, by)
    entry = GoalProgress(goal=goal, level=level or "", note=note or "", author=by)
    _clean(entry, exclude=["goal", "author", "log"])
    if not entry.level and not entry.note:
        raise ValidationError(_("Choose how far the goal has come, or write a note."))
    entry.save()
    return entry


def goal_progress_from_log(*, log, values: dict[int, str], milestones_done=()) -> None:
    """Store what a session log says about the pair's goals ({goal id: level}, "" for not
    discussed): one entry per goal, linked to the log and by its author; saving the log
    again updates or removes them. `milestones_done` (ids) are marked done now. Goals and
    milestones of another pair are refused."""
    match = log.meeting.match
    if match is None:
        return
    known = set(Goal.objects.filter(match=match).values_list("pk", flat=True))
    milestones = Milestone.objects.filter(pk__in=list(milestones_done))
    if set(values) - known or milestones.exclude(goal_id__in=known).exists():
        raise ValidationError(_("Record progress on your own pair's goals."))
    milestones.filter(status=Milestone.Status.OPEN).update(
        status=Milestone.Status.DONE, done_at=timezone.now()
    )
    if any(level and level not in Level.values for level in values.values()):
        raise ValidationError(_("Choose one of the listed levels of progress."))
    not_discussed = [pk for pk, level in values.items() if not level]
    GoalProgress.objects.filter(log=log, goal_id__in=not_discussed).delete()
    for pk, level in values.items():
        if level:
            GoalProgress.objects.update_or_create(
                goal_id=pk, log=log, defaults={"level": level, "author": log.author}
            )
