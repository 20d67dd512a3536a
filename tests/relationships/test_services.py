from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from evaluation.models import SurveyInvitation
from evaluation.services import program_evaluation_daily
from matching.models import EndRequest, Match, WaitlistOffer
from notifications.models import Kind, Notification
from programs.services import program_copy
from relationships.models import Agreement, AgreementAnswer, AgreementField, AgreementTemplate
from relationships.services import (
    agreement_reminders_queue,
    agreement_save,
    matches_close_planned,
    program_relationships_daily,
)
from tests.evaluation.helpers import make_survey
from tests.factories import UserFactory
from tests.relationships.helpers import (
    confirm_both,
    make_application,
    make_pair,
    make_program,
    make_session,
    make_template,
    terms,
    today,
)

pytestmark = pytest.mark.django_db


def _ledger(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__display_name", "subject_id", "context"
        )
    )


# --- the agreement ------------------------------------------------------------------------


def test_the_first_save_starts_the_agreement_with_the_program_end_as_planned_end():
    match = make_pair()

    saved = agreement_save(match=match, by=match.mentee.user, data={"mentee_hopes": " Learn "})

    agreement = Agreement.objects.get()
    assert (agreement.match, agreement.planned_end_on) == (match, match.program.ends_on)
    assert (agreement.mentee_hopes, agreement.mentor_hopes) == ("Learn", "")
    assert (saved.changed, saved.partner_reset, saved.confirmed) == (["mentee_hopes"], False, False)
    assert (agreement.mentor_confirmed_at, agreement.mentee_confirmed_at) == (None, None)


def test_both_sides_confirm_the_same_agreement():
    match = make_pair()

    confirm_both(match)

    agreement = Agreement.objects.get()
    assert agreement.is_confirmed
    assert (agreement.meeting_frequency, agreement.channel) == ("weekly", "video")
    assert (agreement.mentor_hopes, agreement.mentee_hopes) == ("Give", "Learn")
    assert (agreement.mentor_confidentiality, agreement.mentee_confidentiality) == (True, True)


def test_an_edit_after_both_confirmed_withdraws_the_other_sides_confirmation():
    match = make_pair()
    confirm_both(match)
    mentee_confirmed = Agreement.objects.get().mentee_confirmed_at

    saved = agreement_save(
        match=match, by=match.mentee.user, data={"channel": "phone"}, confirm=True
    )

    agreement = Agreement.objects.get()
    assert (saved.changed, saved.partner_reset, saved.confirmed) == (["channel"], True, True)
    assert agreement.mentor_confirmed_at is None
    assert agreement.mentee_confirmed_at == mentee_confirmed
    assert (agreement.changed_by, agreement.changed_fields) == (match.mentee.user, ["channel"])


def test_saving_a_change_without_confirming_withdraws_both_confirmations():
    match = make_pair()
    confirm_both(match)

    saved = agreement_save(
        match=match, by=match.mentor.user, data={"planned_end_on": today() + timedelta(days=9)}
    )

    agreement = Agreement.objects.get()
    assert (saved.partner_reset, saved.confirmed) == (True, False)
    assert (agreement.mentor_confirmed_at, agreement.mentee_confirmed_at) == (None, None)


def test_writing_ones_own_hopes_does_not_send_the_partner_back_to_confirm():
    match = make_pair()
    confirm_both(match)
    mentor_confirmed = Agreement.objects.get().mentor_confirmed_at

    saved = agreement_save(
        match=match, by=match.mentee.user, data={"mentee_hopes": "Learn more"}, confirm=True
    )

    agreement = Agreement.objects.get()
    assert (saved.changed, saved.partner_reset, saved.confirmed) == (["mentee_hopes"], False, True)
    assert agreement.mentor_confirmed_at == mentor_confirmed
    assert agreement.is_confirmed


def test_saving_the_same_terms_again_keeps_both_confirmations():
    match = make_pair()
    confirm_both(match)
    before = Agreement.objects.values_list("mentor_confirmed_at", "mentee_confirmed_at").get()

    saved = agreement_save(
        match=match, by=match.mentor.user, data={**terms(match), "mentor_hopes": "Give"}
    )

    assert (saved.changed, saved.partner_reset, saved.confirmed) == ([], False, True)
    assert Agreement.objects.values_list("mentor_confirmed_at", "mentee_confirmed_at").get() == (
        before
    )


def test_a_mentee_cannot_write_the_mentors_hopes():
    match = make_pair()
    agreement_save(match=match, by=match.mentor.user, data={"mentor_hopes": "Give"})

    with pytest.raises(ValidationError) as raised:
        agreement_save(
            match=match, by=match.mentee.user, data={"mentor_hopes": "Hijacked", "channel": "phone"}
        )

    assert raised.value.message_dict == {
        "mentor_hopes": ["Only your mentor writes what they hope for."]
    }
    assert Agreement.objects.values_list("mentor_hopes", "channel").get() == ("Give", "")


def test_a_third_person_cannot_save_or_confirm_an_agreement():
    match = make_pair()

    with pytest.raises(ValidationError) as raised:
        agreement_save(match=match, by=UserFactory(), data=terms(match), confirm=True)

    assert raised.value.messages == ["Only the two people in a match can fill in its agreement."]
    assert Agreement.objects.count() == 0


