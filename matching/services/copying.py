"""Matching's part of copying a program for the next cohort (`programs.signals.program_copied`)."""

from matching.models import MatchingConfig
from mentoring.services import model_field_values
from programs.models import Program


def matching_config_copy(*, source: Program, copy: Program) -> MatchingConfig | None:
    """Give `copy` the matching weights and rules of `source`, every field of its
    MatchingConfig. A source without one (it never changed the defaults) gives none."""
    config = MatchingConfig.objects.filter(program=source).first()
    if config is None:
        return None
    copied = MatchingConfig(**model_field_values(config, exclude=["program"]), program=copy)
    copied.full_clean()
    copied.save()
    return copied
