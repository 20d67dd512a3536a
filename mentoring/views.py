from datetime import date

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from evaluation.selectors import pending_for_user
from matching.models import Match
from matching.selectors import MATCH_NAME_FIELDS, match_list_for_user, requests_received
from mentoring.compiled import compiled
from mentoring.models import WorkerHeartbeat
from programs.models import Role
from programs.selectors import (
    application_list_for_user,
    invitations_open_for,
    program_list_open,
    programs_open_besides,
)
from sessions.selectors import meetings_upcoming
from training.selectors import CHECKLIST_FIELDS, training_checklists_for_user


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on their own, whatever the page links; send them to the
    icon. Not a permanent redirect: the icon's hashed name changes when the file does."""
    return HttpResponseRedirect(static("favicon.svg"))


# The home page's own reads keep their SQL (`mentoring/compiled.py`): every person opens it.


@compiled
def _applications(*, user):
    """Each list reads only the columns the page shows."""
    return (
        application_list_for_user(user=user)
        .select_related(None)
        .select_related("program")
        .only(*CHECKLIST_FIELDS)
    )


@compiled
def _matches(*, user):
    """All their matches, ended ones too: a check-in or a booked session can still be of one."""
    return match_list_for_user(user=user).only("status", *MATCH_NAME_FIELDS)


@compiled
def _requests_waiting(*, user):
    return requests_received(user=user).filter(status="pending").values("pk")


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home/landing.html", {"open_programs": program_list_open()[:6]})
    applications = _applications(user=request.user)
    # Only mentors receive requests: nobody else's home page asks.
    is_mentor = any(a.role == Role.MENTOR for a in applications)
    applied_to = [a.program_id for a in applications]
    every_match = _matches(user=request.user)
    matches = [match for match in every_match if match.status == Match.Status.ACTIVE]
    context = {
        "matches": matches,
        "pending_requests": _requests_waiting.count(user=request.user) if is_mentor else 0,
        "invitations": invitations_open_for(user=request.user, applied_to=applied_to),
        "to_answer": pending_for_user(user=request.user, matches=every_match),
        "upcoming_sessions": meetings_upcoming(user=request.user, limit=3, matches=every_match),
        "trainings": training_checklists_for_user(user=request.user, applications=applications),
        "applications": applications,
        "open_programs": programs_open_besides(applied_to=applied_to, limit=5),
    }
    return render(request, "home/home.html", context)


@require_safe
def accessibility(request):
    """The accessibility statement public institutions must publish: the standard the site
    meets, how that is checked, what is known not to meet it, and whom to tell."""
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "reviewed": date.fromisoformat(settings.ACCESSIBILITY_STATEMENT_REVIEWED),
        "languages": [name for _code, name in settings.LANGUAGES],
    }
    return render(request, "accessibility.html", context)


@never_cache
def health(request):
    """Liveness for load balancers; staff also see when each worker last checked in."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any failure means unhealthy; the reason goes to the logs, not out
        database = "unavailable"
    body = {"status": "ok" if database == "ok" else "error", "database": database}
    if database == "ok" and request.user.is_authenticated and request.user.is_staff:
        body["workers"] = [
            {"worker": hb.worker, "seen_at": hb.seen_at.isoformat()}
            for hb in WorkerHeartbeat.objects.all()[:20]
        ]
    return JsonResponse(body, status=200 if database == "ok" else 503)
