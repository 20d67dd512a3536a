"""The erasure engine (issue 14, item 4): after `person_erase` no text column anywhere holds
the person's email or name, while the partner's sessions, logs and notes and the program's
figures are unchanged, anonymous answers stay and academic records are gone."""

from dataclasses import asdict

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.models import Session
from django.db import models

from accounts.models import User
from evaluation.models import SurveyAnswer
from evaluation.selectors.health import closure_reasons, program_health
from evaluation.selectors.results import survey_results
from matching.models import ExclusionRequest, Match, MatchRequest
from mentoring.personal_data import Erase, declarations, identifying_strings, json_contains
from notifications.models import Kind, Notification
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord
from privacy.erasure import is_tombstone, person_erase
from privacy.models import DataExport
from sessions.models import Meeting, PrivateNote, SessionLog
from sessions.selectors import held_session_minutes
from tests.factories import PASSWORD, UserFactory
from tests.privacy.helpers import make_person_with_everything

pytestmark = pytest.mark.django_db

EMAIL = "zanzibar.quokkington@example.org"
NAME = "Zanzibar Quokkington"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def text_columns_containing(strings) -> list[tuple[str, str, str, object]]:
    """(model, column, searched string, primary key) of every row of every model of every
    installed app whose text or JSON column contains one of `strings`, ignoring case."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):  # EmailField, SlugField are CharFields
                continue
            for text in strings:
                # JSON on SQLite keeps non-ASCII letters escaped: look for that spelling too.
                if isinstance(field, models.JSONField):
                    rows = model._base_manager.filter(json_contains(field.name, [text]))
                else:
                    rows = model._base_manager.filter(**{f"{field.name}__icontains": text})
                found += [
                    (model._meta.label, field.name, text, pk)
                    for pk in rows.values_list("pk", flat=True)
                ]
    return found


def make_zanzibar(client=None):
    """The helpers' person with data in every app, renamed Zanzibar Quokkington (a name no
    other text holds by chance), plus rows in which other people's records quote the person:
    an email to the partner naming them, the admin history, someone's request not to be
    matched with them, an outcome import's error quoting their address, their own mentoring
    request, a data download and a signed-in session."""
    everything = make_person_with_everything(email=EMAIL)
    person = everything.person
    person.display_name, person.first_name, person.last_name = NAME, "Zanzibar", "Quokkington"
    person.save()
    everything.invitation.name = NAME
    everything.invitation.save()
    # The helpers name the other people's addresses after the person's ("cora.<person>@..."):
    # give them their own, or searching for the person's address finds theirs.
    for someone in (everything.coordinator, *everything.others.values()):
        local = someone.email.split(".")[0]
        someone.emailaddress_set.update(email=f"{local}@example.net")
        someone.email = f"{local}@example.net"
        someone.save()
    program, partner = everything.program, everything.partner
    Notification.objects.create(
        kind=Kind.BOOKING_CANCELLED,
        idempotency_key="test|cancelled|partner",
        recipient=partner,
        to_email=partner.email,
        program=program,
        context={"by": NAME, "reason": f"{NAME} is ill"},
        due_at=everything.meeting.start,
    )
    LogEntry.objects.log_actions(
        user_id=everything.coordinator.pk,
        queryset=[person],
        action_flag=CHANGE,
        change_message=f"Changed the name of {EMAIL}",
        single_object=True,
    )
    ExclusionRequest.objects.create(
        program=program, person=everything.others["yan"], named=NAME, key=NAME.lower()
    )
    OutcomeImport.objects.create(
        program=program,
        uploaded_by=everything.coordinator,
        original_name="grades.csv",
        status=OutcomeImport.Status.REFUSED,
        error_count=1,
        errors=[
            f"Line 2: the institutional ID S9999999 and the email {EMAIL} belong to two "
            "different accounts."
        ],
    )
    MatchRequest.objects.create(
        program=program,
        mentee=everything.application,
        mentor=everything.partner_application,
        message=f"Hello, I am {NAME}.",
        status=MatchRequest.Status.ACCEPTED,
        response="Welcome!",
    )
    DataExport.objects.create(user=person, status=DataExport.Status.EXPIRED)
    if client is not None:
        assert client.login(email=EMAIL, password=PASSWORD)
    return everything


def _rows(queryset) -> list[dict]:
    """Every column of every row, as stored."""
    return list(queryset.order_by("pk").values())


def _figures(program) -> dict:
    """What the program's dashboard shows, as plain values (pairs at risk show names, which
    become "Deleted user": their number is compared)."""
    health = asdict(program_health(program=program))
    health["at_risk"] = len(health["at_risk"])
    return {
        "health": health,
        "held_minutes": held_session_minutes(program=program),
        "closures": closure_reasons(program=program),
        "survey_results": survey_results(program=program),
        "matches": Match.objects.filter(program=program).count(),
    }


def test_after_erasure_no_text_column_anywhere_holds_the_persons_email_or_name(client):
    everything = make_zanzibar(client)
    strings = identifying_strings(everything.person)
    # display name and full name are the same here; the part before the @ is how
    # `User.name` shows someone with no name
    assert strings == {EMAIL, NAME, EMAIL.split("@")[0]}
    before = text_columns_containing(strings)
    assert len(before) > 10, before  # the search finds them where they are

    summary = person_erase(user=everything.person)

    found = text_columns_containing(strings)
    assert found == [], f"still holding the person's email or name: {found}"
    assert summary["sessions.Session"] == 1
    assert Session.objects.count() == 0


def test_the_partners_sessions_logs_and_notes_and_the_programs_figures_are_unchanged():
    everything = make_zanzibar()
    program, partner, meeting = everything.program, everything.partner, everything.meeting
    meetings = Meeting.objects.filter(program=program)
    partner_logs = SessionLog.objects.filter(author=partner)
    partner_notes = PrivateNote.objects.filter(author=partner)
    before = (_rows(meetings), _rows(partner_logs), _rows(partner_notes), _figures(program))
    assert before[0] and before[1] and before[2]

    person_erase(user=everything.person)

    after = (_rows(meetings), _rows(partner_logs), _rows(partner_notes), _figures(program))
    assert after == before
    logs = SessionLog.objects.filter(meeting=meeting).order_by("pk")
    assert list(logs.values_list("author_id", "outcome", "duration_minutes")) == [
        (everything.person.pk, "held", 55),
        (partner.pk, "held", 60),
    ]


def test_the_persons_own_writing_and_records_go_and_anonymous_answers_stay():
    everything = make_zanzibar()

    person_erase(user=everything.person)

    log = SessionLog.objects.get(pk=everything.log.pk)
    assert (log.shared_notes, log.reflections, log.goal_progress) == ("", [], {})
    assert (log.outcome, log.duration_minutes) == ("held", 55)  # the facts stay
    assert not PrivateNote.objects.filter(pk=everything.private_note.pk).exists()
    assert not OutcomePerson.objects.filter(pk=everything.outcome_person.pk).exists()
    assert not OutcomeRecord.objects.filter(pk=everything.outcome_record.pk).exists()
    assert SurveyAnswer.objects.get(pk=everything.anonymous_answer.pk).value == (
        everything.anonymous_answer.value
    )
    assert SurveyAnswer.objects.get(pk=everything.survey_answer.pk).value == ""
    assert Match.objects.filter(pk=everything.match.pk).exists()


def test_the_account_becomes_an_inactive_deleted_user_that_cannot_sign_in(client):
    everything = make_zanzibar()
    person = everything.person

    person_erase(user=person)

    person.refresh_from_db()
    assert (person.display_name, person.first_name, person.last_name) == ("Deleted user", "", "")
    assert person.email == f"deleted-{person.pk}@deleted.invalid"
    assert person.institutional_id is None
    assert not person.is_active and not person.has_usable_password()
    assert is_tombstone(person)
    assert client.login(email=EMAIL, password=PASSWORD) is False
    assert client.login(email=person.email, password=PASSWORD) is False
    assert User.objects.filter(pk=person.pk).count() == 1


def test_erasing_a_tombstone_again_changes_nothing():
    everything = make_zanzibar()
    person = everything.person
    person_erase(user=person)
    # Someone else's text that happens to say "Deleted user" must not be touched.
    other = ExclusionRequest.objects.create(
        program=everything.program, person=everything.partner, named="Deleted user", key="x"
    )
    everything_else = text_columns_containing({"Deleted user", person.email})

    assert person_erase(user=person) == {}

    assert text_columns_containing({"Deleted user", person.email}) == everything_else
    other.refresh_from_db()
    assert (other.named, other.key) == ("Deleted user", "x")


def test_the_summary_counts_what_each_model_lost():
    everything = make_zanzibar()

    summary = person_erase(user=everything.person)

    assert summary["accounts.User"] == 1
    assert summary["mentoring_sessions.PrivateNote"] == 1
    assert summary["outcomes.OutcomePerson"] == 1
    assert summary["outcomes.OutcomeRecord"] == 1
    assert summary["account.EmailAddress"] == 1
    assert summary["programs.Answer"] == 1
    assert summary["mentoring_sessions.SessionLog"] == 1
    assert "matching.Match" not in summary  # kept as it is


def test_every_delete_in_the_map_cascades_only_into_rows_the_map_deletes_too():
    """Deleting a person's rows must never take another person's data along."""
    deleted = {d.model for d in declarations() if d.erase == Erase.DELETE}
    problems = []
    for declaration in declarations():
        if declaration.erase != Erase.DELETE:
            continue
        for relation in declaration.model._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and relation.is_relation):
                continue
            if relation.many_to_many:
                continue
            if relation.on_delete is models.CASCADE and relation.related_model not in deleted:
                problems.append(f"{declaration.label} -> {relation.related_model._meta.label}")
    assert problems == []


def test_other_peoples_requests_naming_the_person_stop_naming_them():
    everything = make_zanzibar()
    request = ExclusionRequest.objects.get(named=NAME)

    person_erase(user=everything.person)

    request.refresh_from_db()
    assert (request.person, request.named) == (everything.others["yan"], "Deleted user")
    assert not ExclusionRequest.objects.filter(pk=everything.exclusion_request.pk).exists()


def test_an_outcome_imports_errors_lose_the_persons_address_and_keep_the_rest():
    everything = make_zanzibar()
    record = OutcomeImport.objects.get(original_name="grades.csv")

    person_erase(user=everything.person)

    record.refresh_from_db()
    assert record.errors == [
        "Line 2: the institutional ID S9999999 and the email Deleted user belong to two "
        "different accounts."
    ]
    assert (record.uploaded_by, record.error_count) == (everything.coordinator, 1)


def test_erasing_one_person_leaves_another_persons_rows_alone():
    everything = make_zanzibar()
    bystander = UserFactory(display_name="Bystander Person")
    watched = text_columns_containing(identifying_strings(bystander) | {everything.partner.email})

    person_erase(user=everything.person)

    assert (
        text_columns_containing(identifying_strings(bystander) | {everything.partner.email})
        == watched
    )


def test_what_the_person_typed_or_was_called_elsewhere_goes_too(client):
    """The review's cases: an ending reason copied onto the match, the place and link of the
    sessions they ran, a coordinator's note quoting their address, an invitation to an older
    address, an accented name inside an email log's JSON (escaped there on SQLite)."""
    from notifications.services import notification_queue
    from privacy.models import ErasureRequest
    from programs.models import Invitation

    everything = make_zanzibar(client)
    person, partner = everything.person, everything.partner
    person.display_name = "Zoë Ångström-Quokkington"
    person.save(update_fields=["display_name"])
    person.emailaddress_set.create(email="z.q.old@example.org", verified=True, primary=False)
    Invitation.objects.create(
        program=everything.program, email="Z.Q.Old@example.org", name="Zoë", role="mentee"
    )
    Match.objects.filter(pk=everything.match.pk).update(end_reason_text="Zoë moved to Lyon")
    Meeting.objects.filter(pk=everything.meeting.pk).update(
        mentor=person, location="Zoë's kitchen", online_link="https://video.example/zoe"
    )
    ErasureRequest.objects.create(
        user=person, note=f"Email from {EMAIL}", due_at=everything.meeting.start
    )
    notification_queue(
        kind=Kind.NO_SESSION_NUDGE,
        to=partner,
        context={"partner": "Zoë Ångström-Quokkington"},
        key_extra="review",
    )
    strings = identifying_strings(person)
    assert {"z.q.old@example.org", "Zoë Ångström-Quokkington"} <= strings
    assert len(text_columns_containing(strings)) > 10

    person_erase(user=person)

    assert text_columns_containing(strings) == []
    meeting = Meeting.objects.get(pk=everything.meeting.pk)
    assert (meeting.location, meeting.online_link) == ("", "")
    assert Match.objects.get(pk=everything.match.pk).end_reason_text == ""
    assert not Invitation.objects.filter(email__iexact="z.q.old@example.org").exists()
    assert ErasureRequest.objects.get(note__startswith="Email from").note == (
        "Email from Deleted user"
    )


def test_records_under_the_persons_institutional_id_go_even_without_the_account_link():
    everything = make_person_with_everything(email=EMAIL)
    person = everything.person
    person.institutional_id = "S-7781"
    person.save(update_fields=["institutional_id"])
    elsewhere = OutcomePerson.objects.create(
        program=everything.program, institutional_id="S-7781", user=None
    )
    OutcomeRecord.objects.create(person=elsewhere, term="2025-spring", measure="gpa", value=3.1)

    person_erase(user=person)

    assert not OutcomePerson.objects.filter(institutional_id="S-7781").exists()
    assert not OutcomeRecord.objects.filter(person__institutional_id="S-7781").exists()
