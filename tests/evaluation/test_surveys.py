"""Survey invitations at each moment, and answering them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db.models import RestrictedError
from django.utils import timezone

from evaluation.models import (
    AnonymousResponse,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from evaluation.services import (
    moment_dates,
    session_logged,
    survey_answer,
    survey_copy,
    survey_invitations_for_approval,
    survey_send,
    surveys_send_scheduled,
)
from notifications.models import Notification
from programs.services import application_decide
from tests.evaluation.helpers import (
    make_application,
    make_log,
    make_meeting,
    make_pair,
    make_program,
    make_survey,
)

pytestmark = pytest.mark.django_db


def _notifications(kind: str) -> list[tuple]:
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("subject_id")
        .values_list("subject_id", "recipient_id", "due_at", "status")
    )


def test_approval_invites_to_active_baseline_surveys_for_the_applicants_role():
    program = make_program()
    for_all = make_survey(program, title="All", audience="both")
    for_mentees = make_survey(program, title="Mentees", audience="mentees", answer_days=10)
    make_survey(program, title="Mentors", audience="mentors")
    make_survey(program, title="Off", is_active=False)
    make_survey(program, title="Mid", moment="mid")
    mentee = make_application(program, "mentee")

    invitations = survey_invitations_for_approval(application=mentee)

    today = timezone.localdate()
    assert [(i.survey, i.application, i.due_on, i.completed) for i in invitations] == [
        (for_all, mentee, today + timedelta(days=14), False),
        (for_mentees, mentee, today + timedelta(days=10), False),
    ]


def test_each_invitation_queues_an_email_now_and_a_reminder_before_it_is_due():
    program = make_program()
    make_survey(program, answer_days=14, reminder_days=3)
    mentee = make_application(program, "mentee", user__time_zone="Asia/Tokyo")

    [invitation] = survey_invitations_for_approval(application=mentee)

    remind_on = invitation.due_on - timedelta(days=3)
    nine_in_tokyo = datetime.combine(remind_on, time(9), tzinfo=ZoneInfo("Asia/Tokyo"))
    assert len(_notifications("survey_invitation")) == 1
    assert _notifications("survey_reminder") == [
        (invitation.pk, mentee.user_id, nine_in_tokyo, "queued")
    ]


def test_approving_an_application_in_programs_sends_its_baseline_survey():
    program = make_program()
    survey = make_survey(program)
    applicant = make_application(program, "mentee", status="applied")

    application_decide(application=applicant, status="approved")

    assert [(i.survey, i.application) for i in SurveyInvitation.objects.all()] == [
        (survey, applicant)
    ]
    assert len(_notifications("survey_invitation")) == 1


def test_approval_invitations_are_idempotent():
    program = make_program()
    make_survey(program)
    mentee = make_application(program, "mentee")
    survey_invitations_for_approval(application=mentee)

    assert survey_invitations_for_approval(application=mentee) == []
    assert SurveyInvitation.objects.count() == 1
    assert Notification.objects.count() == 2


def test_an_application_not_approved_gets_no_baseline_survey():
    program = make_program()
    make_survey(program)
    applicant = make_application(program, "mentee", status="applied")

    assert survey_invitations_for_approval(application=applicant) == []
    assert SurveyInvitation.objects.count() == 0


def test_mid_program_is_halfway_between_the_program_dates():
    program = make_program(starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31))

    assert moment_dates(program=program) == {"mid": date(2025, 1, 16), "end": date(2025, 1, 31)}
    assert moment_dates(program=make_program(starts_on=date(2025, 1, 1))) == {}


def test_mid_and_end_surveys_go_out_on_their_dates_to_approved_participants_once():
    program = make_program(starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31))
    mid = make_survey(program, moment="mid")
    end = make_survey(program, moment="end")
    mentor = make_application(program, "mentor")
    mentee = make_application(program, "mentee")
    make_application(program, "mentee", status="declined")

    assert surveys_send_scheduled(program=program, today=date(2025, 1, 15)) == 0
    assert surveys_send_scheduled(program=program, today=date(2025, 1, 16)) == 2
    assert surveys_send_scheduled(program=program, today=date(2025, 1, 17)) == 0
    assert surveys_send_scheduled(program=program, today=date(2025, 1, 31)) == 2
    late = make_application(program, "mentee")
    assert surveys_send_scheduled(program=program, today=date(2025, 2, 14)) == 0

    invited = set(SurveyInvitation.objects.values_list("survey", "application"))
    assert invited == {
        (mid.pk, mentor.pk),
        (mid.pk, mentee.pk),
        (end.pk, mentor.pk),
        (end.pk, mentee.pk),
    }
    assert late.pk not in {a for _, a in invited}


def test_after_session_surveys_invite_both_sides_once_per_logged_meeting():
    match = make_pair()
    survey = make_survey(match.program, moment="after_session")
    first = make_meeting(match, days_ago=3)

    assert session_logged(log=make_log(first, author=match.mentor.user)) == 2
    assert session_logged(log=make_log(first, author=match.mentee.user)) == 0
    second = make_meeting(match, days_ago=1)
    assert session_logged(log=make_log(second)) == 2

    assert sorted(
        SurveyInvitation.objects.filter(survey=survey).values_list("meeting", "application")
    ) == sorted(
        [
            (first.pk, match.mentor_id),
            (first.pk, match.mentee_id),
            (second.pk, match.mentor_id),
            (second.pk, match.mentee_id),
        ]
    )


def test_a_missed_session_sends_no_after_session_survey():
    match = make_pair()
    make_survey(match.program, moment="after_session")

    assert session_logged(log=make_log(make_meeting(match, days_ago=1), outcome="missed")) == 0
    assert SurveyInvitation.objects.count() == 0


def test_after_session_survey_for_mentees_only_skips_the_mentor():
    match = make_pair()
    make_survey(match.program, moment="after_session", audience="mentees")

    session_logged(log=make_log(make_meeting(match, days_ago=1)))

    assert list(SurveyInvitation.objects.values_list("application", flat=True)) == [match.mentee_id]


def test_survey_send_invites_everyone_approved_and_refuses_after_session_surveys():
    program = make_program()
    survey = make_survey(program, audience="mentors")
    make_application(program, "mentor")
    make_application(program, "mentor")
    make_application(program, "mentee")

    assert survey_send(survey=survey) == 2
    assert survey_send(survey=survey) == 0
    with pytest.raises(ValidationError) as error:
        survey_send(survey=make_survey(program, moment="after_session"))
    assert error.value.messages == ["After-session surveys go out when a session is logged."]


def _invite(**survey_fields) -> SurveyInvitation:
    program = make_program()
    make_survey(program, **survey_fields)
    [invitation] = survey_invitations_for_approval(application=make_application(program))
    return invitation


ALL_KINDS = (
    ("Confidence", "likert", {"low_label": "Not at all", "high_label": "Very"}),
    ("Hours studied per week", "number", {"min_value": 0, "max_value": 40}),
    ("Favourite format", "single_choice", {"choices": "Online\nIn person"}),
    ("Topics", "multiple_choice", {"choices": "Careers\nStudy\nResearch", "required": False}),
    ("Anything else?", "text", {"required": False}),
)


def _questions(invitation) -> dict[str, SurveyQuestion]:
    return {q.text: q for q in invitation.survey.questions.all()}


def test_answers_of_a_named_survey_are_stored_with_the_invitation():
    invitation = _invite(questions=ALL_KINDS)
    q = _questions(invitation)

    survey_answer(
        invitation=invitation,
        answers={
            q["Confidence"].pk: "4",
            q["Hours studied per week"].pk: "12.5",
            q["Favourite format"].pk: "Online",
            q["Topics"].pk: ["Careers", "Research"],
            q["Anything else?"].pk: "",
        },
    )

    response = SurveyResponse.objects.get()
    assert response.invitation == invitation
    assert sorted(response.answers.values_list("question__text", "value", "number")) == [
        ("Confidence", 4, 4.0),
        ("Favourite format", "Online", None),
        ("Hours studied per week", 12.5, 12.5),
        ("Topics", ["Careers", "Research"], None),
    ]
    invitation.refresh_from_db()
    assert invitation.completed is True


def test_answering_cancels_the_reminder():
    invitation = _invite()
    [question] = invitation.survey.questions.all()

    survey_answer(invitation=invitation, answers={question.pk: 3})

    assert [status for *_, status in _notifications("survey_reminder")] == ["cancelled"]


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ("Confidence", "6", "Confidence: Choose a whole number from 1 to 5."),
        ("Confidence", "0", "Confidence: Choose a whole number from 1 to 5."),
        ("Confidence", "", "Confidence: This field is required."),
        (
            "Hours studied per week",
            "41",
            "Hours studied per week: Ensure this value is less than or equal to 40.",
        ),
        (
            "Hours studied per week",
            "-1",
            "Hours studied per week: Ensure this value is greater than or equal to 0.",
        ),
        ("Hours studied per week", "nan", "Hours studied per week: Enter a number."),
        (
            "Favourite format",
            "By carrier pigeon",
            "Favourite format: Select a valid choice. By carrier pigeon is not one of the "
            "available choices.",
        ),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_stored(text, value, message):
    invitation = _invite(questions=ALL_KINDS)
    q = _questions(invitation)
    answers = {
        q["Confidence"].pk: "3",
        q["Hours studied per week"].pk: "10",
        q["Favourite format"].pk: "Online",
    }
    answers[q[text].pk] = value

    with pytest.raises(ValidationError) as error:
        survey_answer(invitation=invitation, answers=answers)

    assert error.value.messages == [message]
    assert (SurveyResponse.objects.count(), SurveyAnswer.objects.count()) == (0, 0)
    invitation.refresh_from_db()
    assert invitation.completed is False


def test_a_survey_is_answered_once():
    invitation = _invite()
    [question] = invitation.survey.questions.all()
    survey_answer(invitation=invitation, answers={question.pk: 3})

    with pytest.raises(ValidationError) as error:
        survey_answer(invitation=invitation, answers={question.pk: 5})

    assert error.value.messages == ["You have already answered this survey."]
    assert list(SurveyAnswer.objects.values_list("number", flat=True)) == [3.0]


def test_a_survey_past_its_due_date_is_closed():
    invitation = _invite(answer_days=5)
    [question] = invitation.survey.questions.all()

    with pytest.raises(ValidationError) as error:
        survey_answer(
            invitation=invitation,
            answers={question.pk: 3},
            today=invitation.due_on + timedelta(days=1),
        )

    assert error.value.messages == [
        f"This survey closed on {invitation.due_on.day} {invitation.due_on:%B %Y}."
    ]
    assert SurveyResponse.objects.count() == 0


def test_anonymous_answers_go_to_an_anonymous_response():
    invitation = _invite(anonymous=True)
    [question] = invitation.survey.questions.all()

    survey_answer(invitation=invitation, answers={question.pk: 2}, today=date(2025, 3, 6))

    response = AnonymousResponse.objects.get()
    assert (response.survey, response.program, response.moment, response.submitted_week) == (
        invitation.survey,
        invitation.survey.program,
        "baseline",
        date(2025, 3, 3),
    )
    assert list(response.answers.values_list("value", "number")) == [(2, 2.0)]
    assert SurveyResponse.objects.count() == 0


def test_copying_a_survey_for_the_end_keeps_its_questions_and_starts_switched_off():
    program = make_program()
    baseline = make_survey(program, title="Outlook", questions=ALL_KINDS, anonymous=True)

    copy = survey_copy(survey=baseline, moment="end")

    assert (copy.title, copy.moment, copy.anonymous, copy.is_active) == (
        "Outlook (end of program)",
        "end",
        True,
        False,
    )
    assert list(copy.questions.values_list("text", "kind", "min_value", "max_value")) == list(
        baseline.questions.values_list("text", "kind", "min_value", "max_value")
    )


def test_a_question_with_answers_cannot_be_deleted_on_its_own():
    invitation = _invite()
    [question] = invitation.survey.questions.all()
    survey_answer(invitation=invitation, answers={question.pk: 3})

    with pytest.raises(RestrictedError):
        question.delete()


def test_deleting_a_program_deletes_its_surveys_and_all_their_answers():
    named = _invite()
    anonymous = _invite(anonymous=True)
    for invitation in (named, anonymous):
        [question] = invitation.survey.questions.all()
        survey_answer(invitation=invitation, answers={question.pk: 3})

    named.survey.program.delete()
    anonymous.survey.program.delete()

    assert (SurveyAnswer.objects.count(), AnonymousResponse.objects.count()) == (0, 0)
