"""Every endpoint for every role: scoped exactly like the admin.

A coordinator (signed in, or through a write token) reads and changes their program; a read
token and reporting staff only read it; another program's coordinator sees none of it (404);
participants are refused (403); no, expired or revoked credentials are 401. Refused writes
change nothing."""

import pytest
from django.test import Client

from api.models import AccessToken
from outcomes.models import OutcomeRecord
from programs.models import Application, Invitation
from tests.api.helpers import (
    error_of,
    expired_token_client,
    make_token,
    make_world,
    revoked_token_client,
    session_client,
    token_client,
)

pytestmark = pytest.mark.django_db

READS = {
    "programs": lambda e: e.program.pk,
    "applications": lambda e: e.application.pk,
    "invitations": lambda e: e.invitation.pk,
    "matches": lambda e: e.match.pk,
    "sessions": lambda e: e.meeting.pk,
    "session-logs": lambda e: e.log.pk,
    "check-ins": lambda e: e.checkin.pk,
    "survey-responses": lambda e: e.survey_answer.response_id,
    "anonymous-responses": lambda e: str(e.anonymous_answer.anonymous_response_id),
}


def _writes(world):
    e = world.everything
    return {
        "waitlist": (f"/api/v1/applications/{e.application.pk}/waitlist/", {}),
        "invite": (
            "/api/v1/invitations/",
            {
                "program": world.program.pk,
                "invitations": [
                    {"email": "new.mentee@example.org", "name": "New Mentee", "role": "mentee"}
                ],
            },
        ),
        "outcomes": (
            "/api/v1/outcome-records/",
            {
                "program": world.program.pk,
                "records": [
                    {
                        "institutional_id": "S1234567",
                        "term": "2026-spring",
                        "measure": "gpa",
                        "value": "3.4",
                    }
                ],
            },
        ),
    }


def _client(role, world) -> Client:
    if role == "anonymous":
        return Client()
    if role == "expired":
        return expired_token_client(world.coordinator)
    if role == "revoked":
        return revoked_token_client(world.coordinator)
    if role in {"read_token", "write_token"}:
        _token, secret = make_token(world.coordinator, scope=role.split("_")[0])
        return token_client(secret)
    return session_client(getattr(world, role))


def _observe(client, world) -> dict:
    """{what: status} for every read, and whether each list holds our program's object."""
    seen = {}
    e = world.everything
    for resource, pk_of in READS.items():
        pk = pk_of(e)
        response = client.get(f"/api/v1/{resource}/")
        if response.status_code == 200:
            ids = [str(row["id"]) for row in response.json()["results"]]
            seen[f"list {resource}"] = (200, str(pk) in ids)
        else:
            seen[f"list {resource}"] = (response.status_code, error_of(response)["code"])
        response = client.get(f"/api/v1/{resource}/{pk}/")
        seen[f"get {resource}"] = response.status_code
        if response.status_code != 200:
            error_of(response)
    return seen


def _state(world):
    return (
        Application.objects.get(pk=world.everything.application.pk).status,
        Invitation.objects.count(),
        sorted(OutcomeRecord.objects.values_list("person_id", "term", "measure", "value")),
    )


def _expected_reads(status, listed):
    reads = {}
    for resource in READS:
        reads[f"list {resource}"] = listed
        reads[f"get {resource}"] = status
    return reads


ALLOWED = _expected_reads(200, (200, True))
OTHERS = {**_expected_reads(404, (200, False))}
FORBIDDEN = _expected_reads(403, (403, "permission_denied"))
UNAUTHENTICATED = _expected_reads(401, (401, "not_authenticated"))
WRITES_OK = {"waitlist": 200, "invite": 201, "outcomes": 200}

CASES = {
    "coordinator": (ALLOWED, WRITES_OK),
    "write_token": (ALLOWED, WRITES_OK),
    "read_token": (ALLOWED, dict.fromkeys(WRITES_OK, 403)),
    "reporting": (ALLOWED, dict.fromkeys(WRITES_OK, 403)),
    "other_coordinator": (OTHERS, dict.fromkeys(WRITES_OK, 404)),
    "participant": (FORBIDDEN, dict.fromkeys(WRITES_OK, 403)),
    "anonymous": (UNAUTHENTICATED, dict.fromkeys(WRITES_OK, 401)),
    "expired": (UNAUTHENTICATED, dict.fromkeys(WRITES_OK, 401)),
    "revoked": (UNAUTHENTICATED, dict.fromkeys(WRITES_OK, 401)),
}


@pytest.mark.parametrize("role", list(CASES))
def test_access_matrix(role):
    world = make_world()
    client = _client(role, world)
    expected_reads, expected_writes = CASES[role]
    if role in {"expired", "revoked"}:
        expected_reads = {
            key: (401, "not_authenticated") if key.startswith("list") else 401
            for key in expected_reads
        }
    assert _observe(client, world) == expected_reads

    before = _state(world)
    writes = {}
    for name, (url, body) in _writes(world).items():
        response = client.post(url, body, content_type="application/json")
        writes[name] = response.status_code
        if response.status_code >= 400:
            error_of(response)
    assert writes == expected_writes
    if expected_writes == WRITES_OK:
        status, invitations, records = _state(world)
        assert status == Application.Status.WAITLISTED
        assert invitations == before[1] + 1
        assert len(records) == len(before[2]) + 1
    else:
        assert _state(world) == before


def test_a_token_acts_with_exactly_its_owners_scope():
    world = make_world()
    _token, secret = make_token(world.other_coordinator)
    response = token_client(secret).get("/api/v1/programs/")
    assert [row["id"] for row in response.json()["results"]] == [world.other_program.pk]
    response = token_client(secret).get(f"/api/v1/programs/{world.program.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_token_stops_working_when_its_owner_loses_the_coordinator_role():
    world = make_world()
    _token, secret = make_token(world.coordinator)
    world.coordinator.groups.clear()
    response = token_client(secret).get("/api/v1/programs/")
    assert response.status_code == 403
    assert AccessToken.objects.count() == 1


def test_filtering_by_another_programs_id_is_404():
    world = make_world()
    _token, secret = make_token(world.coordinator)
    response = token_client(secret).get(f"/api/v1/sessions/?program={world.other_program.pk}")
    assert response.status_code == 404
    response = token_client(secret).get(f"/api/v1/sessions/?program={world.program.pk}")
    assert [row["id"] for row in response.json()["results"]] == [world.everything.meeting.pk]
