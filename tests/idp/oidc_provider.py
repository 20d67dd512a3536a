"""A real OpenID Connect provider for the tests: django-oauth-toolkit in OIDC mode, in its own
process with its own settings, SQLite database, users and cookie names.

    python tests/idp/oidc_provider.py --db /tmp/idp.sqlite3 --client-id rp --client-secret s \
        --user alice:alice-pw:alice@example.org:A-1001

Prints "IDP READY http://127.0.0.1:PORT" once it serves (port 0: any free port).
Discovery at /o/.well-known/openid-configuration, sign-in form at /login/ (#id_username,
#id_password). POST JSON to /test-control/ to change its behaviour for the next tokens:
  {"mode": "good" | "bad-signature" | "expired" | "other-audience" | "no-email"}
  {"redirect_uri": "http://localhost:1234/accounts/oidc/idp/login/callback/"}  (adds one)
"""

import argparse
import json
import os
import socketserver
import time

import django
from django.conf import settings

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--db", required=True)
parser.add_argument("--client-id", default="rp-client")
parser.add_argument("--client-secret", default="rp-secret")
parser.add_argument("--redirect-uri", action="append", default=[])
parser.add_argument("--user", action="append", default=[], help="username:password:email:id")
args = parser.parse_args()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402


def _new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


KEY_PEM = _new_key_pem()
ROGUE_KEY_PEM = _new_key_pem()
STATE = {"mode": "good"}

settings.configure(
    DEBUG=False,
    SECRET_KEY="test-identity-provider-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "oauth2_provider",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": args.db}},
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "DIRS": [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")],
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        }
    ],
    # Its own cookie names: the provider and the site under test share a host name.
    SESSION_COOKIE_NAME="idp_sessionid",
    CSRF_COOKIE_NAME="idp_csrftoken",
    LOGIN_URL="/login/",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    USE_TZ=True,
    OAUTH2_PROVIDER={
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": KEY_PEM,
        "PKCE_REQUIRED": True,
        "OAUTH2_VALIDATOR_CLASS": f"{__name__}.Validator",
        "SCOPES": {"openid": "OpenID", "profile": "Profile", "email": "Email"},
        "DEFAULT_SCOPES": ["openid"],
    },
)
django.setup()

from django.contrib.auth import views as auth_views  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from jwcrypto import jwk  # noqa: E402
from jwcrypto import jwt as jwcrypto_jwt  # noqa: E402
from oauth2_provider.models import Application, IDToken  # noqa: E402
from oauth2_provider.oauth2_validators import OAuth2Validator  # noqa: E402

ROGUE_KEY = jwk.JWK.from_pem(ROGUE_KEY_PEM.encode())


class Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "employee_number": "profile"}

    def get_additional_claims(self, request):
        user = request.user
        claims = {
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": user.get_full_name(),
            "preferred_username": user.username,
            "employee_number": user.last_name,  # the institutional ID (see --user)
        }
        if STATE["mode"] != "no-email":
            claims.update(email=user.email, email_verified=True)
        return claims

    def finalize_id_token(self, id_token, token, token_handler, request):
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        mode = STATE["mode"]
        if mode == "expired":
            id_token["iat"] = int(time.time()) - 7200
            id_token["exp"] = int(time.time()) - 3600
        elif mode == "other-audience":
            id_token["aud"] = "another-site"
        key = request.client.jwk_key
        header = {"typ": "JWT", "alg": "RS256", "kid": key.thumbprint()}
        token_jwt = jwcrypto_jwt.JWT(
            header=json.dumps(header), claims=json.dumps(id_token, default=str)
        )
        # Another key, but the real key's kid: the signature must fail, not the key lookup.
        token_jwt.make_signed_token(ROGUE_KEY if mode == "bad-signature" else key)
        saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return token_jwt.serialize()


@csrf_exempt
def test_control(request):
    data = json.loads(request.body or b"{}")
    if "mode" in data:
        STATE["mode"] = data["mode"]
    if uri := data.get("redirect_uri"):
        app = Application.objects.get(client_id=args.client_id)
        if uri not in app.redirect_uris.split():
            app.redirect_uris = f"{app.redirect_uris} {uri}".strip()
            app.save(update_fields=["redirect_uris"])
    return JsonResponse({"mode": STATE["mode"], "id_tokens": IDToken.objects.count()})


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="idp_login.html")),
    path("test-control/", test_control),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]


def main():
    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    call_command("migrate", verbosity=0, interactive=False)
    for spec in args.user:
        username, password, email, number = spec.split(":")
        user, _ = User.objects.get_or_create(username=username)
        user.email, user.first_name, user.last_name = email, username.capitalize(), number
        user.set_password(password)
        user.save()
    Application.objects.filter(client_id=args.client_id).delete()
    Application.objects.create(
        name="site under test",
        client_id=args.client_id,
        client_secret=args.client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(args.redirect_uri),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", args.port), QuietHandler)
    httpd.set_app(WSGIHandler())
    print(f"IDP READY http://127.0.0.1:{httpd.server_address[1]}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
