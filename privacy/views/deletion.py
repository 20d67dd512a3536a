"""/accounts/delete/: what deleting the account does, then the password, then it is done."""

from allauth.core import ratelimit
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.deletion import (
    account_deletion_blockers,
    account_deletion_request,
    active_matches_of,
    erasure_grace,
    open_applications_of,
)
from privacy.forms_deletion import AccountDeleteForm


@login_required
def account_delete(request):
    """The page says what will happen (matches ending, what is erased, what stays as "Deleted
    user"), shows blockers instead of the form while any stands, and asks for the password.
    On success the person is signed out and told the date of the erasure."""
    user = request.user
    blockers = account_deletion_blockers(user=user)
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and not blockers:
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            form.add_error(None, _("Too many attempts. Please wait a minute and try again."))
        elif form.is_valid():
            try:
                erasure = account_deletion_request(user=user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                logout(request)
                return render(request, "privacy/account_delete_done.html", {"erasure": erasure})
    matches = list(active_matches_of(user=user))
    for match in matches:
        match.is_mentor_side = match.mentor.user_id == user.pk
        match.partner = match.mentee.user if match.is_mentor_side else match.mentor.user
    context = {
        "form": form,
        "blockers": blockers,
        "matches": matches,
        "applications": list(open_applications_of(user=user)),
        "due_at": timezone.now() + erasure_grace(),
        "grace_days": erasure_grace().days,
        "data_url": reverse("privacy:data"),
    }
    refused = bool(blockers) and request.method == "POST"
    return render(request, "privacy/account_delete.html", context, status=403 if refused else 200)
