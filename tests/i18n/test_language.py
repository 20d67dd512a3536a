"""Which language a page is in: ?lang= in the address, the person's own choice, the cookie,
the browser's Accept-Language, the default; unknown codes fall through; Arabic is right to left."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _html_tag(response) -> str:
    body = response.content.decode()
    return body[body.index("<html") : body.index(">", body.index("<html")) + 1]


def test_default_is_english_left_to_right(client):
    response = client.get("/")
    assert response["Content-Language"] == "en-gb"
    assert _html_tag(response) == '<html lang="en-gb" dir="ltr">'
    assert "bootstrap.min.css" in response.content.decode()
    assert "bootstrap.rtl.min.css" not in response.content.decode()


def test_browser_language_is_used(client):
    response = client.get("/", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    assert response["Content-Language"] == "es"
    assert 'lang="es"' in _html_tag(response)


def test_arabic_is_right_to_left_with_bootstraps_rtl_stylesheet(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get("/")
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "bootstrap.rtl.min.css" in response.content.decode()


@pytest.mark.parametrize(
    "bad", ["xx", "klingon", "../../etc", "a" * 300, "<script>alert(1)</script>"]
)
def test_an_unknown_code_in_the_cookie_falls_back_to_the_default(client, bad):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = bad
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en-gb"


@pytest.mark.parametrize("bad", ["xx", "zz-ZZ", "a" * 300, "<script>"])
def test_an_unknown_code_in_the_address_is_ignored(client, bad):
    response = client.get("/", {"lang": bad}, headers={"accept-language": "es"})
    assert response.status_code == 200
    assert response["Content-Language"] == "es"  # the next source decides
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_lang_in_the_address_wins_and_is_remembered(client):
    response = client.get("/", {"lang": "ar"}, headers={"accept-language": "es"})
    assert response["Content-Language"] == "ar"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert client.get("/")["Content-Language"] == "ar"


def test_a_signed_in_persons_own_language_beats_the_cookie_and_the_browser(client):
    person = UserFactory(language="es")
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get("/programs/", headers={"accept-language": "ar"})
    assert response["Content-Language"] == "es"


def test_the_chooser_remembers_the_language_for_the_account_and_goes_back(client):
    person = UserFactory(language="")
    client.force_login(person)
    response = client.post("/accounts/language/", {"language": "ar", "next": "/programs/"})
    assert response.status_code == 302
    assert response["Location"] == "/programs/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    person.refresh_from_db()
    assert person.language == "ar"


def test_the_chooser_works_signed_out_with_a_cookie(client):
    response = client.post("/accounts/language/", {"language": "es", "next": "/accessibility/"})
    assert response["Location"] == "/accessibility/"
    assert client.get("/accessibility/")["Content-Language"] == "es"


@pytest.mark.parametrize("bad", ["", "xx", "a" * 300])
def test_the_chooser_refuses_an_unknown_language_and_changes_nothing(client, bad):
    person = UserFactory(language="es")
    client.force_login(person)
    response = client.post(
        "/accounts/language/", {"language": bad, "next": "/programs/"}, follow=True
    )
    with translation.override("es"):  # the person's own language
        refused = gettext("That language is not offered. Nothing was changed.")
    assert refused != "That language is not offered. Nothing was changed."
    assert refused in response.content.decode()
    person.refresh_from_db()
    assert person.language == "es"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_chooser_never_sends_someone_off_site(client):
    response = client.post(
        "/accounts/language/", {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_chooser_only_takes_posts(client):
    assert client.get("/accounts/language/", {"language": "es"}).status_code == 405


def test_every_page_offers_the_chooser_with_each_language_in_itself(client):
    body = client.get("/accessibility/").content.decode()
    assert 'id="language-chooser"' in body
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in body
        assert name in body


def test_signing_up_in_a_language_makes_it_the_persons_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nueva@example.org",
            "password1": "una-contraseña-larga-42",
            "password2": "una-contraseña-larga-42",
            "display_name": "Nueva Persona",
            "time_zone": "Europe/Madrid",
            "privacy_notice": "on",
        },
    )
    assert response.status_code in (200, 302)
    from accounts.models import User

    person = User.objects.filter(email="nueva@example.org").first()
    if person is None:  # the sign-up form asks for more than this test sends: show why
        pytest.fail(response.content.decode()[:3000])
    assert person.language == "es"


def test_a_name_is_isolated_from_the_text_around_it(client):
    person = UserFactory(display_name="نورة الحربي")
    client.force_login(person)
    body = client.get("/programs/").content.decode()
    assert "<bdi>نورة الحربي</bdi>" in body


def test_the_accessibility_statement_is_public_and_names_the_contact(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@uni.example"
    response = client.get("/accessibility/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Accessibility statement" in body
    assert "WCAG" in body and "2.1" in body
    assert 'href="mailto:access@uni.example"' in body
    assert 'href="/accessibility/"' in client.get("/").content.decode()


def test_the_accessibility_statement_costs_the_same_queries_at_two_sizes():
    viewer = UserFactory()
    first = Client()
    first.force_login(viewer)
    first.get("/accessibility/")  # the viewer's groups are kept from here (mentoring/rights.py)
    counts = []
    for extra in (1, 25):
        UserFactory.create_batch(extra)
        browser = Client()
        browser.force_login(viewer)
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/accessibility/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_calendar_feed_is_in_its_owners_language_whoever_fetches_it(client):
    from django.urls import reverse

    from sessions.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=UserFactory(language="ar"))
    body = client.get(
        reverse("sessions:feed", args=[feed.token]), headers={"accept-language": "es"}
    ).content.decode()
    with translation.override("ar"):
        name = gettext("Mentoring sessions")
    assert name != "Mentoring sessions"
    assert name in body


def _chain(catalogue) -> list:
    chain = []
    while catalogue is not None:
        chain.append(catalogue)
        catalogue = catalogue._fallback
    return chain


def test_a_request_trims_the_empty_english_fallbacks_and_translates_as_before(client):
    import gettext as gettext_module

    from django.utils.translation import trans_real

    # Fresh catalogues, as Django builds them: English has a chain of empty `en` ones.
    trans_real._translations.clear()
    british = trans_real.translation("en-gb")
    empty = [
        node
        for node in _chain(british)
        if type(node) is gettext_module.GNUTranslations and set(node._catalog) <= {""}
    ]
    assert empty  # what the trim is for; if Django stops making them, this test can go
    with translation.override("es"):
        before = (gettext("Sign in"), translation.ngettext("%d day", "%d days", 3))
    with translation.override("en-gb"):
        english = (gettext("Sign in"), translation.ngettext("%d day", "%d days", 1))

    client.get("/", headers={"accept-language": "es"})
    client.get("/")

    for code in ("en-gb", "es"):
        assert not [node for node in _chain(trans_real.translation(code)) if node in empty]
    with translation.override("es"):
        assert (gettext("Sign in"), translation.ngettext("%d day", "%d days", 3)) == before
        assert gettext("a message nobody translated") == "a message nobody translated"
    with translation.override("en-gb"):
        assert (gettext("Sign in"), translation.ngettext("%d day", "%d days", 1)) == english


def test_lang_in_the_address_of_an_admin_list_is_not_taken_for_a_filter(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/programs/application/", {"lang": "es", "status": "approved"})
    assert response.status_code == 200
    assert 'lang="es"' in _html_tag(response)
    assert response.context["cl"].params == {"status": "approved"}
