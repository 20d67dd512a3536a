"""Single sign-on through allauth's social accounts (OpenID Connect, SAML 2.0).

The adapter creates an account on a first sign-in from the email, name and institutional ID
the identity provider sends, and refuses, with a message and nothing created or changed:
an answer with no email address; an email that already belongs to an account not linked to
this provider (that person signs in with the password first and connects the provider from
"Connected accounts", proving both); and an OpenID Connect id_token whose signature does not
verify against the provider's published keys (allauth checks issuer, audience and expiry, but
skips the signature of a token it fetched itself). SAML responses are checked by python3-saml
(signature, audience, validity window) and must answer a sign-in this browser started, once.
No role or permission is ever taken from the identity provider.

The forms keep passwords away from "SSO only" domains (settings.SSO_ONLY_DOMAINS).
"""

import functools
import logging

import jwt
import requests
from allauth.account import forms as account_forms
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts.models import User

logger = logging.getLogger(__name__)

# Asymmetric algorithms only: a token "signed" with HS256 using the public key, or with
# "none", must never verify.
_ID_TOKEN_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}

MESSAGE_NO_EMAIL = _(
    "Your institution did not share your email address, so no account was created. "
    "Ask your institution's IT service to release your email address to this site."
)
MESSAGE_EMAIL_TAKEN = _(
    "An account with this email address already exists. Sign in with your password first, "
    "then connect your institution's sign-in under Account, Connected accounts."
)
MESSAGE_FAILED = _(
    "Your institution's sign-in could not be verified: the answer was invalid, expired, "
    "already used or meant for another site. Nothing was changed. Please try again."
)
MESSAGE_SSO_ONLY = _(
    "Addresses at %(domain)s sign in through their institution: use the "
    "institution's sign-in button instead of a password."
)


def sso_only_domain(email: str | None) -> str | None:
    """The "SSO only" domain the address belongs to, or None."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    return domain if domain and domain in settings.SSO_ONLY_DOMAINS else None


def _refuse_password(email: str | None) -> None:
    if domain := sso_only_domain(email):
        raise forms.ValidationError(MESSAGE_SSO_ONLY % {"domain": domain}, code="sso_only")


class LoginForm(account_forms.LoginForm):
    def clean(self):
        _refuse_password(self.data.get("login"))
        return super().clean()


class SignupForm(account_forms.SignupForm):
    def clean_email(self):
        _refuse_password(self.data.get("email"))
        return super().clean_email()


class SetPasswordForm(account_forms.SetPasswordForm):
    """People of an "SSO only" domain who signed up through SSO get no password to set."""

    def clean(self):
        _refuse_password(self.user.email)
        return super().clean()


class ResetPasswordForm(account_forms.ResetPasswordForm):
    def clean_email(self):
        _refuse_password(self.data.get("email"))
        return super().clean_email()


def _sso_data(sociallogin) -> dict:
    """The claims (OIDC: userinfo over id_token) or attributes (SAML) the provider sent."""
    extra = sociallogin.account.extra_data or {}
    if sociallogin.provider.id == "openid_connect":
        return {**extra.get("id_token", {}), **extra.get("userinfo", {})}
    return extra


def _institutional_id(sociallogin, data: dict) -> str:
    app_settings = sociallogin.provider.app.settings if sociallogin.provider.app else {}
    value = data.get("institutional_id")  # SAML: attribute_mapping["institutional_id"]
    if claim := app_settings.get("institutional_id_claim"):
        value = _sso_data(sociallogin).get(claim)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip()[:64] if value not in (None, "") else ""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = (data.get("name") or "").strip()
        if not name:
            name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        user.display_name = name[:80]
        institutional_id = _institutional_id(sociallogin, data)
        # Unique: one already held by another account stays off the new one, so the sign-up
        # still works and the clash is left for a coordinator to look into.
        if institutional_id and not User.objects.filter(institutional_id=institutional_id).exists():
            user.institutional_id = institutional_id
        elif institutional_id:
            logger.warning("SSO sign-up: institutional ID already held by another account")
        return user

    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        emails = [sociallogin.user.email] if sociallogin.user.email else []
        emails += [address.email for address in sociallogin.email_addresses]
        if not emails:
            self._refuse(request, MESSAGE_NO_EMAIL)
        taken = User.objects.filter(email__iexact=emails[0]).exists()
        if taken or EmailAddress.objects.filter(email__iexact=emails[0]).exists():
            self._refuse(request, MESSAGE_EMAIL_TAKEN)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        logger.warning(
            "SSO sign-in refused (%s): %s %s",
            getattr(provider, "sub_id", provider),
            error,
            exception or (extra_context or {}).get("saml_last_error_reason", ""),
        )
        self._refuse(request, MESSAGE_FAILED)

    @staticmethod
    def _refuse(request, message):
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect("account_login"))

    def get_requests_session(self):
        session = super().get_requests_session()
        request = context.request
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "openid_connect_callback":
            hook = functools.partial(
                self._verify_id_token, request=request, provider_id=match.kwargs["provider_id"]
            )
            session.hooks["response"].append(hook)
        return session

    def _verify_id_token(self, response, *args, request, provider_id, **kwargs):
        """Checks the id_token of a token-endpoint answer against the provider's JWKS before
        allauth reads it, and raises OAuth2Error (a refused sign-in) when it does not verify."""
        if response.request.method != "POST" or not response.ok:
            return
        try:
            payload = response.json()
        except ValueError:
            return
        id_token = payload.get("id_token") if isinstance(payload, dict) else None
        if not id_token:
            return
        app = self.get_app(request, provider=provider_id)
        provider = app.get_provider(request)
        try:
            with super().get_requests_session() as plain:
                config = plain.get(provider.server_url)
                config.raise_for_status()
                config = {**config.json(), **app.settings.get("openid_configuration_overrides", {})}
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in _ID_TOKEN_ALGORITHMS:
                raise OAuth2Error(f"id_token signed with {header.get('alg')!r}")
            algorithm, key = jwtkit.fetch_key(id_token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
            jwt.decode(
                id_token,
                key=key,
                algorithms=[algorithm],
                audience=app.client_id,
                issuer=config["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError, requests.RequestException) as exc:
            raise OAuth2Error("id_token does not verify") from exc
