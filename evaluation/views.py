import textwrap

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.mfa import staff_page
from audit.services import audit_record_export
from evaluation.forms import AnswerSearchForm, CheckInForm, ReportScopeForm, SurveyAnswerForm
from evaluation.permissions import (
    checkin_for_respondent,
    invitation_for_respondent,
    program_for_reporting,
    programs_for_report,
)
from evaluation.selectors import (
    DATASETS,
    IMPACT_HEADER,
    checkin_preview,
    impact_report,
    impact_rows,
    pending_for_user,
    program_health,
)
from evaluation.selectors.health import closure_reasons
from evaluation.selectors.impact import METHOD as IMPACT_METHOD
from evaluation.selectors.pending import checkin_partner
from evaluation.selectors.results import survey_results, survey_text_answers
from evaluation.services import checkin_answer, checkins_create_due, survey_answer
from evaluation.services.common import today_utc
from mentoring.downloads import csv_response, xlsx_response
from programs.permissions import (
    coordinates,
    program_for_coordinator,
    reportable_programs,
)

FORMATS = ("csv", "xlsx")


@login_required
def pending_list(request):
    items = pending_for_user(user=request.user)
    return render(request, "evaluation/pending_list.html", {"items": items})


def _closed(request, *, due_on, what: str) -> bool:
    if timezone.localdate() > due_on:
        values = {"date": date_format(due_on, "j F Y")}
        if what == "check-in":
            text = _("This check-in closed on %(date)s.") % values
        else:
            text = _("This survey closed on %(date)s.") % values
        messages.warning(request, text)
        return True
    return False


@login_required
def checkin_answer_view(request, pk):
    checkin = checkin_for_respondent(user=request.user, pk=pk)
    if checkin.is_answered:
        messages.info(request, _("You have already answered this check-in. Thank you!"))
        return redirect("evaluation:pending")
    if _closed(request, due_on=checkin.due_on, what="check-in"):
        return redirect("evaluation:pending")
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checkin_answer(checkin=checkin, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("evaluation:pending")
        messages.success(request, _("Thank you: your check-in is saved."))
        return redirect("evaluation:pending")
    context = {"checkin": checkin, "form": form, "partner": checkin_partner(checkin)}
    return render(request, "evaluation/checkin_form.html", context)


@login_required
def survey_answer_view(request, pk):
    invitation = invitation_for_respondent(user=request.user, pk=pk)
    if invitation.completed:
        messages.info(request, _("You have already answered this survey. Thank you!"))
        return redirect("evaluation:pending")
    if _closed(request, due_on=invitation.due_on, what="survey"):
        return redirect("evaluation:pending")
    survey = invitation.survey
    form = SurveyAnswerForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(invitation=invitation, answers=form.answers())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("evaluation:pending")
    context = {"invitation": invitation, "survey": survey, "form": form}
    return render(request, "evaluation/survey_form.html", context)


@staff_page
@login_required
def program_list(request):
    programs = reportable_programs(user=request.user)  # by the ids kept with the user's rights
    return render(
        request,
        "evaluation/program_list.html",
        {"programs": programs, "datasets": DATASETS.values()},
    )


def _closure_chart(closures) -> dict:
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row.label for row in closures],
        "datasets": [{"label": _("Matches"), "data": [row.count for row in closures]}],
        "x": {"beginAtZero": True, "ticks": {"precision": 0}},
    }


def _health_charts(health) -> dict:
    return {
        "funnel": {
            "type": "bar",
            "labels": [label for label, _count in health.funnel],
            "datasets": [{"label": _("People"), "data": [n for _label, n in health.funnel]}],
            "y": {"beginAtZero": True, "ticks": {"precision": 0}},
        },
        "satisfaction": {
            "type": "line",
            "labels": [w.week.isoformat() for w in health.satisfaction],
            "datasets": [
                {"label": _("Mean check-in score"), "data": [w.mean for w in health.satisfaction]}
            ],
            "y": {"min": 1, "max": 5, "ticks": {"stepSize": 1}},
        },
    }


@staff_page
@never_cache
@login_required
def program_dashboard(request, pk):
    program = program_for_reporting(user=request.user, pk=pk)
    health = program_health(program=program)
    closures = closure_reasons(program=program)
    context = {
        "program": program,
        "health": health,
        "closures": closures,
        "closures_total": sum(row.count for row in closures),
        "charts": {**_health_charts(health), "closures": _closure_chart(closures)},
        "datasets": DATASETS.values(),
        "can_coordinate": coordinates(user=request.user, pk=program.pk),
        "results": survey_results(program=program),
    }
    return render(request, "evaluation/program_dashboard.html", context)


ANSWERS_PER_PAGE = 25


@staff_page
@never_cache
@login_required
def answer_list(request, pk):
    """The free-text answers of a program's non-anonymous surveys, newest first, with who gave
    them; ?q= keeps those containing it. The dashboard's readers only."""
    program = program_for_reporting(user=request.user, pk=pk)
    form = AnswerSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    answers = survey_text_answers(program=program, search=query)
    if not form.is_valid():
        answers = answers.none()
    page = Paginator(answers, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"program": program, "form": form, "query": query, "page": page}
    return render(request, "evaluation/answer_list.html", context)


