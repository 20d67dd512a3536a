"""The REST API, version 1: reads scoped like the admin, writes through the same services.

Every list is cursor-paginated in id order with a fixed number of queries per page, and takes
?program=, ?since= and ?until= (see api/filters.py).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import serializers as s
from api.errors import error_response
from api.filters import list_filter, list_parameters
from api.selectors import programs_readable, programs_writable
from api.writes import invitations_create, outcome_records_upsert
from evaluation.models import AnonymousResponse, CheckIn, SurveyAnswer, SurveyResponse
from matching.models import Match
from programs.models import Application, Invitation, Program
from programs.screening import ScreeningIncomplete
from programs.services import application_decide
from sessions.models import Meeting, SessionLog


class ScopedReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rows of the programs the person may read; anything else is 404."""

    program_path = "program"
    date_field = "created_at"
    date_is_datetime = True

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        programs = programs_readable(user=self.request.user)
        rows = self.base_queryset().filter(**{f"{self.program_path}__in": programs.values("pk")})
        if self.action == "list":
            rows = list_filter(
                rows,
                request=self.request,
                program_path=self.program_path,
                date_field=self.date_field,
                is_datetime=self.date_is_datetime,
            )
        return rows


def _scoped(viewset, date_field):
    """The list's filters in the schema."""
    return extend_schema_view(list=extend_schema(parameters=list_parameters(date_field)))(viewset)


class ProgramViewSet(ScopedReadViewSet):
    queryset = Program.objects.all()
    serializer_class = s.ProgramSerializer
    program_path = "pk"


class ApplicationViewSet(ScopedReadViewSet):
    queryset = Application.objects.select_related("user", "career_stage")
    serializer_class = s.ApplicationSerializer
    date_field = "submitted_at"

    def _decide(self, request, pk, status_value, serializer_class):
        application = self.get_object()
        if not programs_writable(user=request.user).filter(pk=application.program_id).exists():
            raise PermissionDenied(_("Only the program's coordinators can decide applications."))
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            application = application_decide(
                application=application,
                status=status_value,
                by=request.user,
                reason=body.validated_data["reason"],
            )
        except ScreeningIncomplete as refusal:
            return error_response(
                status_code=status.HTTP_409_CONFLICT,
                code="screening_incomplete",
                message=" ".join(refusal.messages),
            )
        application = self.base_queryset().get(pk=application.pk)
        return Response(self.get_serializer(application).data)

    @extend_schema(request=s.DecisionSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, Application.Status.APPROVED, s.DecisionSerializer)

    @extend_schema(request=s.DecisionSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def waitlist(self, request, pk=None):
        return self._decide(request, pk, Application.Status.WAITLISTED, s.DecisionSerializer)

    @extend_schema(request=s.DeclineSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._decide(request, pk, Application.Status.DECLINED, s.DeclineSerializer)


class MatchViewSet(ScopedReadViewSet):
    queryset = Match.objects.select_related("mentor__user", "mentee__user")
    serializer_class = s.MatchSerializer
    date_field = "started_at"


class MeetingViewSet(ScopedReadViewSet):
    queryset = Meeting.objects.select_related("mentor", "match__mentee__user")
    serializer_class = s.MeetingSerializer
    date_field = "start"


class SessionLogViewSet(ScopedReadViewSet):
    queryset = SessionLog.objects.select_related("meeting", "author").prefetch_related("topics")
    serializer_class = s.SessionLogSerializer
    program_path = "meeting__program"


class CheckInViewSet(ScopedReadViewSet):
    queryset = CheckIn.objects.select_related("match", "application__user")
    serializer_class = s.CheckInSerializer
    program_path = "match__program"
    date_field = "due_on"
    date_is_datetime = False


_ANSWERS = Prefetch("answers", SurveyAnswer.objects.select_related("question").order_by("pk"))


class SurveyResponseViewSet(ScopedReadViewSet):
    queryset = SurveyResponse.objects.select_related(
        "invitation__survey", "invitation__application__user"
    ).prefetch_related(_ANSWERS)
    serializer_class = s.SurveyResponseSerializer
    program_path = "invitation__survey__program"
    date_field = "submitted_at"


class AnonymousResponseViewSet(ScopedReadViewSet):
    queryset = AnonymousResponse.objects.prefetch_related(_ANSWERS)
    serializer_class = s.AnonymousResponseSerializer
    date_field = "submitted_week"
    date_is_datetime = False


class InvitationViewSet(ScopedReadViewSet, mixins.CreateModelMixin):
    queryset = Invitation.objects.select_related("career_stage")
    serializer_class = s.InvitationSerializer

    @extend_schema(
        request=s.InvitationBatchSerializer, responses={201: s.InvitationSerializer(many=True)}
    )
    def create(self, request, *args, **kwargs):
        return invitations_create(request)


class OutcomeRecordViewSet(viewsets.GenericViewSet):
    serializer_class = s.OutcomeBatchSerializer

    @extend_schema(request=s.OutcomeBatchSerializer, responses=s.OutcomeResultSerializer)
    def create(self, request, *args, **kwargs):
        return outcome_records_upsert(request)


ProgramViewSet = _scoped(ProgramViewSet, "created_at")
ApplicationViewSet = _scoped(ApplicationViewSet, "submitted_at")
MatchViewSet = _scoped(MatchViewSet, "started_at")
MeetingViewSet = _scoped(MeetingViewSet, "start")
SessionLogViewSet = _scoped(SessionLogViewSet, "created_at")
CheckInViewSet = _scoped(CheckInViewSet, "due_on")
SurveyResponseViewSet = _scoped(SurveyResponseViewSet, "submitted_at")
AnonymousResponseViewSet = _scoped(AnonymousResponseViewSet, "submitted_week")
InvitationViewSet = _scoped(InvitationViewSet, "created_at")
