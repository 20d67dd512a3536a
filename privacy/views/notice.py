from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from privacy import notice as notices
from privacy.forms import NoticeAcceptForm
from privacy.models import NoticeAcceptance
from privacy.notice import notice_accepted_before, notice_blocks, notice_current


def notice_detail(request):
    """The privacy notice in force, for anyone (signed in or not)."""
    notice = notice_current()
    accepted = None
    if notice is not None and request.user.is_authenticated:
        accepted = NoticeAcceptance.objects.filter(user=request.user, notice=notice).first()
    context = {
        "notice": notice,
        "blocks": notice_blocks(notice.body) if notice else [],
        "accepted": accepted,
    }
    return render(request, "privacy/notice_detail.html", context)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@never_cache
@login_required
def notice_accept(request):
    """Asked before anything else while the person has not accepted the version in force
    (privacy/middleware.py): the notice, what changed since the version they accepted, and a
    required tick. Accepting goes on to where they were going (a safe `next` only)."""
    next_url = _safe_next(request)
    notice = notice_current()
    if notice is None:
        return redirect(next_url)
    form = NoticeAcceptForm(request.POST or None, initial={"notice": notice.pk})
    if request.method == "POST" and form.is_valid():
        try:
            notices.notice_accept(
                user=request.user, notice=form.cleaned_data["notice"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you: you accepted the privacy notice."))
            return redirect(next_url)
    elif (
        request.method == "GET"
        and NoticeAcceptance.objects.filter(user=request.user, notice=notice).exists()
    ):
        return redirect(next_url)
    context = {
        "notice": notice,
        "blocks": notice_blocks(notice.body),
        "changes": notice_blocks(notice.changes)
        if notice.changes and notice_accepted_before(user=request.user, notice=notice)
        else [],
        "form": form,
        "next": next_url,
    }
    return render(
        request,
        "privacy/notice_accept.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
