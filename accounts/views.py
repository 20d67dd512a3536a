from functools import partial
from pathlib import PurePosixPath

from allauth.account import app_settings as allauth_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import ProfileAboutForm, ProfileForm, ProfilePhotoForm
from accounts.models import Profile
from accounts.permissions import photo_for_viewer, profile_card_for_viewer
from accounts.selectors import photo_url
from accounts.services import (
    profile_photo_remove,
    profile_photo_set,
    profile_update,
    user_language_set,
    user_update_profile,
)
from mentoring.middleware import language_cookie_set, language_supported
from mentoring.submit import form_save


def _profile_page(request, *, status=200, **forms):
    """The profile page: the account's name and time zone, the profile's text and its photo,
    each a form of its own; `forms` are bound ones to show again with their errors."""
    user = request.user
    profile = Profile.objects.filter(user=user).first()
    form = forms.get("form") or ProfileForm(instance=user)
    context = {
        "form": form,
        "about_form": forms.get("about_form") or ProfileAboutForm.for_profile(profile),
        "photo_form": forms.get("photo_form") or ProfilePhotoForm(),
        "photo_url": photo_url(profile) if profile and profile.photo else "",
        "profile_visibility": user.get_profile_visibility_display(),
        "photo_visibility": user.get_photo_visibility_display(),
    }
    return render(request, "accounts/profile_edit.html", context, status=status)


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            time_zone=form.cleaned_data["time_zone"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return _profile_page(request, form=form)


@login_required
@require_POST
def profile_about(request):
    """Save the profile's text. A refused form shows the page again with the errors, nothing
    saved."""
    form = ProfileAboutForm(request.POST)
    save = partial(profile_update, user=request.user)
    if form_save(request, form, save, success=_("Your profile was saved.")):
        return redirect("accounts:profile")
    messages.error(request, _("Your profile was not saved: see the form below."))
    return _profile_page(request, about_form=form, status=400)


@login_required
@require_POST
def profile_photo(request):
    """Store a new photo (checked, shrunk and stripped of its metadata by the service). A
    refused file shows the page again with the reason; the old photo stays."""
    form = ProfilePhotoForm(request.POST, request.FILES)

    def save(photo):
        profile_photo_set(user=request.user, upload=photo)

    if form_save(request, form, save, success=_("Your photo was saved."), field="photo"):
        return redirect("accounts:profile")
    messages.error(request, _("Your photo was not saved: see the form below."))
    return _profile_page(request, photo_form=form, status=400)


@login_required
@require_POST
def profile_photo_delete(request):
    profile_photo_remove(user=request.user)
    messages.success(request, _("Your photo was removed."))
    return redirect("accounts:profile")


@login_required
@require_GET
def person_detail(request, pk):
    """A person's profile, for those their visibility settings let see it (404 otherwise)."""
    card = profile_card_for_viewer(viewer=request.user, pk=pk)
    return render(request, "accounts/person_detail.html", {"card": card})


@login_required
@require_GET
def person_photo(request, pk):
    """A person's photo, for those their visibility settings let see it (404 otherwise). The
    browser may keep it but asks again each time (no-cache), so a photo hidden or replaced
    since is not shown from its cache; an unchanged one costs a 304."""
    profile = photo_for_viewer(viewer=request.user, pk=pk)
    etag = f'"{PurePosixPath(profile.photo.name).stem}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        try:
            handle = profile.photo.open("rb")
        except OSError:
            raise Http404("No such photo.") from None
        response = FileResponse(handle, content_type="image/jpeg")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def email_confirmed(request):
    """Where a confirmation link ends when allauth could not sign the person in: it does so
    only in the browser session that signed up, within its login timeout."""
    if request.user.is_authenticated:
        return redirect("home")
    minutes = allauth_settings.LOGIN_TIMEOUT // 60
    return render(request, "accounts/email_confirmed.html", {"minutes": minutes})


@require_POST
def language_set(request):
    """The language chooser: remembered in a cookie, and on the account of a signed-in person
    (so the emails workers send them are in it too). Back to the page the person was on."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    code = language_supported(request.POST.get("language"))
    if code is None:
        messages.error(request, _("That language is not offered. Nothing was changed."))
        return redirect(back)
    translation.activate(code)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=code)
    response = redirect(back)
    language_cookie_set(response, code)
    return response
