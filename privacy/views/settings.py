from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.visibility import user_visibility_update
from privacy.forms import ConsentForm, VisibilityForm
from programs.consent import records_consent_set, records_consents_for_user
from programs.models import Program, RecordsConsent


def _consent_programs(user):
    """Programs the person applied to that use academic records only with consent."""
    return (
        Program.objects.filter(records_consent_required=True, applications__user=user)
        .distinct()
        .order_by("name")
    )


@login_required
def privacy_settings(request):
    """Consent per program, who sees my details, and the ways to my data and deletion."""
    visibility_form = VisibilityForm(instance=request.user)
    if request.method == "POST" and request.POST.get("form") == "consent":
        return _consent_post(request)
    if request.method == "POST":
        visibility_form = VisibilityForm(request.POST, instance=request.user)
        if visibility_form.is_valid():
            user_visibility_update(user=request.user, **visibility_form.cleaned_data)
            messages.success(request, _("Your visibility settings were saved."))
            return redirect("privacy:settings")
    programs = list(_consent_programs(request.user))
    decisions = records_consents_for_user(user=request.user, programs=programs)
    context = {
        "consents": [(program, decisions.get(program.pk)) for program in programs],
        "visibility_form": visibility_form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/settings.html", context, status=status)


def _consent_post(request):
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That consent change could not be read; nothing was changed."))
        return redirect("privacy:settings")
    program = _consent_programs(request.user).filter(pk=form.cleaned_data["program"]).first()
    if program is None:
        raise Http404("No such program.")
    granted = form.cleaned_data["granted"]
    records_consent_set(
        program=program,
        user=request.user,
        granted=granted,
        source=RecordsConsent.Source.SETTINGS,
    )
    if granted:
        text = _("You consented: %(program)s may use your academic records to measure its impact.")
    else:
        text = _(
            "You withdrew your consent: %(program)s will no longer use your academic records "
            "in its analyses."
        )
    messages.success(request, text % {"program": program.name})
    return redirect("privacy:settings")
