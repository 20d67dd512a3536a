from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, not_personal, register
from relationships.models import (
    Agreement,
    AgreementAnswer,
    AgreementField,
    AgreementTemplate,
    Goal,
    GoalProgress,
    Milestone,
)

for model in (AgreementTemplate, AgreementField):
    not_personal(model, reason="agreement templates written by coordinators")

BOTH_SIDES = ["match__mentor__user", "match__mentee__user"]
REMOVED = "(removed)"


def _agreements_erase(user) -> int:
    """The shared terms stay for the partner; the erased side's own hopes go, replaced by
    "(removed)": a confirmed side's hopes may not be empty (agreement_*_confirmed_complete),
    and the confirmation stays in the partner's history."""
    agreements = Agreement.objects.filter
    as_mentor = (
        agreements(match__mentor__user=user).exclude(mentor_hopes="").update(mentor_hopes=REMOVED)
    )
    as_mentee = (
        agreements(match__mentee__user=user).exclude(mentee_hopes="").update(mentee_hopes=REMOVED)
    )
    return as_mentor + as_mentee


register(
    Agreement,
    people=BOTH_SIDES,
    export=[
        "match__program__name",
        "meeting_frequency",
        "frequency_note",
        "channel",
        "planned_end_on",
        "mentor_hopes",
        "mentee_hopes",
        "mentor_confidentiality",
        "mentee_confidentiality",
        "mentor_confirmed_at",
        "mentee_confirmed_at",
    ],
    erase=_agreements_erase,
    program="match__program",
    retention=Erase.BLANK,
    # A confirmed side's hopes may not be empty (agreement_*_confirmed_complete): they are
    # replaced, and the confirmations, which the program's figures count, stay.
    blank={"mentor_hopes": REMOVED, "mentee_hopes": REMOVED, "frequency_note": ""},
    section=_("Mentorship agreements"),
)

register(
    AgreementAnswer,
    people=["agreement__match__mentor__user", "agreement__match__mentee__user"],
    export=["agreement__match__program__name", "field__label", "value"],
    erase=Erase.KEEP,
    program="agreement__match__program",
    retention=Erase.BLANK,
    blank={"value": ""},
    section=_("Answers in mentorship agreements"),
)


# Goals and milestones belong to the pair: erasing one side keeps them for the other (the
# erased account shows as the "Deleted user"); the erased side's own progress notes go.


def _goal_progress_erase(user) -> int:
    """The erased person's progress notes are replaced by "(removed)" (an entry needs a level
    or a note, goal_progress_level_or_note); the levels, which show how the goal went, stay
    for the partner."""
    return GoalProgress.objects.filter(author=user).exclude(note="").update(note=REMOVED)


def _goal_progress_anonymise(program) -> int:
    """Past the program's retention, the notes go the same way (the levels stay)."""
    entries = GoalProgress.objects.filter(goal__match__program=program).exclude(note="")
    return entries.update(note=REMOVED)


register(
    Goal,
    people=BOTH_SIDES,
    export=[
        "match__program__name",
        "title",
        "why",
        "measure",
        "start_on",
        "target_on",
        "status",
        "closed_at",
        "created_at",
    ],
    erase=Erase.KEEP,
    program="match__program",
    retention=Erase.BLANK,
    blank={"title": REMOVED, "why": "", "measure": ""},
    section=_("Goals"),
)

register(
    Milestone,
    people=["goal__match__mentor__user", "goal__match__mentee__user"],
    export=["goal__title", "title", "due_on", "status", "done_at"],
    erase=Erase.KEEP,
    program="goal__match__program",
    retention=Erase.BLANK,
    blank={"title": REMOVED},
    section=_("Milestones of goals"),
)

register(
    GoalProgress,
    people=["author", "goal__match__mentor__user", "goal__match__mentee__user"],
    export=["goal__title", "level", "note", "created_at"],
    erase=_goal_progress_erase,
    program="goal__match__program",
    retention=_goal_progress_anonymise,
    section=_("Progress on goals"),
)
