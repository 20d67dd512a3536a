"""Writes go through the admin's services: decisions (application_decide), invitations (the
roster import), outcome records (the outcome import); refused ones change nothing."""

import pytest

from audit.models import AuditEntry
from outcomes.models import OutcomeRecord
from programs.models import Application, Invitation, ScreeningItem
from tests.api.helpers import error_of, make_coordinator, make_token, token_client
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return ProgramFactory(outcome_terms="2025-fall\n2026-spring")


@pytest.fixture
def client(program):
    _token, secret = make_token(make_coordinator(program), scope="write")
    return token_client(secret)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_decline_with_a_reason_records_the_decision_and_audits_it(program, client):
    application = ApplicationFactory(program=program)
    response = _post(client, f"/api/v1/applications/{application.pk}/decline/", {"reason": "Full"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_reason"]) == ("declined", "Full")
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert AuditEntry.objects.filter(action="application_declined").count() == 1


def test_approve_with_screening_incomplete_is_409_and_changes_nothing(program, client):
    ScreeningItem.objects.create(program=program, label="Reference", audience="both")
    application = ApplicationFactory(program=program, role="mentee")
    response = _post(client, f"/api/v1/applications/{application.pk}/approve/", {})
    assert response.status_code == 409
    assert error_of(response)["code"] == "screening_incomplete"
    application.refresh_from_db()
    assert application.status == Application.Status.APPLIED


def test_bulk_invitations_are_all_or_nothing(program, client):
    rows = [
        {"email": "ana@example.org", "name": "Ana", "role": "mentee"},
        {"email": "not-an-email", "name": "Bo", "role": "mentor"},
    ]
    response = _post(client, "/api/v1/invitations/", {"program": program.pk, "invitations": rows})
    assert response.status_code == 400
    error = error_of(response)
    assert error["fields"] == {
        "invitations": {"1": ['"not-an-email" is not a valid email address.']}
    }
    assert Invitation.objects.count() == 0

    rows[1]["email"] = "bo@example.org"
    response = _post(client, "/api/v1/invitations/", {"program": program.pk, "invitations": rows})
    assert response.status_code == 201
    assert [row["email"] for row in response.json()] == ["ana@example.org", "bo@example.org"]
    assert Invitation.objects.filter(program=program).count() == 2


def test_a_bad_row_shape_is_400_with_fields(program, client):
    body = {"program": program.pk, "invitations": [{"email": "a@example.org", "role": "boss"}]}
    response = _post(client, "/api/v1/invitations/", body)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]["invitations"]["0"]) == ["role"]


def test_outcome_records_upsert_adds_then_updates(program, client):
    UserFactory(institutional_id="S1")
    record = {"institutional_id": "S1", "term": "2025-fall", "measure": "gpa", "value": "3.1"}
    body = {"program": program.pk, "records": [record]}
    response = _post(client, "/api/v1/outcome-records/", body)
    assert response.status_code == 200, response.json()
    assert response.json() == {"rows": 1, "added": 1, "updated": 0}
    record["value"] = "3.5"
    response = _post(client, "/api/v1/outcome-records/", body)
    assert response.json() == {"rows": 1, "added": 0, "updated": 1}
    assert list(OutcomeRecord.objects.values_list("value", flat=True)) == [3.5]


def test_outcome_records_with_problems_import_nothing(program, client):
    records = [
        {"institutional_id": "S1", "term": "2025-fall", "measure": "gpa", "value": "3.1"},
        {"institutional_id": "S2", "term": "1999", "measure": "gpa", "value": "3.1"},
    ]
    response = _post(
        client, "/api/v1/outcome-records/", {"program": program.pk, "records": records}
    )
    assert response.status_code == 400
    assert error_of(response)["fields"]["records"][0].startswith("Line 3:")
    assert OutcomeRecord.objects.count() == 0
