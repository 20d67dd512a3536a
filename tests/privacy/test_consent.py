"""Consent to use academic records: asked on the application, changed under Privacy, kept as
a history with audit entries, and obeyed by the outcome analysis and import."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AuditEntry
from mentoring.roles import COORDINATORS_GROUP
from outcomes import report as report_module
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord
from outcomes.report import outcome_report
from programs.consent import (
    records_consent_in_force,
    records_consent_set,
    records_consenting_user_ids,
)
from programs.models import Application, RecordsConsent
from programs.services import application_submit
from tests.factories import UserFactory
from tests.outcomes.helpers import import_file, make_outcome_program, make_participant
from tests.programs.helpers import make_data, make_program

pytestmark = pytest.mark.django_db

SETTINGS = reverse("privacy:settings")
APP = RecordsConsent.Source.APPLICATION


def apply_url(program, role="mentee"):
    return reverse("programs:application-create", args=[program.slug, role])


def form_data(program, **overrides) -> dict:
    data = {
        "career_stage": program.career_stages.first().pk,
        "topics": [t.pk for t in program.topics.all()[:2]],
        "languages": ["English"],
        "format_preference": "online",
        "time_zone": "Europe/Berlin",
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 0,
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 21,
        "form-0-weekday": 0,
        "form-0-start": "17:00",
        "form-0-end": "19:00",
    }
    data.update(overrides)
    return data


def _history(program, user):
    return list(
        RecordsConsent.objects.filter(program=program, user=user)
        .order_by("decided_at", "id")
        .values_list("granted", "source")
    )


def _audit():
    return list(
        AuditEntry.objects.order_by("pk").values_list("action", "actor", "program", "person")
    )


# --- The service and the selector --------------------------------------------------------


def test_a_row_is_added_only_when_the_decision_changes_with_audit_entries():
    program = make_program()
    user = UserFactory()
    assert records_consent_in_force(program=program, user=user) is None
    records_consent_set(program=program, user=user, granted=False, source=APP)
    records_consent_set(program=program, user=user, granted=False, source=APP)
    records_consent_set(program=program, user=user, granted=True, source="settings")
    records_consent_set(program=program, user=user, granted=True, source="settings")
    records_consent_set(program=program, user=user, granted=False, source="settings")
    assert _history(program, user) == [(False, APP), (True, "settings"), (False, "settings")]
    assert records_consent_in_force(program=program, user=user) is False
    # A first "no" is no audit event; giving and withdrawing are.
    assert _audit() == [
        ("consent_given", user.pk, program.pk, user.pk),
        ("consent_withdrawn", user.pk, program.pk, user.pk),
    ]
    assert AuditEntry.objects.last().detail == {"source": "settings"}


def test_the_selector_takes_each_persons_newest_decision_in_one_query(
    django_assert_num_queries,
):
    program, other = make_program(), make_program()
    yes, no, withdrew, regave, elsewhere = UserFactory.create_batch(5)
    records_consent_set(program=program, user=yes, granted=True, source=APP)
    records_consent_set(program=program, user=no, granted=False, source=APP)
    records_consent_set(program=program, user=withdrew, granted=True, source=APP)
    records_consent_set(program=program, user=withdrew, granted=False, source="settings")
    records_consent_set(program=program, user=regave, granted=False, source=APP)
    records_consent_set(program=program, user=regave, granted=True, source="settings")
    records_consent_set(program=other, user=elsewhere, granted=True, source=APP)
    with django_assert_num_queries(1):
        consenting = records_consenting_user_ids(program=program)
    assert consenting == {yes.pk, regave.pk}


# --- On the application ------------------------------------------------------------------


def test_the_application_asks_unticked_and_records_the_decision_on_create(client):
    program = make_program()
    user = UserFactory()
    client.force_login(user)
    page = client.get(apply_url(program))
    assert "I agree that this program may use my academic records" in page.content.decode()
    assert page.context["form"]["records_consent"].value() is False
    client.post(apply_url(program), form_data(program))
    assert Application.objects.filter(user=user).exists()
    assert _history(program, user) == [(False, APP)]
    assert not AuditEntry.objects.filter(action__startswith="consent").exists()


def test_ticking_the_box_gives_consent_and_unticking_it_on_edit_withdraws(client):
    program = make_program()
    user = UserFactory()
    client.force_login(user)
    client.post(apply_url(program), form_data(program, records_consent="on"))
    assert _history(program, user) == [(True, APP)]
    application = Application.objects.get(user=user)
    edit = reverse("programs:application-edit", args=[application.pk])
    assert client.get(edit).context["form"].initial["records_consent"] is True
    edited = {"form-INITIAL_FORMS": 1}
    client.post(edit, form_data(program, records_consent="on", motivation="Same.", **edited))
    assert _history(program, user) == [(True, APP)]
    assert Application.objects.get(user=user).motivation == "Same."
    client.post(edit, form_data(program, motivation="Changed my mind.", **edited))
    assert _history(program, user) == [(True, APP), (False, APP)]
    assert [a for a, *_ in _audit() if a.startswith("consent")] == [
        "consent_given",
        "consent_withdrawn",
    ]


def test_a_program_that_does_not_ask_shows_no_box_and_records_nothing(client):
    program = make_program(records_consent_required=False)
    user = UserFactory()
    client.force_login(user)
    assert "records_consent" not in client.get(apply_url(program)).content.decode()
    client.post(apply_url(program), form_data(program, records_consent="on"))
    assert Application.objects.filter(user=user).exists()
    assert not RecordsConsent.objects.exists()


# --- On the privacy settings page ----------------------------------------------------------


def test_the_settings_page_needs_login(client):
    response = client.get(SETTINGS)
    assert response["Location"].startswith(reverse("account_login"))


def test_the_settings_page_lists_programs_that_ask_and_withdraws_with_a_message(client):
    asks, asks_too, does_not = (
        make_program(),
        make_program(),
        make_program(records_consent_required=False),
    )
    make_program()  # not applied to
    user = UserFactory()
    for program in (asks, asks_too, does_not):
        application_submit(program=program, user=user, data=make_data(program))
    records_consent_set(program=asks, user=user, granted=True, source=APP)
    client.force_login(user)
    page = client.get(SETTINGS)
    assert [(p.name, granted) for p, granted in page.context["consents"]] == sorted(
        [(asks.name, True), (asks_too.name, None)]
    )
    body = page.content.decode()
    assert "Withdraw consent" in body and "Give consent" in body
    assert reverse("privacy:data") in body and reverse("privacy:delete") in body

    response = client.post(
        SETTINGS, {"form": "consent", "program": asks.pk, "granted": "0"}, follow=True
    )
    assert f"You withdrew your consent: {asks.name} will no longer use" in (
        response.content.decode()
    )
    assert _history(asks, user) == [(True, APP), (False, "settings")]
    assert _audit()[-1] == ("consent_withdrawn", user.pk, asks.pk, user.pk)
    client.post(SETTINGS, {"form": "consent", "program": asks_too.pk, "granted": "1"})
    assert records_consent_in_force(program=asks_too, user=user) is True


def test_consent_for_a_program_one_has_not_applied_to_is_404(client):
    program, mine = make_program(), make_program()
    user = UserFactory()
    application_submit(program=mine, user=user, data=make_data(mine))
    client.force_login(user)
    response = client.post(SETTINGS, {"form": "consent", "program": program.pk, "granted": "1"})
    assert response.status_code == 404
    not_asking = make_program(records_consent_required=False)
    application_submit(program=not_asking, user=user, data=make_data(not_asking))
    response = client.post(SETTINGS, {"form": "consent", "program": not_asking.pk, "granted": "1"})
    assert response.status_code == 404
    assert not RecordsConsent.objects.exists()


@pytest.mark.parametrize("programs", [1, 5])
def test_the_settings_page_takes_the_same_queries_for_one_or_five_programs(
    client, django_assert_num_queries, programs
):
    user = UserFactory()
    for _n in range(programs):
        program = make_program()
        application_submit(program=program, user=user, data=make_data(program))
        records_consent_set(program=program, user=user, granted=True, source=APP)
        records_consent_set(program=program, user=user, granted=False, source="settings")
    client.force_login(user)
    # session, user, programs, their decisions, roles
    with django_assert_num_queries(6):
        response = client.get(SETTINGS)
    assert len(response.context["consents"]) == programs


# --- In the outcome analysis ---------------------------------------------------------------


def _gpa(program, person, before, after):
    OutcomeRecord.objects.bulk_create(
        [
            OutcomeRecord(person=person, term="2025-fall", measure="gpa", value=before),
            OutcomeRecord(person=person, term="2026-fall", measure="gpa", value=after),
        ]
    )


def _program_with(consenting: int, without: int, comparison: int = 4, **fields):
    """Participants who rose 3.0 -> 3.5 (consenting) or 3.0 -> 2.0 (not), comparison students
    3.0 -> 3.1."""
    program = make_outcome_program(min_cell_size=3, **fields)
    users = []
    for i in range(consenting + without):
        user = make_participant(program, institutional_id=f"P{i}", consent=i < consenting)
        person = OutcomePerson.objects.create(program=program, user=user, institutional_id=f"P{i}")
        _gpa(program, person, 3.0, 3.5 if i < consenting else 2.0)
        users.append(user)
    for i in range(comparison):
        person = OutcomePerson.objects.create(program=program, institutional_id=f"C{i}")
        _gpa(program, person, 3.0, 3.1)
    return program, users


def test_participants_without_consent_are_left_out_not_compared_and_counted():
    program, _users = _program_with(consenting=4, without=3)
    report = outcome_report(program=program)
    (gpa,) = report.measures
    assert (report.participants, report.comparison, report.without_consent) == (4, 4, 3)
    assert (gpa.overall.did.n_t, gpa.overall.did.n_c) == (4, 4)
    assert gpa.overall.did.estimate == pytest.approx(0.4)
    assert report.notes == [
        "3 participants with records are left out: they have not consented to the use of "
        "their academic records."
    ]
    assert not report.consent_changed


def test_a_small_number_left_out_is_withheld():
    program, _users = _program_with(consenting=4, without=2)
    report = outcome_report(program=program)
    assert report.without_consent == 2
    assert report.notes == [
        "Fewer than 3 participants with records are left out: they have not consented to the "
        "use of their academic records."
    ]


def test_never_asked_counts_as_no_consent_and_a_program_that_does_not_ask_uses_everyone():
    program, _users = _program_with(consenting=3, without=0)
    never_asked = make_participant(program, institutional_id="N", consent=None)
    person = OutcomePerson.objects.create(program=program, user=never_asked, institutional_id="N")
    _gpa(program, person, 3.0, 2.0)
    assert outcome_report(program=program).without_consent == 1
    program.records_consent_required = False
    program.save()
    report = outcome_report(program=program)
    assert (report.participants, report.without_consent, report.notes) == (4, 0, [])


def test_a_refusal_is_obeyed_even_when_the_program_does_not_ask_for_consent():
    # Turning the program's setting off uses participants who were never asked, never those
    # who said no or withdrew.
    program, _users = _program_with(consenting=3, without=3, records_consent_required=False)
    never_asked = make_participant(program, institutional_id="N", consent=None)
    person = OutcomePerson.objects.create(program=program, user=never_asked, institutional_id="N")
    _gpa(program, person, 3.0, 3.5)

    report = outcome_report(program=program)

    assert (report.participants, report.without_consent) == (4, 3)
    assert report.measures[0].overall.did.estimate == pytest.approx(0.4)


def test_the_pages_say_who_was_left_out(client):
    from tests.audit.helpers import make_reporter

    program, _users = _program_with(consenting=4, without=3)
    client.force_login(make_reporter(program))
    for name in ("outcomes:program", "outcomes:report"):
        body = client.get(reverse(name, args=[program.pk])).content.decode()
        assert "3 participants with records are left out" in body, name


def test_consent_withdrawn_while_the_analysis_runs_is_obeyed_and_said(client):
    """The withdrawal is recorded from inside the computation (the report's own
    measure_result, wrapped), as if the person clicked "withdraw" mid-analysis."""
    program, users = _program_with(consenting=5, without=0)
    leaver = users[0]
    original = report_module.measure_result

    def withdraw_then_compute(**kwargs):
        records_consent_set(program=program, user=leaver, granted=False, source="settings")
        return original(**kwargs)

    with mock.patch.object(report_module, "measure_result", side_effect=withdraw_then_compute):
        report = outcome_report(program=program)
    (gpa,) = report.measures
    assert report.consent_changed
    assert (report.participants, report.without_consent) == (4, 1)
    assert gpa.overall.did.n_t == 4
    assert report.notes[0] == (
        "A participant's consent changed while this analysis ran; the figures were computed "
        "again with the consent in force now."
    )
    # Nothing changed this time: one computation, no message.
    again = outcome_report(program=program)
    assert not again.consent_changed and again.participants == 4


# --- Comparison policy "none" ---------------------------------------------------------------


def test_policy_none_refuses_comparison_rows_with_a_clear_error_per_line():
    program = make_outcome_program(comparison_policy="none")
    make_participant(program, institutional_id="S1")
    text = (
        "institutional id,term,measure,value\n"
        "S1,2025-fall,gpa,3.1\n"
        "C1,2025-fall,gpa,3.0\n"
        "C2,2025-fall,gpa,3.0\n"
    )
    record = import_file(program, UserFactory(), text)
    assert (record.status, record.error_count) == (OutcomeImport.Status.REFUSED, 2)
    assert record.errors == [
        "Line 3: no account has the institutional ID C1, and this program takes no "
        "comparison-group records (its privacy settings).",
        "Line 4: no account has the institutional ID C2, and this program takes no "
        "comparison-group records (its privacy settings).",
    ]
    assert not OutcomeRecord.objects.exists()
    # Participants alone import fine.
    record = import_file(program, UserFactory(), "person,term,measure,value\nS1,2025-fall,gpa,3\n")
    assert record.status == OutcomeImport.Status.DONE


def test_policy_none_reports_no_comparison_group_instead_of_computing_one():
    program, _users = _program_with(consenting=4, without=0, comparison=4)
    program.comparison_policy = "none"
    program.save()
    report = outcome_report(program=program)
    (gpa,) = report.measures
    sentence = (
        "No comparison group is used: this program's privacy settings take no records of "
        "students who did not take part. Only participants' own figures are shown."
    )
    assert (report.participants, report.comparison) == (4, 0)
    assert report.notes == [sentence]
    assert (gpa.overall.sentence, gpa.matched.sentence) == (sentence, sentence)
    assert gpa.overall.withheld and gpa.overall.did is None
    assert gpa.breakdowns == [] and gpa.balance_before == []
    fall = next(point for point in gpa.series if point.term == "2026-fall")
    assert (fall.value_t, fall.n_t, fall.value_c) == (pytest.approx(3.5), 4, None)


# --- Admin ---------------------------------------------------------------------------------


def test_coordinators_see_their_programs_consents_read_only_and_the_privacy_settings(client):
    program, other = make_program(), make_program()
    mine, theirs = UserFactory(), UserFactory()
    records_consent_set(program=program, user=mine, granted=True, source=APP)
    records_consent_set(program=other, user=theirs, granted=True, source=APP)
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    program.coordinators.add(coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("admin:programs_recordsconsent_changelist"))
    assert [row.user for row in page.context["cl"].result_list] == [mine]
    theirs_row = RecordsConsent.objects.get(user=theirs)
    url = reverse("admin:programs_recordsconsent_change", args=[theirs_row.pk])
    assert client.get(url).status_code == 404
    mine_row = RecordsConsent.objects.get(user=mine)
    url = reverse("admin:programs_recordsconsent_change", args=[mine_row.pk])
    assert 'name="granted"' not in client.get(url).content.decode()
    assert client.get(reverse("admin:programs_recordsconsent_add")).status_code == 403
    change = client.get(reverse("admin:programs_program_change", args=[program.pk]))
    body = change.content.decode()
    for field in ("records_consent_required", "comparison_policy", "retention_years"):
        assert f'name="{field}"' in body, field
