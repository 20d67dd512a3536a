from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from relationships.forms import AgreementForm, agreement_initial
from relationships.panels import agreement_context
from relationships.permissions import certificate_application_for_owner, match_for_participant
from relationships.selectors import certificate_status
from relationships.services import agreement_save


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


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
            _add_errors(form, exc)
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
