from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring.submit import form_errors_add, form_save
from relationships.forms import (
    AgreementForm,
    GoalForm,
    GoalStatusForm,
    MilestoneForm,
    ProgressForm,
    agreement_initial,
    goal_initial,
)
from relationships.panels import agreement_context, goals_context
from relationships.permissions import (
    certificate_application_for_owner,
    goal_for_member,
    match_for_participant,
    milestone_for_member,
)
from relationships.selectors import certificate_status
from relationships.services import agreement_save
from relationships.services import goals as goal_services


def _saved_message(saved) -> str:
    if saved.confirmed and saved.agreement.is_confirmed:
        return _(
            "Confirmed: you have both agreed. Either of you can still change it; you would "
            "both confirm again."
        )
    if saved.confirmed:
        return _("Confirmed. Your partner is asked to confirm too.")
    if saved.partner_reset:
        return _("Saved. Your partner had confirmed; they are asked to confirm what changed.")
    return _("Saved. Confirm it when you are both happy with it.")


@login_required
def agreement_edit(request, pk):
    """One side fills in and confirms the pair's agreement ("Save" or "Save and confirm").
    Only the two people in the match reach it; an ended match's agreement is read-only."""
    match = match_for_participant(user=request.user, pk=pk)
    context = agreement_context(match=match, user=request.user)
    if not match.is_active:
        messages.info(request, _("This match has ended; its agreement can no longer change."))
        return redirect("matching:match-detail", pk=match.pk)
    side = context["side"]
    form = AgreementForm(
        request.POST or None,
        side=side,
        template_fields=context["fields"],
        initial=agreement_initial(
            agreement=context["agreement"], side=side, answers=context["answer_values"]
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = agreement_save(
                match=match,
                by=request.user,
                data=form.service_data(),
                confirm="confirm" in request.POST,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _saved_message(saved))
            return redirect("matching:match-detail", pk=match.pk)
    context["form"] = form
    status = 400 if request.method == "POST" else 200  # a POST that got here was refused
    return render(request, "relationships/agreement_edit.html", context, status=status)


@login_required
def certificate_download(request, pk):
    """A mentor's certificate of participation as a PDF, once they earned it. Another
    person's, a mentee's, or one of a program without certificates is 404; one not yet
    earned says what it still needs (also 404: there is no certificate yet)."""
    application = certificate_application_for_owner(user=request.user, pk=pk)
    status = certificate_status(application=application)
    if not status.enabled:
        raise Http404("This program gives no certificates.")
    if not status.eligible:
        context = {"status": status, "program": application.program}
        return render(request, "relationships/certificate_unavailable.html", context, status=404)
    from relationships.certificates import certificate_pdf  # ReportLab: only when asked

    pdf = certificate_pdf(
        name=application.user.name,
        program=application.program.name,
        started_on=status.started_on,
        ended_on=status.ended_on,
        sessions_held=status.sessions.count,
        hours=status.sessions.hours,
        issued_on=timezone.localdate(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"certificate-{application.program.slug}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- goals --------------------------------------------------------------------------------


def _goals_url(match_id: int, goal_id: int | None = None) -> str:
    url = reverse("relationships:goals", args=[match_id])
    return f"{url}#goal-{goal_id}" if goal_id else url


def _ended(request, match) -> bool:
    """Whether the match has ended, telling the user its goals no longer change."""
    if match.is_active:
        return False
    messages.error(request, _("This match has ended; its goals can no longer change."))
    return True


def _goals_page(request, match, *, goal_form=None, bound=None, status=200):
    """The pair's goals page; `bound` is a refused form to show on its goal, as
    (goal id, "milestone_form" or "progress_form", form)."""
    context = goals_context(match=match, user=request.user)
    for goal in context["goals"]:
        goal.milestone_form = MilestoneForm(prefix=f"m{goal.pk}")
        goal.progress_form = ProgressForm(prefix=f"p{goal.pk}")
        if bound and bound[0] == goal.pk:
            setattr(goal, bound[1], bound[2])
    context["goal_form"] = goal_form or GoalForm(program=match.program)
    return render(request, "relationships/goal_list.html", context, status=status)


@login_required
def goal_list(request, pk):
    """The pair's goals with their milestones and progress; a POST adds a goal. Only the two
    people in the match reach it."""
    match = match_for_participant(user=request.user, pk=pk)
    if request.method != "POST":
        return _goals_page(request, match)
    if _ended(request, match):
        return redirect(_goals_url(match.pk))
    form = GoalForm(request.POST, program=match.program)
    if form.is_valid():
        try:
            goal = goal_services.goal_create(match=match, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Goal added. Add its milestones below."))
            return redirect(_goals_url(match.pk, goal.pk))
    return _goals_page(request, match, goal_form=form, status=400)


@login_required
def goal_edit(request, pk):
    """Change what a goal is, why, how it is measured and its dates."""
    goal = goal_for_member(user=request.user, pk=pk)
    match = goal.match
    if request.method == "POST" and _ended(request, match):
        return redirect(_goals_url(match.pk, goal.pk))
    form = GoalForm(request.POST or None, program=match.program, initial=goal_initial(goal))
    if request.method == "POST" and form_save(
        request,
        form,
        partial(goal_services.goal_update, goal=goal, by=request.user),
        success=_("Goal saved."),
    ):
        return redirect(_goals_url(match.pk, goal.pk))
    status = 400 if request.method == "POST" else 200
    context = {"goal": goal, "match": match, "form": form, "can_edit": match.is_active}
    return render(request, "relationships/goal_edit.html", context, status=status)


def _refused(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def goal_status(request, pk):
    """Mark a goal achieved or dropped, or open it again."""
    goal = goal_for_member(user=request.user, pk=pk)
    form = GoalStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose achieved, dropped or open."))
        goal_services.goal_close(goal=goal, by=request.user, status=form.cleaned_data["status"])
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Goal updated."))
    return redirect(_goals_url(goal.match_id, goal.pk))


def _goal_part_add(request, pk, *, form_class, prefix: str, save, success: str, bound: str):
    """Add a milestone or a progress entry to a goal from its form on the goals page; a
    refused form shows the page again with the errors next to it."""
    goal = goal_for_member(user=request.user, pk=pk)
    if _ended(request, goal.match):
        return redirect(_goals_url(goal.match_id, goal.pk))
    form = form_class(request.POST, prefix=f"{prefix}{goal.pk}")
    if form_save(request, form, partial(save, goal=goal, by=request.user), success=success):
        return redirect(_goals_url(goal.match_id, goal.pk))
    return _goals_page(request, goal.match, bound=(goal.pk, bound, form), status=400)


@login_required
@require_POST
def milestone_add(request, pk):
    return _goal_part_add(
        request,
        pk,
        form_class=MilestoneForm,
        prefix="m",
        save=goal_services.milestone_add,
        success=_("Milestone added."),
        bound="milestone_form",
    )


@login_required
@require_POST
def milestone_done(request, pk):
    """Tick a milestone done (or, with done=0, open again)."""
    milestone = milestone_for_member(user=request.user, pk=pk)
    done = request.POST.get("done", "1") != "0"
    try:
        goal_services.milestone_set_done(milestone=milestone, by=request.user, done=done)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Milestone done.") if done else _("Milestone open again."))
    return redirect(_goals_url(milestone.goal.match_id, milestone.goal_id))


@login_required
@require_POST
def goal_progress(request, pk):
    """Record progress on a goal directly, between sessions."""
    return _goal_part_add(
        request,
        pk,
        form_class=ProgressForm,
        prefix="p",
        save=goal_services.goal_progress_record,
        success=_("Progress recorded."),
        bound="progress_form",
    )
