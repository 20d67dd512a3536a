"""Personal access tokens: created on a page with a name, scope and expiry, the secret shown
once and stored only as its SHA-256 hash, listed with their last use, revoked."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import AccessToken
from tests.api.helpers import (
    error_of,
    make_coordinator,
    make_token,
    session_client,
    token_client,
)
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def _create(client, **fields):
    data = {
        "name": "Student information system",
        "scope": "read",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **fields,
    }
    return client.post("/api/tokens/", data)


def test_token_lifecycle_create_use_list_revoke():
    program = ProgramFactory()
    coordinator = make_coordinator(program)
    client = session_client(coordinator)

    page = _create(client)
    assert page.status_code == 200
    secret = re.search(r'value="(mtk_[^"]+)"', page.content.decode()).group(1)
    token = AccessToken.objects.get()
    assert (token.name, token.scope, token.user) == (
        "Student information system",
        "read",
        coordinator,
    )
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.values_list().get())
    assert token.last_used_at is None

    response = token_client(secret).get("/api/v1/programs/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [program.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None

    listing = client.get("/api/tokens/").content.decode()
    assert "Student information system" in listing
    assert token.prefix in listing
    assert secret not in listing  # shown once, on the page that created it

    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = token_client(secret).get("/api/v1/programs/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_token_page_refuses_a_past_expiry_and_a_name_missing():
    coordinator = make_coordinator(ProgramFactory())
    client = session_client(coordinator)
    page = _create(client, name="", expires_on=timezone.localdate().isoformat())
    assert page.status_code == 200
    assert AccessToken.objects.count() == 0
    assert "Choose a day after today." in page.content.decode()


def test_participants_get_no_token_page():
    client = session_client(UserFactory())
    assert client.get("/api/tokens/").status_code == 403
    assert _create(client).status_code == 403
    assert AccessToken.objects.count() == 0


def test_someone_elses_token_cannot_be_revoked():
    program = ProgramFactory()
    mine, theirs = make_coordinator(program), make_coordinator(program)
    token, _secret = make_token(theirs)
    response = session_client(mine).post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_401_with_the_error_body():
    coordinator = make_coordinator(ProgramFactory())
    token, secret = make_token(coordinator)
    AccessToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    response = token_client(secret).get("/api/v1/programs/")
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "not_authenticated",
        "message": "This token is not valid: it is unknown, expired or revoked.",
    }


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Bearer mtk_unknown", "Bearer not-our-format"]
)
def test_malformed_or_unknown_bearer_headers_are_401(header):
    response = token_client("x").get("/api/v1/programs/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_deactivated_owners_token_is_401():
    coordinator = make_coordinator(ProgramFactory())
    _token, secret = make_token(coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert token_client(secret).get("/api/v1/programs/").status_code == 401
