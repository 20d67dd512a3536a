from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from programs.consent import records_consent_in_force, records_consent_set
from programs.forms import ApplicationForm, AvailabilityFormSet, availability_initial
from programs.models import Application, Invitation, RecordsConsent, Role, StaffInvitation
from programs.permissions import application_for_owner, program_visible
from programs.selectors import (
    application_list_for_user,
    invitation_career_stage_for,
    program_list_open,
)
from programs.services import (
    application_is_editable,
    application_submit,
    application_update,
    application_withdraw,
)
from programs.staff_invitations import (
    staff_invitation_accept,
    staff_invitation_for_token,
    staff_invitation_problem,
)


def program_list(request):
    return render(request, "programs/program_list.html", {"programs": program_list_open()})


def program_detail(request, slug):
    program = program_visible(slug=slug)
    mine = (
        list(application_list_for_user(user=request.user).filter(program=program))
        if request.user.is_authenticated
        else []
    )
    applied_roles = {a.role for a in mine if a.status != Application.Status.WITHDRAWN}
    can_apply = program.enrollment_is_open() and (
        not applied_roles or (program.allow_dual_role and len(applied_roles) < 2)
    )
    context = {
        "program": program,
        "topics": program.topics.all(),
        "goals": program.goals.all(),
        "stages": program.career_stages.all(),
        "my_applications": mine,
        "apply_roles": [r for r in Role if r not in applied_roles] if can_apply else [],
    }
    return render(request, "programs/program_detail.html", context)


def _role_or_404(role: str) -> str:
    if role not in Role.values:
        raise Http404("No such role.")
    return role


def _consent_record(form, *, program, user) -> None:
    """The applicant's decision on their academic records, when the program asks for it."""
    granted = form.records_consent()
    if granted is not None:
        records_consent_set(
            program=program, user=user, granted=granted, source=RecordsConsent.Source.APPLICATION
        )


def _render_form(request, *, program, role, form, formset, application=None):
    context = {
        "program": program,
        "role": role,
        "role_label": Role(role).label,
        "form": form,
        "formset": formset,
        "application": application,
    }
    return render(request, "programs/application_form.html", context)


@login_required
def application_create(request, slug, role):
    program = program_visible(slug=slug)
    role = _role_or_404(role)
    if not program.enrollment_is_open():
        messages.error(request, _("%(name)s is not open for enrollment.") % {"name": program.name})
        return redirect(program)
    initial = {
        "time_zone": request.user.time_zone,
        # What the roster said about this person, so an invited applicant need not pick it.
        "career_stage": invitation_career_stage_for(program=program, user=request.user, role=role),
    }
    form = ApplicationForm(request.POST or None, program=program, role=role, initial=initial)
    formset = AvailabilityFormSet(request.POST or None, initial=availability_initial(None))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                application = application_submit(
                    program=program,
                    user=request.user,
                    data=form.application_data(availability=formset.windows()),
                )
                _consent_record(form, program=program, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your application was sent. We will email you the decision.")
            )
            return redirect("programs:application-detail", pk=application.pk)
    return _render_form(request, program=program, role=role, form=form, formset=formset)


@login_required
def application_detail(request, pk):
    application = application_for_owner(user=request.user, pk=pk)
    context = {
        "application": application,
        "program": application.program,
        "answers": application.answers.select_related("question"),
        "windows": application.availability.all(),
        "editable": application_is_editable(application),
    }
    return render(request, "programs/application_detail.html", context)


@login_required
def application_edit(request, pk):
    application = application_for_owner(user=request.user, pk=pk)
    if not application_is_editable(application):
        messages.error(request, _("This application can no longer be changed."))
        return redirect("programs:application-detail", pk=pk)
    program, role = application.program, application.role
    initial = ApplicationForm.initial_from(application)
    if program.records_consent_required:
        consent = records_consent_in_force(program=program, user=request.user)
        initial["records_consent"] = bool(consent)
    form = ApplicationForm(request.POST or None, program=program, role=role, initial=initial)
    formset = AvailabilityFormSet(request.POST or None, initial=availability_initial(application))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                application_update(
                    application=application,
                    data=form.application_data(availability=formset.windows()),
                )
                _consent_record(form, program=program, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your application was updated."))
            return redirect("programs:application-detail", pk=pk)
    return _render_form(
        request, program=program, role=role, form=form, formset=formset, application=application
    )


@login_required
@require_POST
def application_withdraw_view(request, pk):
    application = application_for_owner(user=request.user, pk=pk)
    try:
        application_withdraw(application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("programs:application-detail", pk=pk)


def invitation_landing(request, token):
    """Where a roster invitation link lands: sign up (email filled in), then apply."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("program").exclude(program__status="draft"),
        token=token,
    )
    apply_url = reverse(
        "programs:application-create",
        kwargs={"slug": invitation.program.slug, "role": invitation.role},
    )
    if request.user.is_authenticated:
        return redirect(apply_url)
    query = urlencode({"email": invitation.email, "next": apply_url})
    return redirect(f"{reverse('account_signup')}?{query}")


def _staff_landing(invitation: StaffInvitation) -> str:
    """Where an accepted staff role is put to use."""
    if invitation.role == StaffInvitation.Role.COORDINATOR:
        return reverse("admin:programs_program_change", args=[invitation.program_id])
    return reverse("evaluation:program-dashboard", args=[invitation.program_id])


@never_cache
@require_http_methods(["GET", "POST"])
def staff_invitation_accept_view(request, token):
    """Where a staff invitation link lands: signed out, sign in or sign up (and come back);
    signed in with the invited address, accept (POST). Unknown tokens are 404; a used, revoked
    or expired invitation, or another account, is refused with the reason."""
    invitation = staff_invitation_for_token(token=token)
    problem = staff_invitation_problem(invitation=invitation, user=request.user)
    if request.method == "POST" and request.user.is_authenticated and problem is None:
        try:
            staff_invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            problem = exc
        else:
            text = (
                _("You are now a co-coordinator of %(program)s.")
                if invitation.role == StaffInvitation.Role.COORDINATOR
                else _("You are now reporting staff of %(program)s.")
            )
            messages.success(request, text % {"program": invitation.program.name})
            return redirect(_staff_landing(invitation))
    here = request.path
    context = {
        "invitation": invitation,
        "program": invitation.program,
        "problem": " ".join(problem.messages) if problem else "",
        "accepted_by_me": problem is not None
        and problem.code == "accepted"
        and invitation.accepted_by_id == request.user.pk,
        "landing_url": _staff_landing(invitation),
        "signup_url": f"{reverse('account_signup')}?"
        + urlencode({"email": invitation.email, "next": here}),
        "login_url": f"{reverse('account_login')}?" + urlencode({"next": here}),
        "logout_url": f"{reverse('account_logout')}?" + urlencode({"next": here}),
    }
    status = 200 if request.method == "GET" or problem is None else 409
    return render(request, "programs/staff_invitation_accept.html", context, status=status)
