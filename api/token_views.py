"""Pages where staff manage their personal access tokens, and the API's documentation page."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.forms import TokenCreateForm
from api.selectors import api_user_allowed, tokens_for_user
from api.services import token_create, token_revoke


def _staff_only(user) -> None:
    if not api_user_allowed(user=user):
        raise PermissionDenied(_("API tokens are for program coordinators and reporting staff."))


@never_cache
@login_required
def token_list(request):
    """List the person's tokens and create one; a new token's secret is shown on this
    response only."""
    _staff_only(request.user)
    secret = created = None
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            day = form.cleaned_data["expires_on"]
            expires_at = timezone.make_aware(
                dt.datetime.combine(day, dt.time.max), timezone.get_current_timezone()
            )
            created, secret = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=expires_at,
            )
            form = TokenCreateForm()
    else:
        form = TokenCreateForm()
    context = {
        "form": form,
        "tokens": tokens_for_user(user=request.user),
        "created": created,
        "secret": secret,
        "now": timezone.now(),
    }
    return render(request, "api/token_list.html", context)


@require_POST
@login_required
def token_revoke_view(request, pk):
    _staff_only(request.user)
    token = get_object_or_404(tokens_for_user(user=request.user), pk=pk)
    if token_revoke(token=token):
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api-tokens:list")


def docs(request):
    """Swagger UI over /api/schema/, from static files only (static/js/api-docs.js)."""
    return render(request, "api/docs.html")
