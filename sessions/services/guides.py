"""Session guides: copying a program's curriculum for the next cohort."""

from mentoring.services import model_field_values
from programs.models import Program
from sessions.models import SessionGuide


def session_guides_copy(*, source: Program, copy: Program) -> list[SessionGuide]:
    """Give `copy` every session guide of `source` (all fields, same numbers). Runs inside
    `program_copy`'s transaction through `program_copied`."""
    return SessionGuide.objects.bulk_create(
        SessionGuide(**model_field_values(guide, exclude=["program"]), program=copy)
        for guide in SessionGuide.objects.filter(program=source).order_by("number")
    )
