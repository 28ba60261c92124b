"""Registry credentials as Docker finds them: `$DOCKER_CONFIG/config.json` (default
`~/.docker/config.json`), its `auths` entries (base64 `user:password` or `identitytoken`),
`credHelpers` per registry and `credsStore` for all, running `docker-credential-<helper> get`
without a shell. Secrets never reach logs or error messages."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from caulk.errors import AuthError, UsageError

__all__ = ["CredentialStore", "Credentials", "docker_config_path"]

log = logging.getLogger(__name__)
_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)  # OAuth2 refresh token (`docker login` SSO)

    @property
    def empty(self) -> bool:
        return not (self.username or self.password or self.identity_token)


def docker_config_path() -> Path:
    base = os.environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _keys_for(registry: str) -> tuple[str, ...]:
    if registry in ("docker.io", "registry-1.docker.io", "index.docker.io"):
        return _HUB_KEYS
    return (registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/")


class CredentialStore:
    """Looks credentials up per registry host. Explicit credentials win over the config file."""

    def __init__(
        self,
        config_path: Path | None = None,
        explicit: dict[str, Credentials] | None = None,
    ) -> None:
        self._path = config_path or docker_config_path()
        self._explicit = dict(explicit or {})
        self._config: dict[str, object] | None = None

    def _load(self) -> dict[str, object]:
        if self._config is None:
            try:
                data = json.loads(self._path.read_text())
            except FileNotFoundError:
                data = {}
            except (OSError, ValueError) as exc:
                raise UsageError(
                    f"cannot read Docker config: {exc}", where=str(self._path)
                ) from None
            self._config = data if isinstance(data, dict) else {}
        return self._config

    def get(self, registry: str) -> Credentials:
        if registry in self._explicit:
            return self._explicit[registry]
        config = self._load()
        helpers = config.get("credHelpers")
        if isinstance(helpers, dict):
            for key in _keys_for(registry):
                if isinstance(helpers.get(key), str):
                    return self._from_helper(str(helpers[key]), key)
        auths = config.get("auths")
        if isinstance(auths, dict):
            for key in _keys_for(registry):
                entry = auths.get(key)
                if isinstance(entry, dict) and (entry.get("auth") or entry.get("identitytoken")):
                    return self._from_auth(entry, key)
        store = config.get("credsStore")
        if isinstance(store, str) and store:
            return self._from_helper(store, _keys_for(registry)[0])
        return Credentials()

    def _from_auth(self, entry: dict[str, object], key: str) -> Credentials:
        token = entry.get("identitytoken")
        raw = entry.get("auth")
        username, password = "", ""
        if isinstance(raw, str) and raw:
            try:
                username, sep, password = (
                    base64.b64decode(raw, validate=True).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                sep = ""
            if not sep:
                raise UsageError(
                    f"auths entry for {key} is not base64 'user:password'", where=str(self._path)
                )
        return Credentials(username, password, token if isinstance(token, str) else "")

    def _from_helper(self, helper: str, server: str) -> Credentials:
        program = shutil.which(f"docker-credential-{helper}")
        if program is None:
            raise AuthError(f"credential helper docker-credential-{helper} is not on PATH")
        try:
            proc = subprocess.run(
                [program, "get"],
                input=server.encode(),
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AuthError(f"credential helper docker-credential-{helper} failed: {exc}") from None
        if proc.returncode != 0:
            if b"credentials not found" in proc.stdout + proc.stderr:
                return Credentials()
            raise AuthError(
                f"credential helper docker-credential-{helper} exited {proc.returncode}"
            )
        try:
            doc = json.loads(proc.stdout)
            user, secret = str(doc.get("Username", "")), str(doc.get("Secret", ""))
        except (ValueError, AttributeError):
            raise AuthError(
                f"credential helper docker-credential-{helper} printed no JSON"
            ) from None
        if user == "<token>":
            return Credentials(identity_token=secret)
        log.debug("credentials for %s from docker-credential-%s", server, helper)
        return Credentials(user, secret)
