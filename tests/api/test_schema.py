"""The OpenAPI schema is valid OpenAPI 3, and the documentation page works offline under the
site's Content-Security-Policy (only our static files)."""

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = set(schema["paths"])
    for resource in [
        "programs", "applications", "invitations", "matches", "sessions", "session-logs",
        "check-ins", "survey-responses", "anonymous-responses",
    ]:  # fmt: skip
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert "/api/v1/outcome-records/" in paths
    assert "/api/v1/applications/{id}/decline/" in paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_session_logs_in_the_schema_carry_no_private_notes(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "private" not in str(schema["components"]["schemas"]["SessionLog"]).lower()
    anonymous = schema["components"]["schemas"]["AnonymousResponse"]["properties"]
    assert set(anonymous) == {"id", "program", "survey", "moment", "submitted_week", "answers"}


def test_docs_page_loads_only_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert sorted(sources) == [
        "/static/favicon.svg",
        "/static/js/api-docs.js",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
    ]
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert "script-src 'self'" in response["Content-Security-Policy"]
