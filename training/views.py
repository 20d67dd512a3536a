"""Training pages: a participant's checklist and steps, and the completion table staff see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.mfa import staff_page
from audit.services import audit_record_export
from mentoring.downloads import csv_response, xlsx_response
from programs.permissions import program_for_reporting, programs_reportable_by
from training.files import FILE_TYPES, extension_of
from training.forms import AcknowledgeForm, QuizForm
from training.models import QuizAttempt, TrainingStep
from training.permissions import (
    attempt_for_owner,
    program_for_trainee,
    step_file_for_viewer,
    step_for_trainee,
)
from training.selectors import completion_export, completion_table, training_checklists_for_user
from training.services import (
    attempts_left,
    quiz_attempt_submit,
    step_acknowledge,
    step_mark_done,
)

K = TrainingStep.Kind


@login_required
def checklist(request, program_id):
    program = program_for_trainee(user=request.user, pk=program_id)
    checklists = training_checklists_for_user(user=request.user, program=program)
    context = {"program": program, "checklist": checklists[0] if checklists else None}
    return render(request, "training/checklist_detail.html", context)


def _step_context(request, step, **extra) -> dict:
    [checklist] = training_checklists_for_user(user=request.user, program=step.program)
    state = next(s for s in checklist.steps if s.step.pk == step.pk)
    context = {"step": step, "state": state, "checklist": checklist, "program": step.program}
    if step.kind == K.QUIZ:
        attempts = list(QuizAttempt.objects.filter(step=step, user=request.user).order_by("number"))
        questions = list(step.questions.order_by("position", "pk"))
        context.update(
            attempts=attempts,
            attempts_left=attempts_left(step=step, used=len(attempts)),
            question_count=len(questions),
            quiz_form=extra.pop("quiz_form", None) or QuizForm(questions=questions),
        )
    if step.kind == K.ACKNOWLEDGEMENT:
        context["acknowledge_form"] = extra.pop("acknowledge_form", None) or AcknowledgeForm(
            step=step
        )
    context.update(extra)
    return context


@login_required
def step_detail(request, pk):
    step = step_for_trainee(user=request.user, pk=pk)
    return render(request, "training/step_detail.html", _step_context(request, step))


def _done(request, step, action) -> bool:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, _("Done: “%(title)s” is complete.") % {"title": step.title})
    return True


@login_required
@require_POST
def step_done(request, pk):
    step = step_for_trainee(user=request.user, pk=pk)
    _done(request, step, lambda: step_mark_done(step=step, user=request.user))
    return redirect("training:step", pk=step.pk)


@login_required
@require_POST
def step_acknowledge_view(request, pk):
    step = step_for_trainee(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST, step=step)
    if not form.is_valid():
        context = _step_context(request, step, acknowledge_form=form)
        return render(request, "training/step_detail.html", context, status=400)
    _done(request, step, lambda: step_acknowledge(step=step, user=request.user, agreed=True))
    return redirect("training:step", pk=step.pk)


@login_required
@require_POST
def quiz_submit(request, pk):
    step = step_for_trainee(user=request.user, pk=pk)
    if step.kind != K.QUIZ:
        raise Http404("No such quiz.")
    form = QuizForm(request.POST, questions=list(step.questions.order_by("position", "pk")))
    if form.is_valid():
        try:
            attempt = quiz_attempt_submit(step=step, user=request.user, answers=form.answers())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("training:step", pk=step.pk)
        return redirect("training:attempt", pk=attempt.pk)
    context = _step_context(request, step, quiz_form=form)
    return render(request, "training/step_detail.html", context, status=400)


@login_required
def attempt_detail(request, pk):
    attempt = attempt_for_owner(user=request.user, pk=pk)
    step = attempt.step
    used = QuizAttempt.objects.filter(step=step, user=request.user).count()
    wrong = set(attempt.wrong)
    # The questions this attempt answered: one added since is not graded "right".
    answered = [int(pk) for pk in attempt.answers]
    questions = [
        (q, q.pk in wrong)
        for q in step.questions.filter(pk__in=answered).order_by("position", "pk")
    ]
    context = {
        "attempt": attempt,
        "step": step,
        "program": step.program,
        "questions": questions,
        "attempts_left": attempts_left(step=step, used=used),
        "is_latest": used == attempt.number,
    }
    return render(request, "training/quizattempt_detail.html", context)


@never_cache
@login_required
def step_file(request, pk):
    """A resource's file, for the participants it is for and the program's coordinators only.
    The content type comes from the allowed list, never from the upload."""
    step = step_file_for_viewer(user=request.user, pk=pk)
    content_type, inline = FILE_TYPES.get(extension_of(step.file.name), (None, False))
    if content_type is None:
        raise Http404("No such file.")
    try:
        handle = step.file.open("rb")
    except OSError:
        raise Http404("No such file.") from None
    name = step.file_name or f"{step.title}{extension_of(step.file.name)}"
    response = FileResponse(
        handle, as_attachment=not inline, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff -----------------------------------------------------------------------------------


@staff_page
@never_cache
@login_required
def program_list(request):
    programs = programs_reportable_by(user=request.user).order_by("name")
    return render(request, "training/program_list.html", {"programs": programs})


@staff_page
@never_cache
@login_required
def completion(request, pk):
    program = program_for_reporting(user=request.user, pk=pk)
    table = completion_table(program=program)
    return render(request, "training/completion_list.html", {"program": program, "table": table})


@staff_page
@never_cache
@login_required
def completion_download(request, pk, fmt):
    program = program_for_reporting(user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such export.")
    header, rows = completion_export(program=program)
    filename = f"{program.slug}-training-{timezone.localdate():%Y-%m-%d}.{fmt}"
    audit_record_export(
        actor=request.user, programs=[program], report="training-completion", fmt=fmt
    )
    if fmt == "csv":
        return csv_response(header=header, rows=rows, filename=filename)
    return xlsx_response(sheets=[(_("Training"), header, rows)], filename=filename)
