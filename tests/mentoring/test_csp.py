"""Content-Security-Policy: every response carries it, scripts only from our own files, and
nothing in our pages that it would refuse (inline scripts, on*= handlers, inline styles)."""

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from sessions.services import calendar_feed_for
from tests.evaluation.helpers import make_coordinator, make_pair, make_program
from tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
DISPLAY_NONE = "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='"
EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-hashes'", DISPLAY_NONE],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


class _InlineCode(HTMLParser):
    """Collects what a strict CSP refuses: inline scripts, <style>, on*= and hx-on attributes,
    javascript: URLs, and style= attributes whose hash the policy does not list."""

    def __init__(self, allowed_style_hashes=()):
        super().__init__()
        self.allowed = set(allowed_style_hashes)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and "src" not in values and values.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")
            if name == "style" and _sha256(value or "") not in self.allowed:
                self.found.append(f'style="{value}" on <{tag}> at line {self.getpos()[0]}')


def inline_code(html: str, allowed_style_hashes=()) -> list[str]:
    parser = _InlineCode(allowed_style_hashes)
    parser.feed(html)
    parser.close()
    return parser.found


def assert_no_inline_code(response):
    assert response["Content-Type"].startswith("text/html")
    allowed = policy_of(response).get("style-src-attr", [])
    assert inline_code(response.content.decode(), allowed) == [], response.request["PATH_INFO"]


# Pages that are never served: the readable page inside a data download is opened from disk.
DOWNLOADED = {TEMPLATES / "privacy" / "archive.html"}


def _web_templates():
    """Our page templates; emails and downloaded files are not web pages (no CSP there)."""
    return sorted(
        p for p in TEMPLATES.rglob("*.html") if "email" not in p.parts and p not in DOWNLOADED
    )


# Django template syntax is replaced so the HTML parser sees plain attributes.
_TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


@pytest.mark.parametrize("path", _web_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_our_templates_hold_no_inline_script_handler_or_style(path):
    source = _TEMPLATE_SYNTAX.sub("T", path.read_text())
    assert inline_code(source) == []


def test_inline_code_finder_finds_what_the_policy_refuses():
    html = (
        '<script>alert(1)</script><script src="/a.js"></script>'
        '<script type="application/json">{}</script><style>p{}</style>'
        '<a href="javascript:void(0)" onclick="x()">a</a><div hx-on:click="y()"></div>'
        '<p style="color: red"></p><form style="display: none"></form>'
    )
    assert inline_code(html, [DISPLAY_NONE]) == [
        "inline <script> at line 1",
        "<style> at line 1",
        "javascript: URL on <a> at line 1",
        "onclick= on <a> at line 1",
        "hx-on:click= on <div> at line 1",
        'style="color: red" on <p> at line 1',
    ]


@pytest.mark.django_db
def test_a_page_carries_the_policy(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert policy_of(response) == EXPECTED_POLICY
    assert "'unsafe-inline'" not in policy_of(response)["script-src"]
    assert_no_inline_code(response)


@pytest.mark.django_db
def test_a_404_page_carries_the_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert policy_of(response) == EXPECTED_POLICY


@pytest.mark.django_db
def test_redirects_and_the_admin_carry_the_policy(client):
    redirect = client.get(reverse("admin:index"))
    assert redirect.status_code == 302
    assert policy_of(redirect) == EXPECTED_POLICY
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert policy_of(response) == EXPECTED_POLICY
    assert_no_inline_code(response)


@pytest.mark.django_db
def test_json_csv_and_calendar_responses_carry_the_policy(client):
    program = make_program(name="Alpha", slug="alpha")
    match = make_pair(program)
    health = client.get(reverse("health"))
    assert health["Content-Type"] == "application/json"
    feed = client.get(
        reverse("sessions:feed", args=[calendar_feed_for(user=match.mentee.user).token])
    )
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    client.force_login(make_coordinator(program))
    export = client.get(reverse("evaluation:export", args=["checkins", "csv"]))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert [policy_of(r) for r in (health, feed, export)] == [EXPECTED_POLICY] * 3


def _admin_urls():
    """The changelist and add form of every model registered in the admin."""
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        for view in ("changelist", "add"):
            try:
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}"))
            except NoReverseMatch:
                continue
    return urls


@pytest.mark.django_db
def test_every_admin_changelist_and_add_form_holds_no_inline_code(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    checked = 0
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code == 200:
            assert_no_inline_code(response)
            checked += 1
    assert checked >= 20


@pytest.mark.django_db
def test_allauth_pages_hold_no_inline_code_the_policy_refuses(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        assert_no_inline_code(client.get(reverse(name)))
    user = UserFactory()
    # A pending change of address: allauth hides a form with style="display: none".
    EmailAddress.objects.create(user=user, email="new@example.org", verified=False)
    client.force_login(user)
    for name in ("account_email", "account_change_password"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert_no_inline_code(response)
    assert 'style="display: none"' in client.get(reverse("account_email")).content.decode()