@staff_page
@never_cache
@login_required
def checkin_preview_view(request, pk):
    """The check-in form exactly as participants see it, for a program's coordinators. An
    answer sent from it is checked like a real one and never saved."""
    program = program_for_coordinator(user=request.user, pk=pk)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        messages.success(request, _("That answer would be accepted. Nothing was saved."))
    context = {
        "checkin": checkin_preview(program=program, today=timezone.localdate()),
        "form": form,
        "partner": _("their mentor or mentee"),
        "program": program,
    }
    return render(request, "evaluation/checkin_preview.html", context)


@staff_page
@login_required
@require_POST
def checkin_round_open(request, pk):
    """Open a round of check-ins for a program now, as the daily task would at its cadence:
    everyone in an active pair with no check-in open gets one and an invitation. Sending it
    twice opens nothing more."""
    program = program_for_coordinator(user=request.user, pk=pk)
    opened = checkins_create_due(program=program, today=today_utc(), start_round=True)
    if opened:
        text = ngettext(
            "%(count)s check-in opened; its invitation is on its way.",
            "%(count)s check-ins opened; their invitations are on their way.",
            opened,
        )
        messages.success(request, text % {"count": opened})
    else:
        messages.info(
            request,
            _(
                "No check-in opened: everyone in an active pair already has one open, "
                "or the program has ended."
            ),
        )
    return redirect("evaluation:program-dashboard", pk=program.pk)


def _report_programs(request) -> list:
    form = ReportScopeForm(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404("No such program.")
    # Nothing chosen is every program the user may see: not a query of the chosen ones.
    chosen = form.cleaned_data["program"] if request.GET.getlist("program") else None
    return programs_for_report(user=request.user, chosen=chosen)


def _filename(programs: list, name: str, fmt: str) -> str:
    scope = programs[0].slug if len(programs) == 1 else "programs"
    return f"{scope}-{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"


@staff_page
@never_cache
@login_required
def export(request, dataset, fmt):
    """A dataset of the chosen programs (?program=<id>, repeatable; default all the user may
    see) as streamed CSV or XLSX; a program outside the user's reach is 404. Each download
    is in the audit trail, once per program it covers."""
    dataset = DATASETS.get(dataset)
    if dataset is None or fmt not in FORMATS:
        raise Http404("No such export.")
    programs = _report_programs(request)
    rows = dataset.rows([p.pk for p in programs])
    filename = _filename(programs, dataset.slug, fmt)
    audit_record_export(actor=request.user, programs=programs, report=dataset.slug, fmt=fmt)
    if fmt == "csv":
        return csv_response(header=dataset.header, rows=rows, filename=filename)
    return xlsx_response(sheets=[(str(dataset.title), dataset.header, rows)], filename=filename)


def _impact_chart(report) -> dict:
    """Per question (all participants): the 95% interval as a floating bar and the mean
    change as a point. Long question texts wrap onto several label lines."""
    shown = [q for q in report.questions if q.overall is not None and not q.overall.suppressed]
    changes = [q.overall.change for q in shown]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [textwrap.wrap(q.text, 28, max_lines=3, placeholder=" …") for q in shown],
        "datasets": [
            {
                # xgettext:no-python-format (never %-formatted: "95%" is a percentage)
                "label": _("95% interval of the mean change"),
                "data": [[c.ci_low, c.ci_high] for c in changes],
                "backgroundColor": "rgba(31, 95, 139, 0.35)",
                "grouped": False,
                "barPercentage": 0.6,
            },
            {
                "label": _("Mean change"),
                "type": "scatter",
                "data": [{"x": c.mean_change, "y": i} for i, c in enumerate(changes)],
                "pointRadius": 6,
            },
        ],
        "x": {"title": {"display": True, "text": _("Change, end minus baseline")}},
        "height": f"{max(160, 90 * len(shown) + 70)}px",
    }


@staff_page
@never_cache
@login_required
def impact_view(request):
    programs = _report_programs(request)
    report = impact_report(programs=programs)
    form = ReportScopeForm(initial={"program": [p.pk for p in programs]}, user=request.user)
    query = request.GET.urlencode()
    context = {
        "report": report,
        "form": form,
        "chart": _impact_chart(report),
        "query": query,
    }
    return render(request, "evaluation/impact_report.html", context)


@staff_page
@never_cache
@login_required
def impact_export(request, fmt):
    if fmt not in FORMATS:
        raise Http404("No such export.")
    programs = _report_programs(request)
    rows = impact_rows(impact_report(programs=programs))
    filename = _filename(programs, "impact", fmt)
    audit_record_export(actor=request.user, programs=programs, report="impact", fmt=fmt)
    if fmt == "csv":
        return csv_response(header=IMPACT_HEADER, rows=rows, filename=filename)
    method = [[str(paragraph)] for paragraph in IMPACT_METHOD]
    sheets = [
        (_("Impact"), IMPACT_HEADER, rows),
        (_("Programs"), [_("program")], [[p.name] for p in programs]),
        (_("Method"), [_("How to read this report")], method),
    ]
    return xlsx_response(sheets=sheets, filename=filename)
