"""Bad input gets one error body and changes nothing: a write with a read token, malformed
JSON, a body over 10 MB, a wrong method, an unknown address, too many requests."""

import json

import pytest
from django.test import override_settings

from programs.models import Application, Invitation
from tests.api.helpers import error_of, make_coordinator, make_token, token_client
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    program = ProgramFactory()
    coordinator = make_coordinator(program)
    application = ApplicationFactory(program=program)
    _token, secret = make_token(coordinator, scope="write")
    return program, application, token_client(secret)


def test_a_write_with_a_read_token_is_403(setup):
    program, application, _client = setup
    _token, secret = make_token(program.coordinators.get(), scope="read")
    response = token_client(secret).post(
        f"/api/v1/applications/{application.pk}/decline/",
        {"reason": "Full"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "message": "This token can only read; create a write token.",
    }
    application.refresh_from_db()
    assert application.status == Application.Status.APPLIED


def test_malformed_json_is_400(setup):
    _program, application, client = setup
    response = client.post(
        f"/api/v1/applications/{application.pk}/decline/",
        '{"reason": "Full',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    application.refresh_from_db()
    assert application.status == Application.Status.APPLIED


def test_a_body_over_10_mb_is_413(setup):
    program, _application, client = setup
    body = json.dumps(
        {
            "program": program.pk,
            "invitations": [{"email": "a@example.org", "padding": "x" * (10 * 1024 * 1024)}],
        }
    )
    response = client.post("/api/v1/invitations/", body, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert Invitation.objects.count() == 0


def test_a_decline_without_a_reason_is_400_with_fields(setup):
    _program, application, client = setup
    response = client.post(
        f"/api/v1/applications/{application.pk}/decline/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {"reason": ["This field is required."]},
    }


def test_wrong_method_is_405(setup):
    _program, application, client = setup
    response = client.delete(f"/api/v1/applications/{application.pk}/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert client.get("/api/v1/outcome-records/").status_code == 405


def test_an_unknown_address_is_404_with_the_error_body(setup):
    _program, _application, client = setup
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "No such endpoint."}


def test_bad_filters_are_400(setup):
    _program, _application, client = setup
    response = client.get("/api/v1/applications/?since=yesterday&program=x")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"since", "program"}
    response = client.get("/api/v1/applications/?since=2026-02-01&until=2026-01-01")
    assert error_of(response)["fields"] == {"until": ["Must not be before since."]}


def test_page_size_is_capped(setup):
    _program, _application, client = setup
    response = client.get("/api/v1/applications/?page_size=100000")
    assert response.status_code == 200


@override_settings(API_THROTTLE_RATE="3/minute")
def test_too_many_requests_per_token_is_429(setup):
    program, _application, client = setup
    statuses = [client.get("/api/v1/programs/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/programs/")
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another token of the same person has its own allowance.
    _token, secret = make_token(program.coordinators.get())
    assert token_client(secret).get("/api/v1/programs/").status_code == 200
