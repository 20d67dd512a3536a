from allauth.account import app_settings as allauth_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.services import user_update_profile


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


def email_confirmed(request):
    """Where a confirmation link ends when allauth could not sign the person in: it does so
    only in the browser session that signed up, within its login timeout."""
    if request.user.is_authenticated:
        return redirect("home")
    minutes = allauth_settings.LOGIN_TIMEOUT // 60
    return render(request, "accounts/email_confirmed.html", {"minutes": minutes})
