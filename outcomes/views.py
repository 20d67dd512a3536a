from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from outcomes.forms import OutcomeUploadForm
from outcomes.importing import (
    ImportProblem,
    outcome_import_confirm,
    outcome_import_create,
    outcome_import_discard,
)
from outcomes.models import OutcomeImport
from outcomes.permissions import import_for_reporting, program_for_reporting

IMPORTS_SHOWN = 50


@never_cache
@login_required
def import_list(request, pk):
    program = program_for_reporting(user=request.user, pk=pk)
    form = OutcomeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = outcome_import_create(
                program=program, user=request.user, upload=form.cleaned_data["file"]
            )
        except ImportProblem as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("outcomes:import-detail", pk=program.pk, import_pk=record.pk)
    imports = OutcomeImport.objects.filter(program=program).select_related(
        "uploaded_by", "confirmed_by"
    )[:IMPORTS_SHOWN]
    status = 400 if request.method == "POST" else 200
    context = {"program": program, "form": form, "imports": imports}
    return render(request, "outcomes/import_list.html", context, status=status)


@never_cache
@login_required
def import_detail(request, pk, import_pk):
    record = import_for_reporting(user=request.user, program_pk=pk, pk=import_pk)
    partial = request.headers.get("HX-Request")
    template = "outcomes/_import_status.html" if partial else "outcomes/import_detail.html"
    return render(request, template, {"program": record.program, "record": record})


@login_required
@require_POST
def import_confirm(request, pk, import_pk):
    record = import_for_reporting(user=request.user, program_pk=pk, pk=import_pk)
    try:
        outcome_import_confirm(record=record, user=request.user)
    except ImportProblem as exc:
        messages.error(request, str(exc))
    return redirect("outcomes:import-detail", pk=pk, import_pk=import_pk)


@login_required
@require_POST
def import_discard(request, pk, import_pk):
    record = import_for_reporting(user=request.user, program_pk=pk, pk=import_pk)
    try:
        outcome_import_discard(record=record)
    except ImportProblem as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The file was discarded; nothing was imported."))
    return redirect("outcomes:import-list", pk=pk)


@never_cache
@login_required
def outcomes_view(request, pk):
    program = program_for_reporting(user=request.user, pk=pk)
    return render(request, "outcomes/program_outcomes.html", {"program": program})
