"""The distribution auth flow: parse `WWW-Authenticate`, answer Basic challenges with credentials,
fetch Bearer tokens from the realm for a scope (GET with basic auth, or POST with an identity
token), cache them per (registry, scope) until they expire. One retry per challenge: a second 401
is an AuthError, never a loop."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from caulk.errors import AuthError, RegistryError
from caulk.registry.credentials import Credentials

__all__ = ["Challenge", "TokenCache", "basic_header", "parse_challenge"]

_PARAM = re.compile(r'([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # "basic" | "bearer"
    realm: str = ""
    service: str = ""
    scope: str = ""


def parse_challenge(header: str) -> Challenge | None:
    scheme, _, params = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme not in ("basic", "bearer"):
        return None
    values = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _PARAM.finditer(params)}
    return Challenge(
        scheme, values.get("realm", ""), values.get("service", ""), values.get("scope", "")
    )


def basic_header(credentials: Credentials) -> str:
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Bearer tokens per (registry, service, scope); refreshed 30 s before expiry."""

    def __init__(self, http: Callable[[], httpx.Client]) -> None:
        self._http = http  # made on first use
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = threading.Lock()

    def get(self, registry: str, challenge: Challenge, scope: str, creds: Credentials) -> str:
        key = (registry, challenge.service, scope)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.expires_at - 30 > time.monotonic():
                return cached.value
        token = self._fetch(registry, challenge, scope, creds)
        with self._lock:
            self._tokens[key] = token
        return token.value

    def forget(self, registry: str, challenge: Challenge, scope: str) -> None:
        with self._lock:
            self._tokens.pop((registry, challenge.service, scope), None)

    def _fetch(self, registry: str, challenge: Challenge, scope: str, creds: Credentials) -> _Token:
        if not challenge.realm.startswith(("https://", "http://")):
            raise AuthError(
                f"token realm {challenge.realm!r} is not an http(s) URL", where=registry
            )
        scopes = [s for s in scope.split(" ") if s]
        try:
            if creds.identity_token:
                data = {
                    "grant_type": "refresh_token",
                    "refresh_token": creds.identity_token,
                    "service": challenge.service,
                    "scope": " ".join(scopes),
                    "client_id": "caulk",
                }
                response = self._http().post(challenge.realm, data=data)
            else:
                params: list[tuple[str, str | int | float | bool | None]] = [
                    ("service", challenge.service)
                ]
                params += [("scope", s) for s in scopes]
                headers = {} if creds.empty else {"Authorization": basic_header(creds)}
                response = self._http().get(challenge.realm, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"token request failed: {type(exc).__name__}", where=registry
            ) from None
        if response.status_code in (401, 403):
            raise AuthError(
                f"token service refused the credentials (HTTP {response.status_code})",
                where=registry,
            )
        if response.status_code != 200:
            raise RegistryError(
                f"token service answered HTTP {response.status_code}", where=registry
            )
        try:
            doc = response.json()
        except ValueError:
            raise RegistryError("token service answered with something that is not JSON") from None
        value = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(value, str) or not value:
            raise RegistryError("token service answered without a token", where=registry)
        expires_in = doc.get("expires_in", 60)
        lifetime = (
            float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 60.0
        )
        return _Token(value, time.monotonic() + lifetime)
