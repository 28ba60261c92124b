"""Start the real CNCF registry (Debian `docker-registry`, distribution 2.8) on 127.0.0.1.

    with RegistryServer.start(tmp_path) as reg:                  # plain HTTP
    with RegistryServer.start(tmp_path, tls=True, users={"u": "p"}) as reg:   # TLS + htpasswd

`reg.host` is "127.0.0.1:PORT"; `reg.ca_file` the CA that signed its certificate (TLS only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from caulk.registry.options import RegistryOptions

__all__ = ["RegistryServer", "free_port", "make_ca_and_cert"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_ca_and_cert(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1/localhost. Returns (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caulk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = (
        directory / "ca.crt",
        directory / "server.crt",
        directory / "server.key",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@dataclass
class RegistryServer:
    host: str
    root: Path
    process: subprocess.Popen[bytes]
    ca_file: Path | None = None
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def insecure_options(self) -> RegistryOptions:
        """What `--insecure-registry HOST` gives a command: this server without TLS checks."""
        return RegistryOptions(insecure=frozenset({self.host}))

    @classmethod
    @contextmanager
    def start(
        cls,
        workdir: Path,
        *,
        tls: bool = False,
        users: dict[str, str] | None = None,
        token: dict[str, str] | None = None,
        notifications_url: str | None = None,
    ) -> Iterator[RegistryServer]:
        binary = shutil.which("docker-registry")
        if binary is None:
            raise RuntimeError("docker-registry is not installed (apt-get install docker-registry)")
        port = free_port()
        storage = workdir / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        config: dict[str, object] = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True}},
            "http": {"addr": f"127.0.0.1:{port}", "secret": "caulk-tests"},
        }
        ca_file = None
        if tls:
            ca_file, cert, key = make_ca_and_cert(workdir / "tls")
            config["http"]["tls"] = {"certificate": str(cert), "key": str(key)}  # type: ignore[index]
        if users:
            htpasswd = workdir / "htpasswd"
            lines = []
            for user, password in users.items():
                out = (
                    subprocess.run(
                        ["htpasswd", "-Bbn", user, password], check=True, capture_output=True
                    )
                    .stdout.decode()
                    .strip()
                )
                lines.append(out)
            htpasswd.write_text("\n".join(lines) + "\n")
            config["auth"] = {"htpasswd": {"realm": "caulk-test", "path": str(htpasswd)}}
        if token:
            config["auth"] = {"token": token}
        if notifications_url:
            config["notifications"] = {
                "events": {"includereferences": True},
                "endpoints": [
                    {
                        "name": "caulk",
                        "url": notifications_url,
                        "timeout": "1s",
                        "threshold": 5,
                        "backoff": "1s",
                    }
                ],
            }
        config_path = workdir / "config.yml"
        config_path.write_text(yaml.safe_dump(config))
        log = (workdir / "registry.log").open("wb")
        process = subprocess.Popen(
            [binary, "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
        )
        server = cls(f"127.0.0.1:{port}", storage, process, ca_file, "https" if tls else "http")
        try:
            server._wait_ready(workdir / "registry.log")
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"registry exited: {log.read_text()[-2000:]}")
            try:
                verify = (
                    ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else True
                )
                httpx.get(f"{self.url}/v2/", verify=verify, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("registry did not start within 15 s")
