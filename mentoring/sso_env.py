"""Single sign-on providers read from the environment (README, "Single sign-on").

One OpenID Connect provider per ``SSO_OIDC_<ID>_SERVER_URL`` and one SAML 2.0 identity
provider per ``SSO_SAML_<ID>_ENTITY_ID``; ``<ID>`` is made of capital letters, digits and
underscores and becomes the provider's slug in its URLs (``KEYCLOAK`` -> ``/accounts/oidc/
keycloak/login/callback/``, ``CAMPUS`` -> ``/accounts/saml/campus/acs/``). Every missing or
malformed value raises ImproperlyConfigured naming the variable, so a typo stops start-up.
The result is allauth's ``SOCIALACCOUNT_PROVIDERS``; providers set up in the admin
(Social applications) work alongside these.
"""

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_OIDC = re.compile(r"^SSO_OIDC_([A-Z0-9_]+?)_SERVER_URL$")
_SAML = re.compile(r"^SSO_SAML_([A-Z0-9_]+?)_ENTITY_ID$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _get(environ: Mapping[str, str], name: str, *, required: bool = False) -> str:
    value = (environ.get(name) or "").strip()
    if required and not value:
        raise ImproperlyConfigured(f"{name} must be set.")
    return value


def _url(environ: Mapping[str, str], name: str) -> str:
    value = _get(environ, name, required=True)
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name}={value!r} must be an http(s) URL.")
    return value.rstrip("/")


def _bool(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = _get(environ, name).lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ImproperlyConfigured(f"{name}={value!r} must be true or false.")


def _domains(environ: Mapping[str, str], name: str) -> list[str]:
    return [d.strip().lower().lstrip("@") for d in _get(environ, name).split(",") if d.strip()]


def _slug(ident: str) -> str:
    return ident.lower().replace("_", "-")


def _verified_email(environ: Mapping[str, str], prefix: str) -> bool | list[str]:
    """The domains whose addresses this provider is trusted to vouch for; without a list, the
    provider's own email_verified claim or attribute decides."""
    return _domains(environ, f"{prefix}_EMAIL_DOMAINS") or False


def oidc_apps(environ: Mapping[str, str]) -> list[dict]:
    apps = []
    for ident in sorted(m.group(1) for key in environ if (m := _OIDC.match(key))):
        prefix = f"SSO_OIDC_{ident}"
        settings = {
            "server_url": _url(environ, f"{prefix}_SERVER_URL"),
            "oauth_pkce_enabled": True,
            "verified_email": _verified_email(environ, prefix),
            "institutional_id_claim": _get(environ, f"{prefix}_INSTITUTIONAL_ID_CLAIM"),
        }
        if method := _get(environ, f"{prefix}_TOKEN_AUTH_METHOD"):
            if method not in {"client_secret_post", "client_secret_basic"}:
                raise ImproperlyConfigured(
                    f"{prefix}_TOKEN_AUTH_METHOD={method!r} must be client_secret_post "
                    "or client_secret_basic."
                )
            settings["token_auth_method"] = method
        apps.append(
            {
                "provider_id": _slug(ident),
                "name": _get(environ, f"{prefix}_NAME") or ident.title(),
                "client_id": _get(environ, f"{prefix}_CLIENT_ID", required=True),
                "secret": _get(environ, f"{prefix}_SECRET", required=True),
                "settings": settings,
            }
        )
    return apps


def _saml_mapping(environ: Mapping[str, str], prefix: str) -> dict:
    mapping = {
        "uid": _get(environ, f"{prefix}_ATTR_UID"),
        "email": _get(environ, f"{prefix}_ATTR_EMAIL") or "email",
        "email_verified": _get(environ, f"{prefix}_ATTR_EMAIL_VERIFIED"),
        "name": _get(environ, f"{prefix}_ATTR_NAME") or "displayName",
        "first_name": _get(environ, f"{prefix}_ATTR_FIRST_NAME") or "givenName",
        "last_name": _get(environ, f"{prefix}_ATTR_LAST_NAME") or "sn",
        "institutional_id": _get(environ, f"{prefix}_ATTR_INSTITUTIONAL_ID"),
    }
    return {key: value for key, value in mapping.items() if value}


def saml_apps(environ: Mapping[str, str]) -> list[dict]:
    apps = []
    for ident in sorted(m.group(1) for key in environ if (m := _SAML.match(key))):
        prefix = f"SSO_SAML_{ident}"
        cert = _get(environ, f"{prefix}_X509CERT", required=True)
        cert = "".join(
            line for line in cert.replace("\\n", "\n").splitlines() if "-----" not in line
        ).replace(" ", "")
        apps.append(
            {
                "provider_id": f"saml-{_slug(ident)}",
                "name": _get(environ, f"{prefix}_NAME") or ident.title(),
                "client_id": _slug(ident),
                "settings": {
                    "attribute_mapping": _saml_mapping(environ, prefix),
                    "idp": {
                        "entity_id": _get(environ, f"{prefix}_ENTITY_ID", required=True),
                        "sso_url": _url(environ, f"{prefix}_SSO_URL"),
                        "x509cert": cert,
                    },
                    "verified_email": _verified_email(environ, prefix),
                    "advanced": {
                        "strict": True,
                        "want_assertion_signed": True,
                        "want_message_signed": _bool(
                            environ, f"{prefix}_WANT_MESSAGE_SIGNED", default=False
                        ),
                        "reject_idp_initiated_sso": True,
                    },
                },
            }
        )
    return apps


def sso_providers(environ: Mapping[str, str] | None = None) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for the providers named in the environment."""
    environ = os.environ if environ is None else environ
    providers = {}
    if oidc := oidc_apps(environ):
        providers["openid_connect"] = {"OAUTH_PKCE_ENABLED": True, "APPS": oidc}
    if saml := saml_apps(environ):
        providers["saml"] = {"APPS": saml}
    return providers


def sso_origins(providers: dict, extra: list[str]) -> list[str]:
    """Origins the sign-in buttons' POST is redirected to (CSP form-action): each provider's
    sign-in page, and those named in SSO_FORM_ACTION_ORIGINS for providers set in the admin."""
    urls = [
        app["settings"]["server_url"] for app in providers.get("openid_connect", {}).get("APPS", [])
    ]
    urls += [app["settings"]["idp"]["sso_url"] for app in providers.get("saml", {}).get("APPS", [])]
    origins = []
    for url in [*urls, *extra]:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured(f"{url!r} is not an http(s) origin for SSO sign-in.")
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins
