from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from notifications.forms import PreferencesForm
from notifications.models import OPTIONAL_KINDS, Kind
from notifications.rendering import UNSUBSCRIBE_SALT
from notifications.services import preference_set, preferences_for


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, enabled=preferences_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        for kind, enabled in form.cleaned_data.items():
            preference_set(user=request.user, kind=kind, enabled=enabled)
        messages.success(request, _("Your email preferences were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences_edit.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token
def unsubscribe(request, token):
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=60 * 60 * 24 * 365)
        user = get_user_model().objects.get(pk=data["u"])
        kind = data["k"]
    except (signing.BadSignature, KeyError, TypeError, get_user_model().DoesNotExist):
        raise Http404("This unsubscribe link is not valid.") from None
    if kind not in OPTIONAL_KINDS:
        raise Http404("This email cannot be turned off.")
    done = request.method == "POST"
    if done:
        preference_set(user=user, kind=kind, enabled=False)
    if user.language and not getattr(request, "language_in_address", None):
        # The link comes from an email in the person's language; the page follows it even
        # when they are not signed in on this browser.
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()
    return render(
        request, "notifications/unsubscribe.html", {"kind": Kind(kind).label, "done": done}
    )
