"""Every report download is in the audit trail once per request (an entry per program the
file covers), written before the file streams; refused downloads leave nothing. Outcome
imports are recorded when they are applied, with who confirmed them."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from outcomes.models import OutcomeImport
from tests.audit.helpers import entries_since, make_coordinator, make_reporter, mark, target
from tests.evaluation.helpers import make_program
from tests.factories import ApplicationFactory
from tests.outcomes.helpers import make_outcome_program, make_participant, upload

pytestmark = pytest.mark.django_db


def _download(client, url, **params):
    """GET a download and read it to the end, as a browser would."""
    response = client.get(url, params)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _exported(user, program, report: str, fmt: str) -> tuple:
    return ("report_exported", user, program, None, None, {"report": report, "format": fmt})


@pytest.mark.parametrize("dataset", ["sessions", "checkins", "survey-responses", "closures"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_evaluation_export_is_recorded_once(client, dataset, fmt):
    program = make_program()
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    _download(client, reverse("evaluation:export", args=[dataset, fmt]), program=program.pk)

    assert entries_since(since) == [_exported(coordinator, program, dataset, fmt)]


def test_an_export_of_two_programs_is_on_record_in_each(client):
    first, second = make_program(name="Alpha"), make_program(name="Beta")
    reporter = make_reporter(first, second)
    client.force_login(reporter)
    since = mark()

    _download(client, reverse("evaluation:export", args=["checkins", "csv"]))

    assert sorted(entries_since(since), key=lambda e: e[2].pk) == [
        _exported(reporter, first, "checkins", "csv"),
        _exported(reporter, second, "checkins", "csv"),
    ]


def test_the_impact_report_export_is_recorded(client):
    program = make_program()
    reporter = make_reporter(program)
    client.force_login(reporter)
    since = mark()

    _download(client, reverse("evaluation:impact-export", args=["xlsx"]), program=program.pk)

    assert entries_since(since) == [_exported(reporter, program, "impact", "xlsx")]


def test_a_refused_export_records_nothing(client):
    mine, theirs = make_program(), make_program()
    client.force_login(make_coordinator(mine))
    since = mark()

    url = reverse("evaluation:export", args=["checkins", "csv"])
    assert client.get(url, {"program": theirs.pk}).status_code == 404
    assert client.get(reverse("evaluation:export", args=["checkins", "pdf"])).status_code == 404

    assert entries_since(since) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_training_completion_export_is_recorded(client, fmt):
    program = make_program()
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    _download(client, reverse("training:completion-export", args=[program.pk, fmt]))

    assert entries_since(since) == [_exported(coordinator, program, "training-completion", fmt)]


def test_the_outcome_report_downloads_are_recorded(client):
    program = make_outcome_program()
    reporter = make_reporter(program)
    client.force_login(reporter)
    since = mark()

    _download(client, reverse("outcomes:report-pdf", args=[program.pk]))
    _download(client, reverse("outcomes:report-download", args=[program.pk, "xlsx"]))
    _download(client, reverse("outcomes:report-download", args=[program.pk, "csv"]))
    _download(
        client, reverse("outcomes:report-download", args=[program.pk, "csv"]), table="balance"
    )
    missing = reverse("outcomes:report-download", args=[program.pk, "csv"])
    assert client.get(missing, {"table": "nope"}).status_code == 404

    assert entries_since(since) == [
        _exported(reporter, program, "outcomes-report", "pdf"),
        _exported(reporter, program, "outcomes-report", "xlsx"),
        _exported(reporter, program, "outcomes-results", "csv"),
        _exported(reporter, program, "outcomes-balance", "csv"),
    ]


def test_the_admins_application_export_is_recorded_per_program(client):
    first, second = make_program(), make_program()
    applications = [ApplicationFactory(program=p) for p in (first, first, second)]
    coordinator = make_coordinator(first, second)
    client.force_login(coordinator)
    since = mark()

    response = client.post(
        reverse("admin:programs_application_changelist"),
        {"action": "export_csv", "_selected_action": [a.pk for a in applications]},
    )
    b"".join(response.streaming_content)

    assert sorted(entries_since(since), key=lambda e: e[2].pk) == [
        _exported(coordinator, first, "applications", "csv"),
        _exported(coordinator, second, "applications", "csv"),
    ]


def test_an_applied_outcome_import_is_recorded_with_who_confirmed_it(client):
    program = make_outcome_program()
    make_participant(program, institutional_id="S1")
    reporter = make_reporter(program)
    client.force_login(reporter)
    text = "person,term,measure,value\nS1,2025-fall,gpa,3\nC1,2025-fall,gpa,2.5\n"
    client.post(reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.csv", text)})
    record = OutcomeImport.objects.get()
    assert record.status == "ready"
    assert AuditEntry.objects.filter(action="outcomes_imported").count() == 0  # checked only
    since = mark()

    client.post(reverse("outcomes:import-confirm", args=[program.pk, record.pk]))
    client.post(reverse("outcomes:import-confirm", args=[program.pk, record.pk]))  # again: no-op

    assert entries_since(since) == [
        (
            "outcomes_imported",
            reporter,
            program,
            None,
            target(record),
            {"rows": 2, "added": 2, "updated": 0},
        )
    ]


def test_an_import_that_fails_while_applying_records_nothing(client, monkeypatch):
    from outcomes import importing

    program = make_outcome_program()
    reporter = make_reporter(program)
    client.force_login(reporter)
    text = "person,term,measure,value\nC1,2025-fall,gpa,2.5\n"
    client.post(reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.csv", text)})
    record = OutcomeImport.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_bulk_upsert", broken)
    monkeypatch.setattr(importing, "_copy_upsert", broken)
    since = mark()

    client.post(reverse("outcomes:import-confirm", args=[program.pk, record.pk]))

    assert OutcomeImport.objects.get().status == "failed"
    assert entries_since(since) == []
