"""Evaluation copies a program's surveys, settings and questions, to its copy."""

import pytest

from evaluation.models import Survey, SurveyInvitation, SurveyQuestion
from evaluation.services.copying import surveys_copy_to_program
from tests.copying import field_values, non_default_values
from tests.evaluation.helpers import make_application, make_program

pytestmark = pytest.mark.django_db

SKIP = {"program", "created_at"}


def _survey(program, moment: str) -> Survey:
    values = non_default_values(
        Survey, skip=SKIP, overrides={"answer_days": 30, "reminder_days": 7}
    )
    survey = Survey.objects.create(program=program, **{**values, "moment": moment})
    SurveyQuestion.objects.create(
        survey=survey, position=2, text="Confidence", low_label="Low", high_label="High"
    )
    SurveyQuestion.objects.create(
        survey=survey, position=1, text="Pick", kind="multiple_choice", choices="A\nB\nC"
    )
    return survey


def test_each_survey_comes_along_with_its_settings_and_questions():
    source, copy = make_program(), make_program(status="draft")
    originals = [_survey(source, "baseline"), _survey(source, "end")]
    SurveyInvitation.objects.create(
        survey=originals[0], application=make_application(source), due_on="2030-01-01"
    )

    copies = surveys_copy_to_program(source=source, copy=copy)

    assert [s.program for s in copies] == [copy, copy]
    assert [field_values(s, skip=SKIP) for s in copies] == [
        field_values(s, skip=SKIP) for s in originals
    ]
    for copied, original in zip(copies, originals, strict=True):
        assert [field_values(q, skip={"survey"}) for q in copied.questions.all()] == [
            field_values(q, skip={"survey"}) for q in original.questions.all()
        ]
    assert SurveyInvitation.objects.filter(survey__program=copy).count() == 0


def test_a_program_without_surveys_gives_none():
    assert surveys_copy_to_program(source=make_program(), copy=make_program()) == []
