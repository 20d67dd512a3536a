"""Evaluation's part of copying a program for the next cohort
(`programs.signals.program_copied`)."""

from evaluation.models import Survey, SurveyQuestion
from mentoring.services import model_field_values
from programs.models import Program


def surveys_copy_to_program(*, source: Program, copy: Program) -> list[Survey]:
    """Give `copy` each of `source`'s surveys, with every setting (moment, audience,
    anonymity, whether it is sent, deadline and reminder) and its questions. Nobody is invited:
    invitations follow the copy's own approvals and dates."""
    copies = []
    for survey in source.surveys.prefetch_related("questions"):
        copied = Survey(
            **model_field_values(survey, exclude=["program", "created_at"]), program=copy
        )
        copied.full_clean()
        copied.save()
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(**model_field_values(question, exclude=["survey"]), survey=copied)
            for question in survey.questions.all()
        )
        copies.append(copied)
    return copies
