"""A test token issuer for the registry's `auth.token` mode (the Docker token spec): checks
basic credentials, grants the actions an ACL allows for the requested scopes, signs an ES256 JWT
with an `x5c` header whose certificate the registry trusts (`rootcertbundle`).

    acl = {"alice": {"team-a/*": "pull,push"}}
    with TokenIssuer.start(tmp, users={"alice": "pw"}, acl=acl) as issuer:
        RegistryServer.start(tmp2, token=issuer.registry_config())
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

__all__ = ["TokenIssuer"]

SERVICE = "caulk-test-registry"
ISSUER = "caulk-test-issuer"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenIssuer:
    url: str
    cert_path: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    users: dict[str, str]
    acl: dict[str, dict[str, str]]  # user ("" = anonymous) -> repo pattern -> "pull,push"
    issued: list[dict[str, object]] = field(default_factory=list)

    def registry_config(self) -> dict[str, str]:
        return {
            "realm": f"{self.url}/token",
            "service": SERVICE,
            "issuer": ISSUER,
            "rootcertbundle": str(self.cert_path),
        }

    def grant(self, user: str, scopes: list[str]) -> list[dict[str, object]]:
        access = []
        rules = self.acl.get(user, {})
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            allowed: set[str] = set()
            for pattern, granted in rules.items():
                if fnmatch.fnmatchcase(name, pattern):
                    allowed |= set(granted.split(","))
            wanted = [a for a in actions.split(",") if a in allowed or "*" in allowed]
            access.append({"type": kind, "name": name, "actions": wanted})
        return access

    def token(self, user: str, access: list[dict[str, object]]) -> str:
        now = int(time.time())
        der = self.cert.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}
        claims = {
            "iss": ISSUER,
            "sub": user,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        der_sig = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der_sig)
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        self.issued.append(claims)
        return f"{signing_input}.{_b64(raw)}"

    @classmethod
    @contextmanager
    def start(
        cls,
        workdir: Path,
        *,
        users: dict[str, str],
        acl: dict[str, dict[str, str]],
    ) -> Iterator[TokenIssuer]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        workdir.mkdir(parents=True, exist_ok=True)
        cert_path = workdir / "token-issuer.crt"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        issuer_box: list[TokenIssuer] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                issuer = issuer_box[0]
                query = parse_qs(urlsplit(self.path).query)
                user = ""
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    raw = base64.b64decode(header[6:]).decode()
                    name, _, password = raw.partition(":")
                    if issuer.users.get(name) != password:
                        self.send_response(401)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    user = name
                access = issuer.grant(user, query.get("scope", []))
                body = json.dumps({"token": issuer.token(user, access), "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        issuer = cls(
            f"http://127.0.0.1:{server.server_address[1]}", cert_path, key, cert, users, acl
        )
        issuer_box.append(issuer)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield issuer
        finally:
            server.shutdown()
            server.server_close()
