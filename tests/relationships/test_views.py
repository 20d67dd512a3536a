"""The agreement page, the match page's panels and the certificate download."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from matching.models import Match
from relationships.models import Agreement, AgreementField
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
from training.models import StepCompletion, TrainingStep

pytestmark = pytest.mark.django_db


def _agreement(match) -> str:
    return reverse("relationships:agreement-edit", args=[match.pk])


def _match_page(match) -> str:
    return reverse("matching:match-detail", args=[match.pk])


def _certificate(application) -> str:
    return reverse("relationships:certificate", args=[application.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _post(match, side: str, **changes) -> dict:
    data = {**terms(match), f"{side}_hopes": "Hopes", **changes}
    data["planned_end_on"] = data["planned_end_on"].isoformat() if data["planned_end_on"] else ""
    data["confidentiality"] = "on" if data["confidentiality"] else ""
    return {key: value for key, value in data.items() if value != ""}


# --- the agreement page -------------------------------------------------------------------


def test_the_agreement_page_shows_the_template_and_the_default_end_date(client):
    match = make_pair()
    make_template(match.program, ("One goal for this term", "long_text", True))
    client.force_login(match.mentee.user)

    page = client.get(_agreement(match))

    assert page.status_code == 200
    body = page.content.decode()
    assert "Agree how you work." in body and "We keep it private." in body
    assert "One goal for this term" in body
    assert f'value="{match.program.ends_on.isoformat()}"' in body
    assert 'name="mentee_hopes"' in body and 'name="mentor_hopes"' not in body
    assert Agreement.objects.count() == 0  # looking saves nothing


def test_saving_and_confirming_from_the_page(client):
    match = make_pair()
    field = make_template(match.program, ("One goal", "short_text", True)).fields.get()
    client.force_login(match.mentor.user)

    response = client.post(
        _agreement(match), {**_post(match, "mentor"), f"field_{field.pk}": "A CV", "confirm": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == _match_page(match)
    agreement = Agreement.objects.get()
    assert (agreement.meeting_frequency, agreement.channel, agreement.mentor_hopes) == (
        "weekly",
        "video",
        "Hopes",
    )
    assert agreement.mentor_confirmed_at is not None
    assert list(agreement.answers.values_list("value", flat=True)) == ["A CV"]
    page = client.get(response["Location"])
    assert _messages(page) == ["Confirmed. Your partner is asked to confirm too."]
    assert "Waiting for your partner to confirm" in page.content.decode()


def test_the_partner_sees_what_changed_since_they_confirmed(client):
    match = make_pair()
    confirm_both(match)
    client.force_login(match.mentor.user)
    client.post(
        _agreement(match),
        {**_post(match, "mentor", channel="phone", mentor_hopes="Give"), "confirm": "1"},
    )

    client.force_login(match.mentee.user)
    body = client.get(_match_page(match)).content.decode()

    assert "Your partner changed: how we keep in touch. Read it again and confirm." in body
    assert "Your partner confirmed: your turn" in body


def test_a_third_person_cannot_see_save_or_confirm_the_agreement(client):
    match = make_pair()
    client.force_login(UserFactory())

    assert client.get(_agreement(match)).status_code == 404
    assert client.post(
        _agreement(match), {**_post(match, "mentor"), "confirm": "1"}
    ).status_code == (404)
    assert Agreement.objects.count() == 0


def test_a_mentee_posting_the_mentors_hopes_is_refused_and_nothing_changes(client):
    match = make_pair()
    client.force_login(match.mentee.user)

    response = client.post(
        _agreement(match), {**_post(match, "mentee"), "mentor_hopes": "Hijacked", "confirm": "1"}
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Only your mentor writes what they hope for."
    ]
    assert Agreement.objects.count() == 0


def test_a_confirmation_with_missing_or_bad_answers_is_refused_with_the_reasons(client):
    match = make_pair()
    client.force_login(match.mentor.user)
    data = _post(match, "mentor", confidentiality=False, channel="")
    data["planned_end_on"] = (today() - timedelta(days=1)).isoformat()

    bad_date = client.post(_agreement(match), {**data, "confirm": "1"})
    data["planned_end_on"] = match.program.ends_on.isoformat()
    missing = client.post(_agreement(match), {**data, "confirm": "1"})

    assert bad_date.status_code == 400
    assert list(bad_date.context["form"].errors) == ["planned_end_on"]
    assert missing.context["form"].errors == {
        "channel": ["Choose how you will keep in touch."],
        "confidentiality": ["Tick the box to agree to the confidentiality statement."],
    }
    assert "Tick the box to agree to the confidentiality statement." in missing.content.decode()
    assert Agreement.objects.count() == 0


def test_an_ended_matchs_agreement_is_read_only(client):
    match = make_pair()
    confirm_both(match)
    Match.objects.filter(pk=match.pk).update(status="ended", ended_at=timezone.now())
    client.force_login(match.mentee.user)

    response = client.post(_agreement(match), _post(match, "mentee", channel="phone"))
    page = client.get(_match_page(match))

    assert response.status_code == 302
    assert Agreement.objects.get().channel == "video"
    assert _messages(page) == ["This match has ended; its agreement can no longer change."]
    body = page.content.decode()
    assert "Confirmed by both of you" in body and "Video call" in body
    assert _agreement(match) not in body


def test_user_text_in_the_agreement_is_escaped(client):
    match = make_pair()
    make_template(match.program, ("<b>Goal</b>", "short_text", False))
    field = AgreementField.objects.get()
    client.force_login(match.mentor.user)
    client.post(
        _agreement(match),
        {**_post(match, "mentor", mentor_hopes="<script>x</script>"), f"field_{field.pk}": "<i>"},
    )

    body = client.get(_match_page(match)).content.decode()

    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    assert "&lt;b&gt;Goal&lt;/b&gt;" in body and "&lt;i&gt;" in body


def test_a_fields_help_text_from_the_coordinator_is_escaped_on_the_agreement_page(client):
    match = make_pair()
    make_template(match.program, ("Goal", "short_text", False))
    AgreementField.objects.update(help_text='<img src=x onerror="alert(1)"> & more')
    client.force_login(match.mentee.user)

    body = client.get(_agreement(match)).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more" in body
    assert "<img src=x" not in body


@pytest.mark.parametrize("fields", [1, 8])
def test_the_agreement_page_takes_the_same_queries_for_few_and_many_fields(
    client, django_assert_num_queries, fields
):
    match = make_pair()
    make_template(match.program, *[(f"Field {n}", "short_text", False) for n in range(fields)])
    confirm_both(match)
    client.force_login(match.mentor.user)

    # session, user, roles, the match, the template and its fields, the agreement and its
    # answers
    with django_assert_num_queries(9):
        response = client.get(_agreement(match))

    assert response.status_code == 200


# --- the match page -----------------------------------------------------------------------


def test_the_match_page_shows_the_agreement_panel_to_both_sides(client):
    match = make_pair()
    client.force_login(match.mentee.user)

    body = client.get(_match_page(match)).content.decode()

    assert "Your mentorship agreement" in body and "Not confirmed yet" in body
    assert "Fill in the agreement" in body
    assert "Certificate of participation" not in body  # certificates are for mentors


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_match_page_takes_the_same_queries_for_few_and_many_sessions(
    client, django_assert_num_queries, sessions
):
    match = make_pair(days_ago=60)
    make_template(match.program, ("Goal", "short_text", False))
    confirm_both(match)
    for n in range(sessions):
        make_session(match, days_ago=50 - n, durations=[55, 60])
    client.force_login(match.mentor.user)

    # session, user, roles, the match, its open end request; agreement panel: template,
    # fields, agreement, answers; goals panel: goals (no milestones or progress to fetch);
    # certificate panel: completed matches, sessions held, training steps
    with django_assert_num_queries(17):
        response = client.get(_match_page(match))

    assert response.status_code == 200


# --- certificates -------------------------------------------------------------------------


def _completed(min_sessions: int = 2, sessions: int = 2, **program_fields):
    program = make_program(
        starts_on=today() - timedelta(days=120),
        ends_on=today() - timedelta(days=1),
        certificate_min_sessions=min_sessions,
        **program_fields,
    )
    match = make_pair(program, days_ago=100)
    for n in range(sessions):
        make_session(match, days_ago=60 - n, minutes=60, durations=[45, 90])
    Match.objects.filter(pk=match.pk).update(
        status="ended", ended_at=timezone.now(), end_reason="program_ended"
    )
    return Match.objects.get(pk=match.pk)


def test_an_eligible_mentor_downloads_their_certificate(client):
    match = _completed(sessions=3)
    client.force_login(match.mentor.user)

    page = client.get(_match_page(match)).content.decode()
    response = client.get(_certificate(match.mentor))

    assert "Download your certificate (PDF)" in page
    assert "3 sessions held, 4.5 hours in all." in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{match.program.slug}.pdf"'
    )
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Mo Mentor" in text and match.program.name in text
    assert "3 mentoring sessions held, 4.5 hours in all" in text


def test_a_mentor_still_active_after_the_end_date_has_a_certificate_too(client):
    program = make_program(ends_on=today() - timedelta(days=1), certificate_min_sessions=1)
    match = make_pair(program, days_ago=40)
    make_session(match, days_ago=10)
    client.force_login(match.mentor.user)

    assert client.get(_certificate(match.mentor)).status_code == 200


def test_another_persons_or_a_mentees_certificate_is_404(client):
    match = _completed()
    client.force_login(match.mentee.user)

    assert client.get(_certificate(match.mentor)).status_code == 404
    assert client.get(_certificate(match.mentee)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(_certificate(match.mentor)).status_code == 404


def test_certificates_turned_off_are_404_and_not_offered(client):
    match = _completed(certificates_enabled=False)
    client.force_login(match.mentor.user)

    assert client.get(_certificate(match.mentor)).status_code == 404
    assert "Certificate of participation" not in client.get(_match_page(match)).content.decode()


def test_a_certificate_not_earned_says_what_it_still_needs(client):
    match = _completed(min_sessions=3, sessions=1)
    TrainingStep.objects.create(program=match.program, title="Code of conduct", audience="mentors")
    client.force_login(match.mentor.user)

    response = client.get(_certificate(match.mentor))
    panel = client.get(_match_page(match)).content.decode()

    assert response.status_code == 404
    body = response.content.decode()
    needs = [
        "It needs 3 sessions logged as held (1 so far).",
        "It needs every required training step done.",
    ]
    assert all(reason in body and reason in panel for reason in needs)
    assert "The certificate is for mentors who complete the program." not in body


def test_training_done_and_an_early_ending_decide_eligibility(client):
    match = _completed(sessions=2)
    step = TrainingStep.objects.create(
        program=match.program, title="Code of conduct", audience="mentors"
    )
    StepCompletion.objects.create(step=step, user=match.mentor.user, completed_at=timezone.now())
    early = _completed(sessions=2)
    Match.objects.filter(pk=early.pk).update(end_reason="schedules")
    client.force_login(match.mentor.user)

    assert client.get(_certificate(match.mentor)).status_code == 200
    client.force_login(early.mentor.user)
    response = client.get(_certificate(early.mentor))
    assert response.status_code == 404
    assert "The certificate is for mentors who complete the program." in response.content.decode()


@pytest.mark.parametrize("sessions", [2, 9])
def test_the_certificate_takes_the_same_queries_for_few_and_many_sessions(
    client, django_assert_num_queries, sessions
):
    match = _completed(sessions=sessions)
    other = make_application(match.program, "mentor")
    assert other.pk != match.mentor_id
    client.force_login(match.mentor.user)

    # session, user, the application, completed matches, sessions held, training steps
    with django_assert_num_queries(6):
        response = client.get(_certificate(match.mentor))

    assert response.status_code == 200
