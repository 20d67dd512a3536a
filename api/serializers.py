"""What the API shows of each object, and the shape of what it accepts.

People appear as {id, email, name, institutional_id}. Session logs never carry private notes
(those are another model, never read here); anonymous survey responses carry no identity.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from evaluation.models import AnonymousResponse, CheckIn, SurveyAnswer, SurveyResponse
from matching.models import Match
from programs.models import Application, Invitation, Program, Role
from sessions.models import Meeting, SessionLog

MAX_BATCH = 1000


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    institutional_id = serializers.CharField(allow_null=True)


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id", "name", "slug", "description", "kind", "format", "status",
            "enrollment_opens", "enrollment_closes", "starts_on", "ends_on",
            "created_at", "updated_at",
        ]  # fmt: skip


class ApplicationSerializer(serializers.ModelSerializer):
    person = PersonSerializer(source="user")
    career_stage = serializers.CharField(source="career_stage.name", allow_null=True, default=None)

    class Meta:
        model = Application
        fields = [
            "id", "program", "person", "role", "status", "career_stage", "motivation",
            "decision_reason", "submitted_at", "decided_at",
        ]  # fmt: skip


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DeclineSerializer(DecisionSerializer):
    reason = serializers.CharField(max_length=2000)


class InvitationSerializer(serializers.ModelSerializer):
    career_stage = serializers.CharField(source="career_stage.name", allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = [
            "id", "program", "email", "name", "role", "career_stage", "institutional_id",
            "created_at", "emailed_at", "accepted_at",
        ]  # fmt: skip


class InvitationRowSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    career_stage = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    institutional_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class InvitationBatchSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    invitations = InvitationRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class OutcomeRowSerializer(serializers.Serializer):
    institutional_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    term = serializers.CharField(max_length=32)
    measure = serializers.CharField(max_length=64)
    value = serializers.CharField(max_length=32)
    career_stage = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        if not attrs["institutional_id"] and not attrs["email"]:
            raise serializers.ValidationError(_("Give an institutional_id or an email."))
        return attrs


class OutcomeBatchSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    records = OutcomeRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class OutcomeResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    added = serializers.IntegerField()
    updated = serializers.IntegerField()


class MatchSerializer(serializers.ModelSerializer):
    mentor = PersonSerializer(source="mentor.user")
    mentee = PersonSerializer(source="mentee.user")
    mentor_application = serializers.IntegerField(source="mentor_id")
    mentee_application = serializers.IntegerField(source="mentee_id")

    class Meta:
        model = Match
        fields = [
            "id", "program", "mentor", "mentee", "mentor_application", "mentee_application",
            "status", "origin", "started_at", "ended_at", "end_reason",
        ]  # fmt: skip


class MeetingSerializer(serializers.ModelSerializer):
    mentor = PersonSerializer()
    mentee = PersonSerializer(source="match.mentee.user", allow_null=True, default=None)

    class Meta:
        model = Meeting
        fields = [
            "id", "program", "match", "kind", "title", "mentor", "mentee", "start", "end",
            "status", "cancelled_at", "created_at",
        ]  # fmt: skip


class SessionLogSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="meeting.program_id")
    author = PersonSerializer()
    topics = serializers.SerializerMethodField()

    class Meta:
        model = SessionLog
        fields = [
            "id", "meeting", "program", "author", "outcome", "duration_minutes", "topics",
            "goal_progress", "reflections", "shared_notes", "created_at", "updated_at",
        ]  # fmt: skip

    def get_topics(self, log) -> list[str]:
        return [topic.name for topic in log.topics.all()]


class CheckInSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="match.program_id")
    person = PersonSerializer(source="application.user")

    class Meta:
        model = CheckIn
        fields = [
            "id", "program", "match", "person", "opens_on", "due_on", "score", "met",
            "blocking", "answered_at",
        ]  # fmt: skip


class AnswerSerializer(serializers.ModelSerializer):
    question_text = serializers.CharField(source="question.text")

    class Meta:
        model = SurveyAnswer
        fields = ["question", "question_text", "value"]


class SurveyResponseSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="invitation.survey.program_id")
    survey = serializers.IntegerField(source="invitation.survey_id")
    person = PersonSerializer(source="invitation.application.user")
    answers = AnswerSerializer(many=True)

    class Meta:
        model = SurveyResponse
        fields = ["id", "program", "survey", "person", "submitted_at", "answers"]


class AnonymousResponseSerializer(serializers.ModelSerializer):
    """Nothing here leads back to a person: no account, no invitation, only the week."""

    answers = AnswerSerializer(many=True)

    class Meta:
        model = AnonymousResponse
        fields = ["id", "program", "survey", "moment", "submitted_week", "answers"]