def test_a_confirmation_of_an_incomplete_agreement_is_refused_and_nothing_is_saved():
    match = make_pair()
    make_template(match.program, ("First goal", "short_text", True), ("Notes", "long_text", False))

    with pytest.raises(ValidationError) as raised:
        agreement_save(match=match, by=match.mentor.user, data={"channel": "phone"}, confirm=True)

    field = AgreementField.objects.get(label="First goal")
    assert raised.value.message_dict == {
        "meeting_frequency": ["Choose how often you will meet."],
        "confidentiality": ["Tick the box to agree to the confidentiality statement."],
        "mentor_hopes": ["Write what you hope to get from mentoring."],
        f"field_{field.pk}": ["Answer “First goal”."],
    }
    assert Agreement.objects.count() == 0


def test_other_frequency_needs_words_to_confirm():
    match = make_pair()

    with pytest.raises(ValidationError) as raised:
        agreement_save(
            match=match,
            by=match.mentor.user,
            data={**terms(match, meeting_frequency="other"), "mentor_hopes": "Give"},
            confirm=True,
        )

    assert raised.value.message_dict == {
        "frequency_note": ["Say how often you will meet, in your words."]
    }


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (-1, "The planned end date must be after the match started"),
        (0, "The planned end date must be after the match started"),
        (61, "The planned end date can be the program's end date"),
    ],
)
def test_the_planned_end_must_fall_after_the_start_and_by_the_program_end(offset, message):
    match = make_pair()
    day = today() + timedelta(days=offset)

    with pytest.raises(ValidationError) as raised:
        agreement_save(match=match, by=match.mentor.user, data={"planned_end_on": day})

    [error] = raised.value.message_dict["planned_end_on"]
    assert error.startswith(message)
    assert Agreement.objects.count() == 0


def test_without_a_program_end_the_plan_ends_within_two_years():
    match = make_pair(make_program(ends_on=None))

    agreement_save(
        match=match, by=match.mentor.user, data={"planned_end_on": today() + timedelta(days=730)}
    )
    with pytest.raises(ValidationError) as raised:
        agreement_save(
            match=match,
            by=match.mentor.user,
            data={"planned_end_on": today() + timedelta(days=731)},
        )

    assert raised.value.message_dict == {
        "planned_end_on": ["Plan to end within two years of the match start."]
    }


def test_free_fields_are_answered_and_a_change_to_one_resets_the_partner():
    match = make_pair()
    template = make_template(match.program, ("First goal", "short_text", True))
    field = template.fields.get()
    confirm_both_data = {**terms(match), "mentor_hopes": "Give", "answers": {field.pk: "CV"}}
    agreement_save(match=match, by=match.mentor.user, data=confirm_both_data, confirm=True)
    agreement_save(
        match=match,
        by=match.mentee.user,
        data={"mentee_hopes": "Learn", "confidentiality": True},
        confirm=True,
    )

    saved = agreement_save(
        match=match, by=match.mentee.user, data={"answers": {field.pk: "CV and cover letter"}}
    )

    assert saved.changed == [f"field:{field.pk}"]
    assert list(AgreementAnswer.objects.values_list("field__label", "value")) == [
        ("First goal", "CV and cover letter")
    ]
    assert Agreement.objects.get().mentor_confirmed_at is None


def test_an_answer_to_another_programs_field_is_refused():
    match = make_pair()
    other = make_template(make_program(), ("Elsewhere", "short_text", False)).fields.get()

    with pytest.raises(ValidationError) as raised:
        agreement_save(match=match, by=match.mentor.user, data={"answers": {other.pk: "x"}})

    assert raised.value.messages == ["That question is not in this agreement."]
    assert AgreementAnswer.objects.count() == 0


def test_an_ended_matchs_agreement_no_longer_changes():
    match = make_pair()
    Match.objects.filter(pk=match.pk).update(status="ended", ended_at=timezone.now())

    with pytest.raises(ValidationError) as raised:
        agreement_save(match=match, by=match.mentor.user, data={"channel": "phone"})

    assert raised.value.messages == ["This match has ended; its agreement can no longer change."]


def test_confirming_cancels_the_confirming_sides_pending_reminders():
    match = make_pair(days_ago=1)
    agreement_reminders_queue(program=match.program, today=today())

    agreement_save(
        match=match, by=match.mentor.user, data={**terms(match), "mentor_hopes": "G"}, confirm=True
    )

    assert sorted(Notification.objects.values_list("recipient__display_name", "status")) == [
        ("Ana Mentee", "queued"),
        ("Mo Mentor", "cancelled"),
    ]


# --- reminders ----------------------------------------------------------------------------


