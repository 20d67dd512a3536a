"""Copying a program for the next cohort takes every setting along, the ones other apps own
included (they copy theirs on `program_copied`)."""

from datetime import date

import pytest
from django.urls import reverse

from evaluation.models import Survey, SurveyQuestion
from matching.models import MatchingConfig
from programs.models import CareerStage, Goal, Program, Question, ScreeningItem, Topic
from programs.services import program_copy
from programs.signals import program_copied
from sessions.models import SessionGuide
from tests.copying import field_values, non_default_values, settings_fields
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The Program fields deliberately not copied, and what the copy has instead. Every other
# field is a setting and must come along: a field added later fails the test until copied.
NOT_COPIED = {
    "id",
    "name",  # given for the copy
    "slug",  # given for the copy
    "status",  # draft
    "enrollment_opens",  # dates belong to one cohort and are set again
    "enrollment_closes",
    "starts_on",
    "ends_on",
    "copied_from",  # the source
    "closed_at",  # history of this cohort: when it closed, when it was anonymised
    "anonymised_at",
    "created_at",
    "updated_at",
}
PROGRAM_OVERRIDES = {
    "reminder_hours": "48,6,2",
    "outcome_terms": "2026-spring\n2026-fall\n2027-spring",
    "outcome_first_term": "2026-fall",
}
SURVEY_OVERRIDES = {"answer_days": 21, "reminder_days": 5}


def _source() -> Program:
    """A running program whose every setting, in every app, differs from the default."""
    source = Program(
        name="Career Connect 2025",
        slug="career-connect-2025",
        status=Program.Status.RUNNING,
        enrollment_opens=date(2025, 1, 6),
        enrollment_closes=date(2025, 1, 31),
        starts_on=date(2025, 2, 3),
        ends_on=date(2025, 6, 27),
        **non_default_values(Program, skip=NOT_COPIED, overrides=PROGRAM_OVERRIDES),
    )
    source.full_clean()
    source.save()
    source.coordinators.set([UserFactory(is_staff=True), UserFactory(is_staff=True)])
    source.reporting_staff.set([UserFactory(is_staff=True)])
    for name in ("Careers", "Research"):
        Topic.objects.create(program=source, name=name)
    Goal.objects.create(program=source, name="Find an internship")
    for position, name in [(0, "First-year"), (1, "Final-year"), (2, "Graduate")]:
        CareerStage.objects.create(program=source, name=name, position=position)
    Question.objects.create(
        program=source,
        text="Which lab are you in?",
        help_text="As on your card.",
        kind=Question.Kind.SINGLE_CHOICE,
        choices="Physics\nChemistry",
        required=False,
        audience="mentors",
        is_selection_criterion=True,
        position=2,
    )
    Question.objects.create(
        program=source, text="Years of experience", kind="number", min_value=0, max_value=40
    )
    ScreeningItem.objects.create(
        program=source, label="Reference checked", audience="mentors", position=3
    )
    ScreeningItem.objects.create(program=source, label="Interview held")
    SessionGuide.objects.create(
        program=source,
        number=2,
        title="Study skills",
        objectives="A plan",
        activities="Swap timetables",
        reflection_prompts="What will you try?\nWhat gets in the way?",
    )
    config = MatchingConfig(program=source, **non_default_values(MatchingConfig, skip={"program"}))
    config.full_clean()
    config.save()
    for moment in ("baseline", "end"):
        _survey(source, moment)
    return source


def _survey(program: Program, moment: str) -> Survey:
    values = non_default_values(Survey, skip={"program", "created_at"}, overrides=SURVEY_OVERRIDES)
    survey = Survey.objects.create(program=program, **{**values, "moment": moment})
    SurveyQuestion.objects.create(
        survey=survey,
        position=1,
        text="I know where to find help.",
        help_text="Think of this term.",
        kind="likert",
        required=False,
        low_label="Not at all",
        high_label="Completely",
    )
    SurveyQuestion.objects.create(
        survey=survey, position=2, text="Hours a week", kind="number", min_value=0, max_value=60
    )
    SurveyQuestion.objects.create(
        survey=survey, position=3, text="Favourite part", kind="single_choice", choices="A\nB"
    )
    return survey


def _rows(queryset, parent: str) -> list[dict]:
    return [field_values(row, skip={parent}) for row in queryset.all()]


