"""The survey builder and evaluation lists in the admin, scoped to the coordinator's programs."""

import pytest
from django.urls import reverse

from evaluation.models import Survey, SurveyInvitation
from evaluation.services import (
    risk_flags_refresh,
    survey_answer,
    survey_invitations_for_approval,
)
from tests.evaluation.helpers import (
    make_application,
    make_coordinator,
    make_pair,
    make_program,
    make_survey,
)

pytestmark = pytest.mark.django_db


def _survey_form(program, **overrides) -> dict:
    data = {
        "program": program.pk,
        "title": "Where you start",
        "intro": "Five minutes.",
        "moment": "baseline",
        "audience": "both",
        "is_active": "on",
        "answer_days": "14",
        "reminder_days": "3",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-position": "1",
        "questions-0-kind": "likert",
        "questions-0-required": "on",
        "questions-0-text": "I feel confident about my studies.",
        "questions-0-low_label": "Strongly disagree",
        "questions-0-high_label": "Strongly agree",
        "questions-1-position": "2",
        "questions-1-kind": "single_choice",
        "questions-1-text": "How do you prefer to meet?",
        "questions-1-choices": "Online\nIn person",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinator_and_programs():
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    return make_coordinator(mine), mine, theirs


def test_coordinator_builds_a_survey_with_questions(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)

    response = client.post(reverse("admin:evaluation_survey_add"), _survey_form(mine))

    assert response.status_code == 302
    survey = Survey.objects.get()
    assert (survey.program, survey.moment, survey.anonymous) == (mine, "baseline", False)
    assert list(survey.questions.values_list("text", "kind", "required", "low_label")) == [
        ("I feel confident about my studies.", "likert", True, "Strongly disagree"),
        ("How do you prefer to meet?", "single_choice", False, ""),
    ]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"questions-1-choices": "Online"}, "Give at least two choices, one per line."),
        ({"reminder_days": "14"}, "The reminder must come before the due date."),
        (
            {
                "questions-0-kind": "number",
                "questions-0-min_value": "5",
                "questions-0-max_value": "1",
            },
            "The largest answer must not be below the smallest.",
        ),
    ],
)
def test_survey_builder_refuses_incoherent_settings(
    client, coordinator_and_programs, overrides, error
):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)

    response = client.post(reverse("admin:evaluation_survey_add"), _survey_form(mine, **overrides))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert Survey.objects.count() == 0


def test_a_survey_cannot_be_put_in_another_coordinators_program(client, coordinator_and_programs):
    coordinator, _, theirs = coordinator_and_programs
    client.force_login(coordinator)

    response = client.post(reverse("admin:evaluation_survey_add"), _survey_form(theirs))

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Survey.objects.count() == 0


def test_other_programs_surveys_and_flags_are_hidden_and_404(client, coordinator_and_programs):
    coordinator, mine, theirs = coordinator_and_programs
    make_survey(mine, title="My survey")
    their_survey = make_survey(theirs, title="Their survey")
    their_pair = make_pair(make_program(no_session_alert_days=30), days_ago=40)
    their_pair.program.coordinators.clear()
    risk_flags_refresh(program=their_pair.program)
    client.force_login(coordinator)

    listed = client.get(reverse("admin:evaluation_survey_changelist")).context["cl"].result_list
    assert [s.title for s in listed] == ["My survey"]
    change = reverse("admin:evaluation_survey_change", args=[their_survey.pk])
    assert client.get(change).status_code == 404
    flags = client.get(reverse("admin:evaluation_riskflag_changelist")).context["cl"]
    assert list(flags.result_list) == []


def test_send_now_action_invites_approved_participants(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    survey = make_survey(mine, moment="mid")
    make_application(mine, "mentee")
    make_application(mine, "mentor")
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:evaluation_survey_changelist"),
        {"action": "send_now", "_selected_action": [survey.pk]},
        follow=True,
    )

    assert "2 invitation(s) sent." in [str(m) for m in response.context["messages"]]
    assert SurveyInvitation.objects.filter(survey=survey).count() == 2


def test_copy_as_end_action_makes_the_end_twin(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    survey = make_survey(mine, title="Outlook")
    client.force_login(coordinator)

    client.post(
        reverse("admin:evaluation_survey_changelist"),
        {"action": "copy_as_end", "_selected_action": [survey.pk]},
    )

    copy = Survey.objects.get(moment="end")
    assert (copy.title, copy.is_active, copy.questions.count()) == (
        "Outlook (end of program)",
        False,
        1,
    )


def test_answered_surveys_freeze_their_questions_and_anonymity(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    survey = make_survey(mine)
    [invitation] = survey_invitations_for_approval(application=make_application(mine))
    survey_answer(invitation=invitation, answers={survey.questions.get().pk: 4})
    client.force_login(coordinator)

    response = client.get(reverse("admin:evaluation_survey_change", args=[survey.pk]))

    admin_form = response.context["adminform"]
    assert set(admin_form.readonly_fields) == {"program", "moment", "audience", "anonymous"}
    [inline] = response.context["inline_admin_formsets"]
    assert (inline.has_add_permission, inline.has_change_permission) == (False, False)
