"""Who may import and read a program's outcomes: the people who may report on it."""

from django.shortcuts import get_object_or_404

from outcomes.models import OutcomeImport
from programs.permissions import program_for_reporting

__all__ = ["import_for_reporting", "program_for_reporting"]


def import_for_reporting(*, user, program_pk, pk) -> OutcomeImport:
    """One of a program's imports, for someone who reports on that program; else 404."""
    program = program_for_reporting(user=user, pk=program_pk)
    return get_object_or_404(
        OutcomeImport.objects.select_related("program", "uploaded_by"), pk=pk, program=program
    )
