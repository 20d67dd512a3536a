"""Browsers' own /favicon.ico request finds the icon, and every page links it."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'


def test_favicon_ico_redirects_to_the_icon_that_exists(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, static("favicon.svg"))
    icon = Path(finders.find("favicon.svg")).read_text()
    assert icon.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')
    assert (icon.count("<circle "), icon.count('fill="#1f5f8b"')) == (2, 2)


def test_favicon_ico_refuses_writes(client):
    assert client.post("/favicon.ico").status_code == 405


def test_pages_link_the_icon(client):
    assert LINK in client.get(reverse("programs:list")).content.decode()


def test_admin_pages_link_the_icon(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (reverse("admin:index"), reverse("admin:programs_program_changelist")):
        page = client.get(url).content.decode()
        assert (url, page.count('rel="icon"'), LINK in page) == (url, 1, True)
    # The admin's own base_site still applies around the override.
    assert "<title>Select program to change | Mentoring</title>" in page
