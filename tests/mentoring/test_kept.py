"""`{% kept %}` (mentoring/templatetags/kept.py) and the navigation and footer it keeps."""

import re

import pytest
from django.template import TemplateSyntaxError, engines
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from mentoring.templatetags.kept import kept_forget
from tests.factories import UserFactory
from tests.messaging.helpers import make_coordinator, make_pair, pair_conversation, send


class Counted:
    """A value that counts how many times a template shows it."""

    def __init__(self):
        self.shown = 0

    def __str__(self):
        self.shown += 1
        return f"shown {self.shown}"


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load kept %}" + source).render(context)


@pytest.fixture(autouse=True)
def nothing_kept():
    kept_forget()
    yield
    kept_forget()


def test_a_part_is_rendered_once_and_then_served_as_kept():
    template = engines["django"].from_string("{% load kept %}[{% kept %}{{ value }}{% endkept %}]")
    value = Counted()
    assert [template.render({"value": value}) for _ in range(3)] == ["[shown 1]"] * 3
    assert value.shown == 1


def test_each_listed_value_has_its_own_part():
    template = engines["django"].from_string(
        "{% load kept %}{% kept role %}{{ role }} {{ value }}{% endkept %}"
    )
    value = Counted()
    shown = [template.render({"role": role, "value": value}) for role in ("a", "b", "a", "b")]
    assert shown == ["a shown 1", "b shown 2", "a shown 1", "b shown 2"]


def test_each_language_has_its_own_part():
    template = engines["django"].from_string(
        '{% load i18n kept %}{% kept %}{% translate "Programs" %}{% endkept %}'
    )
    shown = []
    for language in ("en-gb", "es", "en-gb"):
        with translation.override(language):
            shown.append(template.render({}))
    assert shown == ["Programs", "Programas", "Programs"]


def test_escaping_on_and_off_have_their_own_parts():
    template = engines["django"].from_string("{% load kept %}{% kept %}{{ text }}{% endkept %}")
    escaped = template.render({"text": "<b>"})
    with_autoescape_off = engines["django"].from_string(
        "{% load kept %}{% autoescape off %}{% kept %}{{ text }}{% endkept %}{% endautoescape %}"
    )
    assert (escaped, with_autoescape_off.render({"text": "<b>"})) == ("&lt;b&gt;", "<b>")
    assert template.render({"text": "other"}) == "&lt;b&gt;"  # kept, as the first render


def test_two_parts_of_one_template_and_a_template_parsed_again_do_not_share():
    assert render("{% kept %}one{% endkept %}-{% kept %}two{% endkept %}") == "one-two"
    # Parsed again (a development server after an edit): new parts, never the old HTML.
    assert render("{% kept %}edited{% endkept %}") == "edited"


def test_a_part_cannot_hold_a_block():
    with pytest.raises(TemplateSyntaxError, match=re.escape("cannot hold a {% block %}")):
        render("{% kept %}{% if 1 %}{% block title %}{% endblock %}{% endif %}{% endkept %}")


def test_a_changed_setting_forgets_what_was_kept():
    template = engines["django"].from_string("{% load kept %}{% kept %}{{ value }}{% endkept %}")
    value = Counted()
    template.render({"value": value})
    with override_settings(STATIC_URL="/elsewhere/"):
        assert template.render({"value": value}) == "shown 2"


# --- the navigation and the footer (templates/base.html) ----------------------------------------


def page(client, url: str) -> str:
    """The page, with its CSRF tokens (new on every page) blanked."""
    html = client.get(url).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en-gb", "es", "ar"])
def test_pages_served_from_parts_another_person_kept_are_the_pages_rendered_afresh(language):
    match = make_pair()
    mentee, mentor = match.mentee.user, match.mentor.user
    mentee.display_name = "<Ada>"
    mentee.save()
    send(pair_conversation(match), mentor, "Hello")  # the mentee has a badge, the others not
    people = [None, mentee, mentor, make_coordinator(match.program)]
    clients = []
    for person in people:
        client = Client()
        client.cookies["language"] = language
        if person:
            person.language = language
            person.save(update_fields=["language"])
            client.force_login(person)
        clients.append(client)
    names = ["home", "programs:list", "matching:my-matches", "sessions:list", "messaging:list"]
    names += ["evaluation:pending", "evaluation:program-list", "accounts:profile"]
    for name in names:
        for person, client in zip(people, clients, strict=True):
            # The parts this page shares with the person before were kept by that person.
            kept = page(client, reverse(name))
            kept_forget()
            assert kept == page(client, reverse(name)), (person, name)


@pytest.mark.django_db
def test_each_section_marks_its_own_link_as_current(client):
    coordinator = make_coordinator()
    client.force_login(coordinator)
    sections = {
        "home": "Home",
        "programs:list": "Programs",
        "matching:my-matches": "My matches",
        "sessions:list": "Sessions",
        "messaging:list": "Messages",
        "evaluation:pending": "Check-ins",
        "evaluation:program-list": "Reports",
        "accounts:profile": None,
    }
    for _ in range(2):  # rendered, then kept
        for name, link in sections.items():
            html = client.get(reverse(name)).content.decode()
            current = re.findall(r'aria-current="page" href="[^"]*">([^<]+)', html)
            assert current == ([link] if link else []), name


@pytest.mark.django_db
def test_kept_navigation_still_shows_each_persons_own_name_badge_and_roles(client):
    match = make_pair()
    mentee, mentor = match.mentee.user, match.mentor.user
    mentee.display_name, mentor.display_name = "<Ada>", "Grace"
    mentee.save(), mentor.save()
    send(pair_conversation(match), mentor, "Hello")
    coordinator = make_coordinator(match.program)
    stranger = UserFactory(display_name="Linus")
    shown = {}
    for _ in range(2):
        for person in (mentee, mentor, coordinator, stranger):
            client.force_login(person)
            html = client.get(reverse("home")).content.decode()
            badge = re.search(r'id="unread-messages">(\d+)', html)
            shown[person.name] = (
                re.search(r'id="account-menu"><bdi>([^<]*)</bdi>', html).group(1),
                badge.group(1) if badge else None,
                "Coordinate" in html,
            )
    assert shown == {
        "<Ada>": ("&lt;Ada&gt;", "1", False),
        "Grace": ("Grace", None, False),
        coordinator.name: (coordinator.name, None, True),
        "Linus": ("Linus", None, False),
    }
