"""A real SAML 2.0 identity provider for the tests: pysaml2's Server behind a small WSGI app,
served in a thread. Needs the xmlsec1 binary; its key and certificate are made at start-up.

    idp = SamlIdP(base_url, sp_metadata=lambda: ..., users={"bob": ("pw", {attributes})})
    idp.serve(port)        # background thread
    idp.cert_pem_body      # the certificate for the site's SAML settings (x509cert)
    idp.mode = "bad-signature" | "expired" | "other-audience" | "no-email" | "good"

Endpoints: GET /sso/redirect (AuthnRequest -> sign-in form), POST /sso/login (-> the
self-submitting form that posts the SAMLResponse to the site), GET /metadata.
`idp.last_response` holds the last SAMLResponse it sent, for replaying.
"""

import datetime
import html
import os
import re
import secrets
import socketserver
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

OTHER_AUDIENCE = "https://another-site.example/accounts/saml/campus/metadata/"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def make_key_and_cert(cn="test-idp"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *a):
        pass


class SamlIdP:
    def __init__(self, base_url, sp_metadata_xml, users, workdir=None):
        self.mode = "good"
        self.last_response = None
        self.base_url = base_url.rstrip("/")
        self.users = users
        self.pending = {}
        self.workdir = workdir or tempfile.mkdtemp(prefix="saml-idp-")
        key_pem, cert_pem = make_key_and_cert()
        self.key_file = os.path.join(self.workdir, "idp.key")
        self.cert_file = os.path.join(self.workdir, "idp.crt")
        Path(self.key_file).write_bytes(key_pem)
        Path(self.cert_file).write_bytes(cert_pem)
        self.cert_pem_body = "".join(cert_pem.decode().strip().splitlines()[1:-1])
        rogue_key, rogue_cert = make_key_and_cert("rogue-idp")
        self.rogue_key_file = os.path.join(self.workdir, "rogue.key")
        self.rogue_cert_file = os.path.join(self.workdir, "rogue.crt")
        Path(self.rogue_key_file).write_bytes(rogue_key)
        Path(self.rogue_cert_file).write_bytes(rogue_cert)
        self._sp_metadata = sp_metadata_xml  # str, or a callable returning it (fetched lazily)
        self._servers = {}

    @property
    def server(self):
        return self._variant("good")

    def _variant(self, mode):
        """The real server, or one signing with another key, or one whose assertions expired."""
        variant = {"bad-signature": "rogue", "expired": "expired", "other-audience": "other"}.get(
            mode, "good"
        )
        if variant not in self._servers:
            sp_md = os.path.join(self.workdir, "sp.xml")
            if not os.path.exists(sp_md):
                md = self._sp_metadata() if callable(self._sp_metadata) else self._sp_metadata
                Path(sp_md).write_text(md)
            key, cert = (
                (self.rogue_key_file, self.rogue_cert_file)
                if variant == "rogue"
                else (self.key_file, self.cert_file)
            )
            minutes = -10 if variant == "expired" else 15
            server = self._make_server(sp_md, key, cert, minutes)
            if variant == "other":
                # Signed and in time, but its AudienceRestriction names another site.
                policy = server.config.getattr("policy", "idp")
                conditions = policy.conditions
                policy.conditions = lambda sp_entity_id: conditions(OTHER_AUDIENCE)
            self._servers[variant] = server
        return self._servers[variant]

    def _make_server(self, sp_md, key_file, cert_file, minutes):
        conf = IdPConfig()
        conf.load(
            {
                "entityid": f"{self.base_url}/metadata",
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.base_url}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": minutes},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                        "sign_response": True,
                        "sign_assertion": True,
                    }
                },
                "key_file": key_file,
                "cert_file": cert_file,
                "metadata": {"local": [sp_md]},
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "delete_tmpfiles": True,
            }
        )
        return Server(config=conf)

    # --- WSGI -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/metadata":
            body = create_metadata_string(None, config=self.server.config).decode()
            return self._reply(start_response, body, "text/xml")
        if path == "/sso/redirect" and method == "GET":
            q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            req = self.server.parse_authn_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT)
            key = secrets.token_urlsafe(16)
            self.pending[key] = (req, q.get("RelayState", ""))
            return self._reply(start_response, self._login_form(key))
        if path == "/sso/login" and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            f = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            req, relay = self.pending[f["key"]]
            user = self.users.get(f.get("username"))
            if not user or user[0] != f.get("password"):
                return self._reply(
                    start_response,
                    self._login_form(f["key"], error=True),
                    status="401 Unauthorized",
                )
            del self.pending[f["key"]]
            self.last_response = None
            msg = req.message
            mode = self.mode
            server = self._variant(mode)
            identity = dict(user[1])
            if mode == "no-email":
                identity.pop("mail", None)
            resp_args = self.server.response_args(msg, [BINDING_HTTP_POST])
            authn_resp = server.create_authn_response(
                identity=identity,
                userid=f["username"],
                authn={
                    "class_ref": PASSWORD_PROTECTED,
                    "authn_auth": self.base_url,
                },
                sign_response=True,
                sign_assertion=True,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,  # pysaml2 defaults to rsa-sha1: rejected
                **resp_args,
            )
            http = server.apply_binding(
                BINDING_HTTP_POST, str(authn_resp), resp_args["destination"], relay, response=True
            )
            found = re.search(r'name="SAMLResponse" value="([^"]+)"', http["data"])
            self.last_response = (
                found.group(1) if found else None,
                relay,
                resp_args["destination"],
            )
            return self._reply(start_response, http["data"])
        return self._reply(start_response, "not found", "text/plain", "404 Not Found")

    @staticmethod
    def _reply(start_response, body, ctype="text/html; charset=utf-8", status="200 OK"):
        start_response(status, [("Content-Type", ctype)])
        return [body.encode() if isinstance(body, str) else body]

    @staticmethod
    def _login_form(key, error=False):
        err = '<p class="error">Wrong username or password.</p>' if error else ""
        return (
            "<!doctype html><html lang='en'><title>Test SAML IdP</title>"
            f"<h1>SAML IdP sign in</h1>{err}"
            '<form method="post" action="/sso/login">'
            f'<input type="hidden" name="key" value="{html.escape(key)}">'
            '<label>Username <input id="username" name="username"></label>'
            '<label>Password <input id="password" name="password" type="password"></label>'
            '<button type="submit">Sign in</button></form>'
        )

    def serve(self, port=0):
        httpd = make_server(
            "127.0.0.1", port, self, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd
