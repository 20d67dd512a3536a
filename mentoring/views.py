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
from mentoring.models import WorkerHeartbeat
from programs.models import Role
from programs.selectors import (
    application_list_for_user,
    invitations_open_for,
    program_list_open,
)
from sessions.selectors import meetings_upcoming
from training.selectors import CHECKLIST_FIELDS, training_checklists_for_user


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on their own, whatever the page links; send them to the
    icon. Not a permanent redirect: the icon's hashed name changes when the file does."""
    return HttpResponseRedirect(static("favicon.svg"))


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home/landing.html", {"open_programs": program_list_open()[:6]})
    # Each list reads only the columns the page shows.
    applications = list(
        application_list_for_user(user=request.user)
        .select_related(None)
        .select_related("program")
        .only(*CHECKLIST_FIELDS)
    )
    # Only mentors receive requests: nobody else's home page asks.
    is_mentor = any(a.role == Role.MENTOR for a in applications)
    received = requests_received(user=request.user).filter(status="pending")
    applied_to = [a.program_id for a in applications]
    # All their matches, ended ones too: a check-in or a booked session can still be of one.
    every_match = list(match_list_for_user(user=request.user).only("status", *MATCH_NAME_FIELDS))
    matches = [match for match in every_match if match.status == Match.Status.ACTIVE]
    context = {
        "matches": matches,
        "pending_requests": received.count() if is_mentor else 0,
        "invitations": invitations_open_for(user=request.user, applied_to=applied_to),
        "to_answer": pending_for_user(user=request.user, matches=every_match),
        "upcoming_sessions": meetings_upcoming(user=request.user, limit=3, matches=every_match),
        "trainings": training_checklists_for_user(user=request.user, applications=applications),
        "applications": applications,
        "open_programs": program_list_open().exclude(pk__in=applied_to).only("name", "slug")[:5],
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
