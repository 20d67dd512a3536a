from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from privacy.notice import SESSION_KEY, notice_memo_get, notice_status

#: Views a signed-in person reaches without accepting the current notice: the notice itself,
#: leaving (log out, delete the account) and their other rights (their data, consent), the
#: email confirmation and password reset flow, the accessibility statement and the language
#: chooser (a notice must be readable in one's own language), and endpoints that are not
#: pages (health, calendar feeds, unsubscribe links in emails).
EXEMPT_VIEWS = frozenset(
    {
        "privacy:notice",
        "privacy:notice-accept",
        "privacy:settings",
        "privacy:data",
        "privacy:data-download",
        "privacy:delete",
        "account_logout",
        "account_inactive",
        "account_reauthenticate",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "accounts:email-confirmed",
        "admin:logout",
        "health",
        "favicon",
        "accessibility",
        "accounts:language",
        "sessions:feed",
        "notifications:unsubscribe",
    }
)


class NoticeAcceptanceMiddleware:
    """A signed-in person who has not accepted the privacy notice in force is asked to before
    anything else: every other page redirects to /privacy/accept/?next=<where they were going>
    (the admin too). An htmx request gets a 403 with HX-Redirect instead of a redirected
    fragment, and an API call made with the browser's session a JSON 403 saying where to
    accept (a token-authenticated call is not a signed-in browser and is not asked). With no
    notice published, nothing is asked and nothing is queried; once the person's acceptance
    is known it is remembered in their session (privacy/notice.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.skip_prefixes = tuple(
            prefix
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL)
            if prefix not in ("", "/")
        )

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        known = notice_memo_get()
        if known == 0:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.resolver_match.view_name in EXEMPT_VIEWS:
            return None
        if self.skip_prefixes and request.path_info.startswith(self.skip_prefixes):
            return None
        if known is not None and request.session.get(SESSION_KEY) == known:
            return None
        current, accepted = notice_status(user=user)
        if current is None:
            return None
        if accepted:
            request.session[SESSION_KEY] = current
            return None
        return self._ask(request)

    def _ask(self, request):
        accept = reverse("privacy:notice-accept")
        if "api" in request.resolver_match.namespaces:
            # A program calling the API with a browser's session reads JSON, not a page: the
            # API's error shape, saying where to accept.
            message = _("Accept the privacy notice before using the API: %(url)s") % {
                "url": request.build_absolute_uri(accept)
            }
            return JsonResponse(
                {"error": {"code": "privacy_notice_not_accepted", "message": message}},
                status=403,
            )
        if request.headers.get("HX-Request"):
            # htmx would swap the accept page into a fragment; tell it to go there instead.
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = current.path + (f"?{current.query}" if current.query else "")
            response = HttpResponse(status=403)
            response["HX-Redirect"] = f"{accept}?{urlencode({'next': back or '/'})}"
            return response
        return HttpResponseRedirect(f"{accept}?{urlencode({'next': request.get_full_path()})}")
