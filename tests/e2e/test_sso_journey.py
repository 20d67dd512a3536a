"""Single sign-on in the browser, against real identity providers on 127.0.0.1: a newcomer
signs in with their institution through OpenID Connect and through SAML 2.0 and lands signed
in with an account made from what the provider sent; a token signed with another key is
refused with a message and creates nothing."""

import pytest

from accounts.models import User
from tests.idp.servers import ALICE, OidcProvider, make_oidc_app, make_saml_app, start_saml_idp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory):
    provider = OidcProvider(tmp_path_factory.mktemp("oidc-e2e"), [])
    yield provider
    provider.stop()


@pytest.fixture
def allow_idp_forms(settings):
    """The sign-in buttons POST to the site, which redirects to the provider: CSP form-action
    must name the provider's origin (SSO_FORM_ACTION_ORIGINS does this in production)."""

    def allow(url):
        policy = {**settings.CONTENT_SECURITY_POLICY}
        directives = {**policy["DIRECTIVES"]}
        directives["form-action"] = [*directives["form-action"], url]
        settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}

    return allow


def _start(page, live_server, button):
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("heading", name="Sign in with your institution").wait_for()
    page.get_by_role("button", name=button).click()


def _sign_in_at_the_oidc_provider(page, live_server, oidc_provider, allow_idp_forms, mode):
    """Alice chooses the university's button and signs in at its OpenID Connect provider,
    which answers as `mode` says."""
    oidc_provider.control(
        mode=mode, redirect_uri=f"{live_server.url}/accounts/oidc/uni/login/callback/"
    )
    make_oidc_app(oidc_provider)
    allow_idp_forms(oidc_provider.url)
    _start(page, live_server, "University (OIDC)")
    page.locator("#id_username").fill(ALICE[0])
    page.locator("#id_password").fill(ALICE[1])
    page.get_by_role("button", name="Sign in").click()


def test_newcomer_signs_in_with_openid_connect(page, live_server, oidc_provider, allow_idp_forms):
    _sign_in_at_the_oidc_provider(page, live_server, oidc_provider, allow_idp_forms, "good")
    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()

    user = User.objects.get()
    assert (user.email, user.display_name, user.institutional_id) == (
        "alice@uni.example",
        "Alice A-1001",
        "A-1001",
    )
    page.get_by_role("heading", name="Hello, Alice A-1001").wait_for()


def test_token_signed_with_another_key_is_refused(
    page, live_server, oidc_provider, allow_idp_forms
):
    _sign_in_at_the_oidc_provider(
        page, live_server, oidc_provider, allow_idp_forms, "bad-signature"
    )
    page.get_by_text("could not be verified").wait_for()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert User.objects.count() == 0
    oidc_provider.control(mode="good")


def test_newcomer_signs_in_with_saml(page, live_server, allow_idp_forms):
    import requests

    idp, server = start_saml_idp(
        lambda: requests.get(f"{live_server.url}/accounts/saml/campus/metadata/", timeout=5).text
    )
    try:
        make_saml_app(idp)
        allow_idp_forms(idp.base_url)

        _start(page, live_server, "Campus (SAML)")
        page.locator("#username").fill("bob")
        page.locator("#password").fill("bob-pw")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/**")
        page.wait_for_load_state("networkidle")

        user = User.objects.get()
        assert (user.email, user.display_name, user.institutional_id) == (
            "bob@uni.example",
            "Bob Saml",
            "B-2002",
        )
        page.get_by_role("heading", name="Hello, Bob Saml").wait_for()
    finally:
        server.shutdown()
