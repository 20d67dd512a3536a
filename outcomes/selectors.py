"""Reads for outcome imports and the pages: who took part, which measures a program holds.

Participants are the accounts that were in one of the program's matches. The analysis's own
reads, as numpy arrays, are in `outcomes.population`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from outcomes.models import OutcomeRecord
from programs.models import Application


def participant_user_ids(*, program) -> set[int]:
    """Accounts that took part in the program: a mentor or mentee of one of its matches."""
    matched = Application.objects.filter(program=program).filter(
        Q(mentor_matches__program=program) | Q(mentee_matches__program=program)
    )
    return set(matched.values_list("user_id", flat=True).distinct())


def outcome_measures(*, program) -> list[str]:
    """The measures the program holds records of, GPA first, then in name order."""
    codes = set(
        OutcomeRecord.objects.filter(person__program=program)
        .values_list("measure", flat=True)
        .distinct()
    )
    order = ["gpa", "credits", "retained", "enrolled_next_term", "graduated"]
    return [c for c in order if c in codes] + sorted(codes - set(order))


def no_outcomes_reason(*, program) -> str | None:
    if not program.term_list:
        return _("This program has no term list yet: a coordinator sets it on the program.")
    return None
