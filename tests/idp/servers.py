"""Starting the test identity providers, and the SocialApp rows that point the site at them."""

import subprocess
import sys
from pathlib import Path

import requests

from tests.idp.saml import SamlIdP

HERE = Path(__file__).resolve().parent
CLIENT_ID, CLIENT_SECRET = "mentoring-site", "mentoring-secret"
ALICE = ("alice", "alice-pw", "alice@uni.example", "A-1001")
BOB_ATTRIBUTES = {
    "uid": ["bob"],
    "mail": ["bob@uni.example"],
    "displayName": ["Bob Saml"],
    "employeeNumber": ["B-2002"],
    "email_verified": ["true"],
}


class OidcProvider:
    def __init__(self, workdir: Path, redirect_uris: list[str]):
        spec = ":".join(ALICE)
        command = [sys.executable, str(HERE / "oidc_provider.py"), "--db", str(workdir / "idp.db")]
        command += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--user", spec]
        for uri in redirect_uris:
            command += ["--redirect-uri", uri]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("IDP READY "):
            self.process.kill()
            raise RuntimeError(f"the OIDC provider did not start: {line!r}")
        self.url = line.split()[-1]

    def control(self, **data) -> dict:
        return requests.post(f"{self.url}/test-control/", json=data, timeout=5).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def make_oidc_app(provider: OidcProvider, provider_id: str = "uni"):
    from allauth.socialaccount.models import SocialApp

    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name="University (OIDC)",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={
            "server_url": f"{provider.url}/o",
            "oauth_pkce_enabled": True,
            "token_auth_method": "client_secret_post",
            "institutional_id_claim": "employee_number",
        },
    )
    app.sites.add(1)
    return app


def start_saml_idp(sp_metadata) -> tuple[SamlIdP, object]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    idp = SamlIdP(f"http://127.0.0.1:{port}", sp_metadata, {"bob": ("bob-pw", BOB_ATTRIBUTES)})
    return idp, idp.serve(port)


def make_saml_app(idp: SamlIdP, slug: str = "campus"):
    from allauth.socialaccount.models import SocialApp

    app = SocialApp.objects.create(
        provider="saml",
        provider_id=f"saml-{slug}",
        name="Campus (SAML)",
        client_id=slug,
        settings={
            "attribute_mapping": {
                "uid": "urn:oid:0.9.2342.19200300.100.1.1",
                "email": "urn:oid:0.9.2342.19200300.100.1.3",
                "name": "urn:oid:2.16.840.1.113730.3.1.241",
                "institutional_id": "urn:oid:2.16.840.1.113730.3.1.3",
                "email_verified": "email_verified",
            },
            "idp": {
                "entity_id": f"{idp.base_url}/metadata",
                "sso_url": f"{idp.base_url}/sso/redirect",
                "x509cert": idp.cert_pem_body,
            },
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "want_message_signed": True,
                "allow_single_label_domains": True,
                "reject_idp_initiated_sso": True,
            },
        },
    )
    app.sites.add(1)
    return app
