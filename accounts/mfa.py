"""Multi-factor authentication for staff (allauth.mfa).

Everyone may add an authenticator app (allauth's pages under /accounts/2fa/). With
settings.MFA_REQUIRED_FOR_STAFF, a signed-in staff person (superuser, is_staff, or in the
Coordinators or Reporting staff group) without one is sent to set it up before any staff page:
the admin, outcomes, and the views marked `@staff_page` (the reports, training completion and
coordinators' message pages).
Participant pages are never checked, so they cost no query here.
"""

from urllib.parse import urlsplit

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from mentoring.rights import group_names, rights_kept
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP

#: Where the set-up pages send the person once the authenticator is active (a path of ours).
NEXT_SESSION_KEY = "mfa_setup_next"

#: Whole namespaces of staff pages.
STAFF_NAMESPACES = frozenset({"admin", "outcomes"})


def staff_page(view):
    """Mark `view` as a staff page (a page of an app that also serves participants): with
    MFA_REQUIRED_FOR_STAFF, staff without an authenticator app are sent to set one up before
    it. The mark is on the view itself, so the page cannot be renamed or moved out of it."""
    view.staff_page = True
    return view


#: Admin pages that stay open: leaving, and the login page (which sends a signed-in person on).
OPEN_ADMIN_VIEWS = frozenset({"admin:logout", "admin:login"})

REQUIRED_MESSAGE = _(
    "Staff accounts need two-factor authentication. Set up an authenticator app to continue: "
    "you will then be asked for a code from it each time you log in."
)


def is_staff_page(request, match) -> bool:
    if match.view_name in OPEN_ADMIN_VIEWS:
        return False
    if getattr(match.func, "staff_page", False) or set(match.namespaces) & STAFF_NAMESPACES:
        return True
    # Pages mounted under /admin/ outside the admin's namespace (view on site).
    return request.path_info.startswith(reverse("admin:index"))


def is_staff_person(user) -> bool:
    """Superusers and is_staff from the user row; the role groups from the person's groups,
    asked only on a staff page."""
    if user.is_superuser or user.is_staff:
        return True
    return bool(group_names(user) & {COORDINATORS_GROUP, REPORTING_GROUP})


def has_totp(user) -> bool:
    """Kept with the person's rights (mentoring/rights.py): adding or removing an
    authenticator moves their stamp (accounts/rights.py)."""
    return rights_kept(
        user,
        "totp",
        lambda: Authenticator.objects.filter(
            user_id=user.pk, type=Authenticator.Type.TOTP
        ).exists(),
    )


class StaffMFAMiddleware:
    """Sends staff without an authenticator app to set one up (with a message saying why) when
    they open a staff page and settings.MFA_REQUIRED_FOR_STAFF is on; remembers the page so
    the recovery codes page offers to continue there. htmx requests get a 403 with HX-Redirect
    instead of a redirected fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED_FOR_STAFF:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not is_staff_page(request, request.resolver_match):
            return None
        if not is_staff_person(user) or has_totp(user):
            if NEXT_SESSION_KEY in request.session:
                del request.session[NEXT_SESSION_KEY]
            return None
        return self._ask(request)

    def _ask(self, request):
        activate = reverse("mfa_activate_totp")
        messages.warning(request, REQUIRED_MESSAGE)
        if request.headers.get("HX-Request"):
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            self._remember(request, current.path + (f"?{current.query}" if current.query else ""))
            response = HttpResponse(status=403)
            response["HX-Redirect"] = activate
            return response
        if request.method == "GET":
            self._remember(request, request.get_full_path())
        return HttpResponseRedirect(activate)

    def _remember(self, request, path: str) -> None:
        if path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None):
            request.session[NEXT_SESSION_KEY] = path
