from django.urls import re_path
from rest_framework.routers import DefaultRouter

from api import errors, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("programs", views.ProgramViewSet, basename="program")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("matches", views.MatchViewSet, basename="match")
router.register("sessions", views.MeetingViewSet, basename="session")
router.register("session-logs", views.SessionLogViewSet, basename="session-log")
router.register("check-ins", views.CheckInViewSet, basename="check-in")
router.register("survey-responses", views.SurveyResponseViewSet, basename="survey-response")
router.register(
    "anonymous-responses", views.AnonymousResponseViewSet, basename="anonymous-response"
)
router.register("outcome-records", views.OutcomeRecordViewSet, basename="outcome-record")

urlpatterns = [
    *router.urls,
    # Anything else under /api/v1/ answers with the API's error body, not an HTML page.
    re_path(r"^.*$", errors.not_found),
]
