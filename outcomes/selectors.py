"""Reads for outcome imports and analysis."""

from django.db.models import Q

from programs.models import Application


def participant_user_ids(*, program) -> set[int]:
    """Accounts that took part in the program: a mentor or mentee of one of its matches."""
    matched = Application.objects.filter(program=program).filter(
        Q(mentor_matches__program=program) | Q(mentee_matches__program=program)
    )
    return set(matched.values_list("user_id", flat=True).distinct())