def test_reminders_go_the_day_after_the_match_and_on_the_due_date_once_each():
    program = make_program(agreement_due_days=14)
    match = make_pair(program, days_ago=1)

    first = agreement_reminders_queue(program=program, today=today())
    again = agreement_reminders_queue(program=program, today=today())
    agreement_save(
        match=match, by=match.mentee.user, data={**terms(match), "mentee_hopes": "L"}, confirm=True
    )
    quiet = agreement_reminders_queue(program=program, today=today() + timedelta(days=5))
    due = agreement_reminders_queue(program=program, today=today() + timedelta(days=13))

    assert (first, again, quiet, due) == (2, 0, 0, 1)
    rows = Notification.objects.filter(kind=Kind.AGREEMENT_REMINDER).order_by("due_at", "pk")
    assert [(n.recipient.name, n.context, n.status) for n in rows] == [
        ("Mo Mentor", {"partner_confirmed": False}, "queued"),
        ("Ana Mentee", {"partner_confirmed": False}, "cancelled"),
        ("Mo Mentor", {"partner_confirmed": True}, "queued"),
    ]


def test_no_reminder_for_a_confirmed_agreement_or_long_after_its_day():
    program = make_program()
    confirm_both(make_pair(program, days_ago=1))
    make_pair(
        program,
        days_ago=8,
        mentor=make_application(program, "mentor"),
        mentee=make_application(program),
    )

    assert agreement_reminders_queue(program=program, today=today()) == 0
    assert Notification.objects.filter(kind=Kind.AGREEMENT_REMINDER).count() == 0


# --- the planned closure ------------------------------------------------------------------


def _ended_program(**fields):
    fields.setdefault("starts_on", today() - timedelta(days=100))
    fields.setdefault("ends_on", today() - timedelta(days=1))
    return make_program(**fields)


def test_the_closure_ends_every_active_match_once_the_end_date_has_passed():
    program = _ended_program(certificate_min_sessions=2, closing_message="Thank you all.")
    match = make_pair(program, days_ago=90)
    for days_ago in (30, 20):
        make_session(match, days_ago=days_ago)
    other = make_pair(
        program,
        days_ago=80,
        mentor=make_application(program, "mentor", name="Lee Mentor"),
        mentee=make_application(program, name="Kim Mentee"),
    )
    EndRequest.objects.create(match=other, requested_by=other.mentee.user, end_reason="schedules")

    closed = matches_close_planned(program=program, today=today())
    again = matches_close_planned(program=program, today=today())

    assert (closed, again) == (2, 0)
    assert sorted(Match.objects.values_list("status", "end_reason", "ended_by")) == [
        ("ended", "program_ended", None),
        ("ended", "program_ended", None),
    ]
    assert _ledger(Kind.MATCH_CLOSING) == [
        ("Ana Mentee", match.pk, {"certificate": False}),
        ("Kim Mentee", other.pk, {"certificate": False}),
        ("Lee Mentor", other.pk, {"certificate": False}),
        ("Mo Mentor", match.pk, {"certificate": True}),
    ]
    assert Notification.objects.exclude(kind=Kind.MATCH_CLOSING).count() == 0
    assert WaitlistOffer.objects.count() == 0
    assert EndRequest.objects.get().status == "done"


def test_nothing_closes_on_the_end_date_itself_or_without_one():
    on_the_day = make_pair(make_program(ends_on=today()), days_ago=10)
    open_ended = make_pair(make_program(ends_on=None), days_ago=10)

    for match in (on_the_day, open_ended):
        assert matches_close_planned(program=match.program, today=today()) == 0

    assert list(Match.objects.values_list("status", flat=True)) == ["active", "active"]


def test_the_end_of_program_survey_reaches_the_pairs_closed_that_day():
    program = _ended_program(ends_on=today() - timedelta(days=1))
    match = make_pair(program, days_ago=60)
    make_survey(program, moment="end")

    program_relationships_daily(program=program, today=today())
    program_evaluation_daily(program=program, today=today())

    assert Match.objects.get().status == "ended"
    assert sorted(
        SurveyInvitation.objects.values_list("application__user__display_name", flat=True)
    ) == ["Ana Mentee", "Mo Mentor"]
    assert match.pk == Match.objects.get().pk


def test_the_daily_round_closes_before_it_reminds():
    program = _ended_program(agreement_due_days=1, ends_on=today() - timedelta(days=1))
    make_pair(program, days_ago=1)

    assert program_relationships_daily(program=program, today=today()) == {
        "closed": 1,
        "reminders": 0,
    }


# --- copying ------------------------------------------------------------------------------


def test_copying_a_program_copies_its_agreement_template_and_fields():
    program = make_program()
    make_template(program, ("First goal", "short_text", True), ("Notes", "long_text", False))

    copy = program_copy(program=program, name="Next year", slug="next-year")

    template = AgreementTemplate.objects.get(program=copy)
    assert (template.intro, template.confidentiality_statement) == (
        "Agree how you work.",
        "We keep it private.",
    )
    assert list(template.fields.values_list("label", "kind", "required", "position")) == [
        ("First goal", "short_text", True, 0),
        ("Notes", "long_text", False, 1),
    ]
    assert AgreementField.objects.count() == 4


def test_copying_a_program_without_a_template_makes_none():
    copy = program_copy(program=make_program(), name="Next year", slug="next-year")

    assert AgreementTemplate.objects.filter(program=copy).exists() is False
