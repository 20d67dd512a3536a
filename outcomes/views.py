from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.services import audit_record_export
from mentoring.downloads import csv_response, xlsx_response
from outcomes.forms import OutcomeUploadForm
from outcomes.importing import (
    ImportProblem,
    outcome_import_confirm,
    outcome_import_create,
    outcome_import_discard,
)
from outcomes.measures import measure_label
from outcomes.models import OutcomeImport
from outcomes.permissions import import_for_reporting, program_for_reporting
from outcomes.selectors import outcome_measures

IMPORTS_SHOWN = 50


def _outcome_report(*, program, measures=None):
    """`outcomes.report.outcome_report`, imported on the first report: the analysis (numpy,
    scipy, statsmodels) is not loaded at start-up."""
    from outcomes.report import outcome_report

    return outcome_report(program=program, measures=measures)


def _report_tables(*, report):
    """`outcomes.tables.report_tables`, imported with the analysis (see `_outcome_report`)."""
    from outcomes.tables import report_tables

    return report_tables(report=report)


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


def _series_chart(result) -> dict:
    return {
        "type": "line",
        "labels": [point.term for point in result.series],
        "datasets": [
            {
                "label": _("Participants"),
                "data": [p.value_t for p in result.series],
                "spanGaps": True,
            },
            {
                "label": _("Comparison group"),
                "data": [p.value_c for p in result.series],
                "spanGaps": True,
            },
        ],
        "y": {"beginAtZero": result.yes_no},
    }


@never_cache
@login_required
def outcomes_view(request, pk):
    """One measure's results for a program: the headline estimates with their sentences, the
    term chart, balance, breakdowns and dose (?measure= picks the measure)."""
    program = program_for_reporting(user=request.user, pk=pk)
    measures = outcome_measures(program=program)
    chosen = request.GET.get("measure")
    code = chosen if chosen in measures else (measures[0] if measures else None)
    report = _outcome_report(program=program, measures=[code] if code else [])
    result = report.measures[0] if report.measures else None
    context = {
        "program": program,
        "report": report,
        "result": result,
        "measures": [(m, measure_label(m)) for m in measures],
        "chart": _series_chart(result) if result else None,
        "last_import": OutcomeImport.objects.filter(program=program, status="done").first(),
    }
    return render(request, "outcomes/program_outcomes.html", context)


@never_cache
@login_required
def report_view(request, pk):
    """The printable impact report: every measure on one page (the print stylesheet drops the
    navigation), with the PDF and the tables as downloads."""
    program = program_for_reporting(user=request.user, pk=pk)
    report = _outcome_report(program=program)
    charts = [(result, _series_chart(result)) for result in report.measures]
    tables = [(table.slug, table.title) for table in _report_tables(report=report)]
    context = {
        "program": program,
        "report": report,
        "charts": charts,
        "table_links": tables,
        "today": timezone.now(),
    }
    return render(request, "outcomes/impact_report.html", context)


def _filename(program, name: str, fmt: str) -> str:
    return f"{program.slug}-{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"


@never_cache
@login_required
def report_pdf(request, pk):
    program = program_for_reporting(user=request.user, pk=pk)
    from outcomes.pdf import impact_pdf  # ReportLab loads on the first PDF, not at start-up

    data = impact_pdf(report=_outcome_report(program=program))
    audit_record_export(actor=request.user, programs=[program], report="outcomes-report", fmt="pdf")
    response = HttpResponse(data, content_type="application/pdf")
    filename = _filename(program, "impact", "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def report_download(request, pk, fmt):
    """The report's tables: one CSV (?table=<slug>, the headline results by default) or one
    XLSX workbook with a sheet per table. Each download is in the audit trail."""
    program = program_for_reporting(user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format.")
    tables = _report_tables(report=_outcome_report(program=program))
    if fmt == "xlsx":
        sheets = [(table.title, table.header, table.rows) for table in tables]
        audit_record_export(
            actor=request.user, programs=[program], report="outcomes-report", fmt="xlsx"
        )
        return xlsx_response(sheets=sheets, filename=_filename(program, "impact", "xlsx"))
    slug = request.GET.get("table") or tables[0].slug
    table = next((t for t in tables if t.slug == slug), None)
    if table is None:
        raise Http404("No such table.")
    name = f"impact-{table.slug}"
    audit_record_export(
        actor=request.user, programs=[program], report=f"outcomes-{table.slug}", fmt="csv"
    )
    return csv_response(
        header=table.header, rows=table.rows, filename=_filename(program, name, "csv")
    )
