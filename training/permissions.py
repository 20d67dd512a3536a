"""Who may open which training step, attempt and file. Anything outside a person's reach is
404: another program's steps, steps for the other role, other people's attempts."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from programs.models import Application, Program
from programs.permissions import programs_coordinated_by
from training.models import ROLE_AUDIENCES, QuizAttempt, TrainingStep


def _audiences_of(user, program_id=None) -> dict[int, set[str]]:
    """Program id -> the step audiences the user's approved applications there may see."""
    rows = Application.objects.filter(user=user, status=Application.Status.APPROVED)
    if program_id is not None:
        rows = rows.filter(program_id=program_id)
    audiences: dict[int, set[str]] = {}
    for program, role in rows.values_list("program_id", "role"):
        audiences.setdefault(program, set()).update(ROLE_AUDIENCES[role])
    return audiences


def program_for_trainee(*, user, pk) -> Program:
    """A program the user is an approved participant of; 404 otherwise."""
    program = (
        Program.objects.filter(
            pk=pk, applications__user=user, applications__status=Application.Status.APPROVED
        )
        .distinct()
        .first()
    )
    if program is None:
        raise Http404("No such program.")
    return program


def step_for_trainee(*, user, pk) -> TrainingStep:
    """A step of a program the user is approved in, for their role there; 404 otherwise."""
    step = get_object_or_404(TrainingStep.objects.select_related("program"), pk=pk)
    if step.audience not in _audiences_of(user, step.program_id).get(step.program_id, set()):
        raise Http404("No such step.")
    return step


def step_file_for_viewer(*, user, pk) -> TrainingStep:
    """A step whose file the user may open: a participant it is for, or a coordinator of its
    program (who uploaded it); 404 otherwise, and for a step without a file."""
    step = get_object_or_404(TrainingStep.objects.select_related("program"), pk=pk)
    if not step.file:
        raise Http404("No such file.")
    if programs_coordinated_by(user=user).filter(pk=step.program_id).exists():
        return step
    if step.audience not in _audiences_of(user, step.program_id).get(step.program_id, set()):
        raise Http404("No such file.")
    return step


def attempt_for_owner(*, user, pk) -> QuizAttempt:
    """The user's own quiz attempt; anyone else's is 404."""
    return get_object_or_404(QuizAttempt.objects.select_related("step__program"), pk=pk, user=user)
