"""An anonymous answer cannot be traced to its author: not by a field, a relation, a join,
a timestamp or the order of ids."""

import uuid
from datetime import date

import pytest
from django.db import connection

from evaluation.models import (
    AnonymousResponse,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from evaluation.services import survey_answer, survey_invitations_for_approval
from programs.models import Program
from tests.evaluation.helpers import make_application, make_program, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    """Three people answer an anonymous survey (one answer each) on different days."""
    program = make_program()
    make_survey(
        program,
        anonymous=True,
        questions=[("Mood", "likert"), ("Anything else?", "text", {"required": False})],
    )
    people = [
        make_application(program, user__display_name=name, user__email=f"{name}@example.org")
        for name in ("ana", "ben", "chloe")
    ]
    invitations = []
    for day, person in enumerate(people, start=3):
        [invitation] = survey_invitations_for_approval(application=person)
        mood, note = invitation.survey.questions.all()
        survey_answer(
            invitation=invitation,
            answers={mood.pk: day - 1, note.pk: f"note {day}"},
            today=date(2025, 3, day),
        )
        invitations.append(invitation)
    return {"people": people, "invitations": invitations}


def _related_models(model) -> set:
    return {f.related_model for f in model._meta.get_fields() if f.is_relation}


def test_anonymous_responses_relate_only_to_the_survey_the_program_and_their_answers():
    assert _related_models(AnonymousResponse) == {Survey, Program, SurveyAnswer}
    assert _related_models(SurveyAnswer) == {SurveyResponse, AnonymousResponse, SurveyQuestion}


def _columns(model) -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {column.name for column in description}


def test_the_tables_have_no_column_that_could_name_or_time_the_respondent():
    assert _columns(AnonymousResponse) == {
        "id",
        "survey_id",
        "program_id",
        "moment",
        "submitted_week",
    }
    assert _columns(SurveyAnswer) == {
        "id",
        "response_id",
        "anonymous_response_id",
        "question_id",
        "value",
        "number",
    }
    # The invitation records that its person answered, never when.
    assert _columns(SurveyInvitation) == {
        "id",
        "survey_id",
        "application_id",
        "meeting_id",
        "created_at",
        "due_on",
        "completed",
    }


def test_no_identity_is_reachable_from_anonymous_rows(answered):
    rows = [
        *AnonymousResponse.objects.values(),
        *SurveyAnswer.objects.values(),
    ]
    text = repr(rows)

    for person in answered["people"]:
        user = person.user
        for secret in (user.email, user.display_name, "ana", "ben", "chloe"):
            assert secret not in text
    assert {row["response_id"] for row in SurveyAnswer.objects.values()} == {None}
    assert SurveyResponse.objects.count() == 0


def test_the_only_date_kept_is_the_week_and_all_three_share_it(answered):
    assert (
        list(AnonymousResponse.objects.values_list("submitted_week", flat=True))
        == [date(2025, 3, 3)] * 3
    )


def test_completing_an_invitation_changes_nothing_but_its_completed_flag(answered):
    program = answered["people"][0].program
    person = make_application(program)
    [invitation] = survey_invitations_for_approval(application=person)
    before = SurveyInvitation.objects.filter(pk=invitation.pk).values().get()
    mood, _ = invitation.survey.questions.all()

    survey_answer(invitation=invitation, answers={mood.pk: 5})

    after = SurveyInvitation.objects.filter(pk=invitation.pk).values().get()
    assert {k for k in after if after[k] != before[k]} == {"completed"}


def test_ids_are_random_so_their_order_does_not_tell_the_order_of_answers(answered):
    ids = list(AnonymousResponse.objects.values_list("id", flat=True))
    answer_ids = list(SurveyAnswer.objects.values_list("id", flat=True))

    assert {i.version for i in ids + answer_ids} == {4}
    assert all(isinstance(i, uuid.UUID) for i in ids)
    # Default ordering and exports sort by week, then by this random id.
    assert list(AnonymousResponse.objects.values_list("id", flat=True)) == sorted(ids)
