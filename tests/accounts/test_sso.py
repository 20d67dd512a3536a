"""Single sign-on against real identity providers over HTTP: the site (Django's test client)
talks to a django-oauth-toolkit OpenID Connect provider in its own process and to a pysaml2
SAML identity provider in a thread. Nothing is mocked at the HTTP level."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ImproperlyConfigured

from accounts.models import User
from accounts.sso import MESSAGE_EMAIL_TAKEN, MESSAGE_FAILED, MESSAGE_NO_EMAIL
from mentoring.sso_env import sso_origins, sso_providers
from tests.idp.servers import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    make_oidc_app,
    make_saml_app,
    start_saml_idp,
)

CALLBACK = "http://testserver/accounts/oidc/uni/login/callback/"


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory):
    provider = OidcProvider(tmp_path_factory.mktemp("oidc"), [CALLBACK])
    yield provider
    provider.stop()


@pytest.fixture
def oidc(oidc_provider, db):
    oidc_provider.control(mode="good")
    make_oidc_app(oidc_provider)
    return oidc_provider


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def oidc_sign_in(client, provider, *, process: str = "login"):
    """The whole code flow: the site's sign-in POST, the provider's form, back with a code.
    Returns (the site's final response, the callback URL the provider sent the browser to)."""
    start = client.post("/accounts/oidc/uni/login/", {"process": process})
    assert start.status_code == 302, start
    browser = requests.Session()
    response = browser.get(start["Location"], allow_redirects=True)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', response.text).group(1)
    response = browser.post(
        response.url,
        data={
            "csrfmiddlewaretoken": csrf,
            "username": ALICE[0],
            "password": ALICE[1],
            "next": next_url.replace("&amp;", "&"),
        },
        headers={"Referer": response.url},
        allow_redirects=False,
    )
    while not response.headers["Location"].startswith("http://testserver/"):
        response = browser.get(provider.url + response.headers["Location"], allow_redirects=False)
    callback = response.headers["Location"]
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}", follow=True), callback


def test_oidc_first_sign_in_creates_the_account_with_mapped_attributes(client, oidc):
    response, _ = oidc_sign_in(client, oidc)

    user = User.objects.get()
    assert (user.email, user.display_name, user.institutional_id) == (
        "alice@uni.example",
        "Alice A-1001",
        "A-1001",
    )
    assert not user.has_usable_password()
    assert (user.is_staff, user.is_superuser, list(user.groups.all())) == (False, False, [])
    assert list(SocialAccount.objects.values_list("provider", "user")) == [("uni", user.pk)]
    assert response.wsgi_request.user == user


@pytest.mark.parametrize("mode", ["bad-signature", "expired", "other-audience"])
def test_oidc_refuses_a_bad_id_token(client, oidc, mode):
    oidc.control(mode=mode)

    response, _ = oidc_sign_in(client, oidc)

    assert _messages(response) == [str(MESSAGE_FAILED)]
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0
    assert not response.wsgi_request.user.is_authenticated


def test_oidc_refuses_a_provider_that_sends_no_email(client, oidc):
    oidc.control(mode="no-email")

    response, _ = oidc_sign_in(client, oidc)

    assert _messages(response) == [str(MESSAGE_NO_EMAIL)]
    assert User.objects.count() == 0


def test_oidc_refuses_a_replayed_authorization_code(client, oidc):
    oidc_sign_in(client, oidc)
    client.logout()
    user = User.objects.get()

    parts = urlsplit(_callback_of_last_sign_in(client, oidc))
    client.cookies.clear()
    replay = client.get(f"{parts.path}?{parts.query}", follow=True)

    assert _messages(replay) == [str(MESSAGE_FAILED)]
    assert not replay.wsgi_request.user.is_authenticated
    assert list(User.objects.all()) == [user]


def _callback_of_last_sign_in(client, oidc):
    _, callback = oidc_sign_in(client, oidc)
    client.logout()
    return callback


def test_oidc_provider_configured_by_environment_variables(client, oidc_provider, db, settings):
    oidc_provider.control(mode="good")
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        {
            "SSO_OIDC_UNI_NAME": "University",
            "SSO_OIDC_UNI_SERVER_URL": f"{oidc_provider.url}/o",
            "SSO_OIDC_UNI_CLIENT_ID": CLIENT_ID,
            "SSO_OIDC_UNI_SECRET": CLIENT_SECRET,
            "SSO_OIDC_UNI_INSTITUTIONAL_ID_CLAIM": "employee_number",
            "SSO_OIDC_UNI_EMAIL_DOMAINS": "uni.example",
        }
    )

    response, _ = oidc_sign_in(client, oidc_provider)

    user = User.objects.get()
    assert (user.email, user.institutional_id) == ("alice@uni.example", "A-1001")
    assert response.wsgi_request.user == user
    assert EmailAddress.objects.get(user=user).verified