def test_the_source_has_every_setting_off_its_default():
    source = _source()
    for model, obj, skip in [
        (Program, source, NOT_COPIED),
        (MatchingConfig, source.matching_config, {"program"}),
        (Survey, source.surveys.first(), {"program", "created_at"}),
    ]:
        left_default = [
            f.name
            for f in settings_fields(model, skip=skip)
            if f.value_from_object(obj) == f.get_default()
        ]
        assert (model.__name__, left_default) == (model.__name__, [])


def test_copy_takes_every_program_field_but_identity_status_and_dates():
    source = _source()

    copy = program_copy(program=source, name="Career Connect 2026", slug="career-connect-2026")

    copy = Program.objects.get(pk=copy.pk)
    assert field_values(copy, skip=NOT_COPIED) == field_values(source, skip=NOT_COPIED)
    assert {f: getattr(copy, f) for f in ["name", "slug", "status", "copied_from"]} == {
        "name": "Career Connect 2026",
        "slug": "career-connect-2026",
        "status": "draft",
        "copied_from": source,
    }
    dates = ["enrollment_opens", "enrollment_closes", "starts_on", "ends_on"]
    assert [getattr(copy, f) for f in dates] == [None, None, None, None]


def test_copy_takes_people_vocabulary_and_questions():
    source = _source()
    by = UserFactory(is_staff=True)

    copy = program_copy(program=source, name="Career Connect 2026", by=by)

    assert set(copy.coordinators.all()) == {*source.coordinators.all(), by}
    assert list(copy.reporting_staff.all()) == list(source.reporting_staff.all())
    for model in (Topic, Goal, CareerStage, Question, ScreeningItem):
        mine, theirs = model.objects.filter(program=copy), model.objects.filter(program=source)
        assert (model.__name__, _rows(mine, "program")) == (
            model.__name__,
            _rows(theirs, "program"),
        )
    assert copy.slug == "career-connect-2026"


def test_copy_takes_the_settings_other_apps_own():
    source = _source()

    copy = program_copy(program=source, name="Career Connect 2026")

    assert field_values(copy.matching_config, skip={"program"}) == field_values(
        source.matching_config, skip={"program"}
    )
    theirs = list(source.surveys.order_by("pk"))
    mine = list(copy.surveys.order_by("pk"))
    skip = {"program", "created_at"}
    assert [field_values(s, skip=skip) for s in mine] == [
        field_values(s, skip=skip) for s in theirs
    ]
    for survey, original in zip(mine, theirs, strict=True):
        assert _rows(survey.questions, "survey") == _rows(original.questions, "survey")
    assert source.surveys.get(moment="baseline").questions.count() == 3
    assert _rows(copy.session_guides, "program") == _rows(source.session_guides, "program")
    assert copy.session_guides.count() == 1


def test_copy_of_a_program_with_default_settings_elsewhere_adds_none():
    source = Program.objects.create(name="Plain", slug="plain")

    copy = program_copy(program=source, name="Plain again")

    assert not MatchingConfig.objects.filter(program=copy).exists()
    assert not copy.surveys.exists()


def test_a_failing_receiver_undoes_the_whole_copy():
    source = _source()

    def refuse(sender, source, copy, **kwargs):
        assert MatchingConfig.objects.filter(program=copy).exists()  # sent after the others
        raise RuntimeError("no")

    program_copied.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(RuntimeError):
            program_copy(program=source, name="Never", slug="never")
    finally:
        program_copied.disconnect(dispatch_uid="test.refuse")
    assert not Program.objects.filter(slug="never").exists()
    assert MatchingConfig.objects.count() == 1
    assert Survey.objects.count() == 2


def test_admin_copy_action_copies_every_app_s_settings(client):
    source = _source()
    coordinator = source.coordinators.first()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:programs_program_changelist"),
        {"action": "copy_for_next_cohort", "_selected_action": [source.pk]},
    )

    copy = Program.objects.get(copied_from=source)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:programs_program_change", args=[copy.pk])
    assert (copy.name, copy.slug, copy.reminder_hours) == (
        "Career Connect 2025 (copy)",
        "career-connect-2025-copy",
        "48,6,2",
    )
    assert coordinator in copy.coordinators.all()
    assert copy.matching_config.algorithm == source.matching_config.algorithm
    assert copy.surveys.count() == 2