def test_oidc_email_of_a_password_account_is_linked_only_after_signing_in(client, oidc):
    owner = User.objects.create_user(email="alice@uni.example", password="own-password-1")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)

    refused, _ = oidc_sign_in(client, oidc)

    assert _messages(refused) == [str(MESSAGE_EMAIL_TAKEN)]
    assert not refused.wsgi_request.user.is_authenticated
    assert SocialAccount.objects.count() == 0
    assert list(User.objects.all()) == [owner]

    client.force_login(owner)
    oidc_sign_in(client, oidc, process="connect")
    assert list(SocialAccount.objects.values_list("user", flat=True)) == [owner.pk]

    client.logout()
    response, _ = oidc_sign_in(client, oidc)
    assert response.wsgi_request.user == owner
    assert User.objects.count() == 1


def test_institutional_id_held_by_someone_else_does_not_block_sign_up(client, oidc):
    User.objects.create_user(
        email="other@example.org", password="x-1234567", institutional_id="A-1001"
    )

    oidc_sign_in(client, oidc)

    alice = User.objects.get(email="alice@uni.example")
    assert alice.institutional_id is None


# --- SAML -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saml_idp():
    from django.test import Client

    idp, server = start_saml_idp(
        lambda: (
            Client(HTTP_HOST="testserver").get("/accounts/saml/campus/metadata/").content.decode()
        )
    )
    yield idp
    server.shutdown()


@pytest.fixture
def saml(saml_idp, db):
    saml_idp.mode = "good"
    make_saml_app(saml_idp)
    assert saml_idp.server  # reads the site's metadata now, while the app exists
    return saml_idp


def saml_sign_in(client, idp):
    start = client.post("/accounts/saml/campus/login/", HTTP_HOST="testserver")
    assert start.status_code == 302, start
    browser = requests.Session()
    form = browser.get(start["Location"])
    key = re.search(r'name="key" value="([^"]+)"', form.text).group(1)
    answer = browser.post(
        f"{idp.base_url}/sso/login", data={"key": key, "username": "bob", "password": "bob-pw"}
    )
    assert answer.status_code == 200, answer.text  # the IdP answered: no stale response
    saml_response, relay, destination = idp.last_response
    return post_saml(client, saml_response, relay, destination)


def post_saml(client, saml_response, relay, destination):
    path = urlsplit(destination).path
    return client.post(
        path,
        {"SAMLResponse": saml_response, "RelayState": relay},
        follow=True,
        HTTP_HOST="testserver",
    )


def test_saml_first_sign_in_creates_the_account_with_mapped_attributes(client, saml):
    response = saml_sign_in(client, saml)

    user = User.objects.get()
    assert (user.email, user.display_name, user.institutional_id) == (
        "bob@uni.example",
        "Bob Saml",
        "B-2002",
    )
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(SocialAccount.objects.values_list("provider", flat=True)) == ["saml-campus"]
    assert response.wsgi_request.user == user


@pytest.mark.parametrize("mode", ["bad-signature", "expired", "other-audience"])
def test_saml_refuses_a_bad_assertion(client, saml, mode):
    saml.mode = mode

    response = saml_sign_in(client, saml)

    assert _messages(response) == [str(MESSAGE_FAILED)]
    assert User.objects.count() == 0
    assert not response.wsgi_request.user.is_authenticated


def test_saml_refuses_an_idp_that_sends_no_email(client, saml):
    saml.mode = "no-email"

    response = saml_sign_in(client, saml)

    assert _messages(response) == [str(MESSAGE_NO_EMAIL)]
    assert User.objects.count() == 0


def test_saml_refuses_a_replayed_assertion(client, saml):
    saml_sign_in(client, saml)
    user = User.objects.get()
    client.logout()

    replay = post_saml(client, *saml.last_response)

    assert replay.status_code == 403
    assert not replay.wsgi_request.user.is_authenticated
    assert list(User.objects.all()) == [user]
    assert SocialAccount.objects.count() == 1


@pytest.mark.django_db
def test_superuser_can_set_up_a_provider_in_the_admin(admin_client):
    response = admin_client.get("/admin/socialaccount/socialapp/add/")

    assert response.status_code == 200
    assert 'name="provider"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.django_db
def test_sign_in_page_lists_providers_in_constant_queries(client, count, django_assert_num_queries):
    from allauth.socialaccount.models import SocialApp

    for n in range(count):
        app = SocialApp.objects.create(
            provider="openid_connect",
            provider_id=f"p{n}",
            name=f"Provider {n}",
            client_id=f"c{n}",
            settings={"server_url": "https://id.example"},
        )
        app.sites.add(1)

    with django_assert_num_queries(4):
        response = client.get("/accounts/login/")

    assert response.content.decode().count('class="btn btn-outline-primary w-100"') == count


# --- SSO-only domains and configuration -------------------------------------------------------


@pytest.mark.django_db
def test_sso_only_domain_cannot_sign_up_sign_in_or_reset_with_a_password(client, settings):
    settings.SSO_ONLY_DOMAINS = ["uni.example"]
    User.objects.create_user(email="carol@uni.example", password="carol-pw-123")
    message = "Addresses at uni.example sign in through their institution"

    login = client.post(
        "/accounts/login/", {"login": "carol@uni.example", "password": "carol-pw-123"}
    )
    signup = client.post(
        "/accounts/signup/",
        {"email": "dan@uni.example", "password1": "x-9876543!", "password2": "x-9876543!"},
    )
    reset = client.post("/accounts/password/reset/", {"email": "carol@uni.example"})

    assert message in login.content.decode()
    assert message in signup.content.decode()
    assert message in reset.content.decode()
    assert not login.wsgi_request.user.is_authenticated
    assert list(User.objects.values_list("email", flat=True)) == ["carol@uni.example"]


@pytest.mark.django_db
def test_sso_only_account_cannot_set_a_password(client, settings):
    settings.SSO_ONLY_DOMAINS = ["uni.example"]
    user = User.objects.create_user(email="fay@uni.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)

    response = client.post(
        "/accounts/password/set/", {"password1": "x-9876543!", "password2": "x-9876543!"}
    )

    assert "Addresses at uni.example sign in through their institution" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_other_domains_keep_passwords(client, settings):
    settings.SSO_ONLY_DOMAINS = ["uni.example"]
    erin = User.objects.create_user(email="erin@example.org", password="erin-pw-123")
    EmailAddress.objects.create(user=erin, email=erin.email, verified=True, primary=True)

    response = client.post(
        "/accounts/login/", {"login": "erin@example.org", "password": "erin-pw-123"}
    )

    assert response.status_code == 302
    assert response.wsgi_request.user.email == "erin@example.org"


def test_providers_come_from_the_environment():
    environ = {
        "SSO_OIDC_KEYCLOAK_NAME": "Keycloak",
        "SSO_OIDC_KEYCLOAK_SERVER_URL": "https://id.uni.example/realms/staff/",
        "SSO_OIDC_KEYCLOAK_CLIENT_ID": "mentoring",
        "SSO_OIDC_KEYCLOAK_SECRET": "s3cret",
        "SSO_OIDC_KEYCLOAK_INSTITUTIONAL_ID_CLAIM": "employee_id",
        "SSO_OIDC_KEYCLOAK_EMAIL_DOMAINS": "uni.example",
        "SSO_SAML_CAMPUS_ENTITY_ID": "https://idp.uni.example/idp",
        "SSO_SAML_CAMPUS_SSO_URL": "https://idp.uni.example/sso",
        "SSO_SAML_CAMPUS_X509CERT": (
            "-----BEGIN CERTIFICATE-----\\nMIIB\\nabc\\n-----END CERTIFICATE-----"
        ),
        "SSO_SAML_CAMPUS_ATTR_EMAIL": "urn:oid:0.9.2342.19200300.100.1.3",
    }

    providers = sso_providers(environ)

    [oidc] = providers["openid_connect"]["APPS"]
    assert (oidc["provider_id"], oidc["client_id"], oidc["settings"]["server_url"]) == (
        "keycloak",
        "mentoring",
        "https://id.uni.example/realms/staff",
    )
    assert oidc["settings"]["verified_email"] == ["uni.example"]
    assert oidc["settings"]["institutional_id_claim"] == "employee_id"
    [saml] = providers["saml"]["APPS"]
    assert (saml["client_id"], saml["settings"]["idp"]["x509cert"]) == ("campus", "MIIBabc")
    assert saml["settings"]["attribute_mapping"]["email"] == "urn:oid:0.9.2342.19200300.100.1.3"
    assert sso_origins(providers, ["https://login.example"]) == [
        "https://id.uni.example",
        "https://idp.uni.example",
        "https://login.example",
    ]


def test_a_provider_missing_its_secret_stops_start_up():
    with pytest.raises(ImproperlyConfigured, match="SSO_OIDC_OKTA_SECRET must be set"):
        sso_providers(
            {"SSO_OIDC_OKTA_SERVER_URL": "https://x.okta.com", "SSO_OIDC_OKTA_CLIENT_ID": "c"}
        )
