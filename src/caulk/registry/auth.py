"""The distribution auth flow: parse `WWW-Authenticate`, answer Basic challenges with credentials,
fetch Bearer tokens from the realm for a scope (GET with basic auth, or POST with an identity
token), cache them per (auth key, scope) until they expire. One retry per challenge: a second 401
is an AuthError, never a loop.

Auth state is keyed by who answered (containerd's rule): the registry's own origin, or the origin
of a host a redirect led to (`origin`). `keeps_auth` says whether a URL is still the registry's
origin (requests' `should_strip_auth`: same host, same scheme and effective port, or the upgrade
http:80 -> https:443). Token replies are read with a 64 KiB cap and an overall deadline."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from caulk.errors import AuthError, RegistryError
from caulk.registry.bodies import parse_json, read_capped
from caulk.registry.credentials import Credentials

__all__ = [
    "MAX_TOKEN_REPLY",
    "Challenge",
    "TokenCache",
    "basic_header",
    "keeps_auth",
    "origin",
    "parse_challenge",
]

MAX_TOKEN_REPLY = 64 * 1024
MAX_TOKEN_LIFETIME = 24 * 3600.0  # seconds; a longer expires_in is clamped
_DEFAULT_PORTS = {"http": 80, "https": 443}

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


def _effective(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port out of range: nothing matches it
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def origin(url: str) -> str:
    """`scheme://host:port` with the effective port: the key of a foreign host's auth state."""
    scheme, host, port = _effective(url)
    return f"{scheme}://{host}:{port}"


def keeps_auth(old: str, new: str) -> bool:
    """Whether credentials meant for `old` may go to `new` (requests' should_strip_auth,
    negated): the same host with the same scheme and effective port, or http:80 -> https:443."""
    old_scheme, old_host, old_port = _effective(old)
    new_scheme, new_host, new_port = _effective(new)
    if old_host != new_host:
        return False
    if (old_scheme, old_port, new_scheme, new_port) == ("http", 80, "https", 443):
        return True
    return old_scheme == new_scheme and old_port == new_port


def basic_header(credentials: Credentials) -> str:
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Bearer tokens per (auth key, service, scope); refreshed 30 s before expiry. A token
    reply must arrive whole within `deadline` seconds."""

    def __init__(self, http: Callable[[], httpx.Client], *, deadline: float = 60.0) -> None:
        self._http = http  # made on first use
        self._deadline = deadline
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
            client = self._http()
            response = client.send(_token_request(client, challenge, scopes, creds), stream=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise RegistryError(
                f"token request failed: {type(exc).__name__}", where=registry
            ) from None
        try:
            if response.status_code in (401, 403):
                raise AuthError(
                    f"token service refused the credentials (HTTP {response.status_code})",
                    where=registry,
                )
            if response.status_code != 200:
                raise RegistryError(
                    f"token service answered HTTP {response.status_code}", where=registry
                )
            body = read_capped(
                response,
                MAX_TOKEN_REPLY,
                what="token reply",
                where=registry,
                deadline=self._deadline,
            )
        finally:
            response.close()
        doc = parse_json(body, what="token reply", where=registry)
        value = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(value, str) or not value:
            raise RegistryError("token service answered without a token", where=registry)
        return _Token(value, time.monotonic() + _lifetime(doc.get("expires_in")))


def _token_request(
    client: httpx.Client, challenge: Challenge, scopes: list[str], creds: Credentials
) -> httpx.Request:
    if creds.identity_token:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": creds.identity_token,
            "service": challenge.service,
            "scope": " ".join(scopes),
            "client_id": "caulk",
        }
        return client.build_request("POST", challenge.realm, data=data)
    params: list[tuple[str, str | int | float | bool | None]] = [("service", challenge.service)]
    params += [("scope", s) for s in scopes]
    headers = {} if creds.empty else {"Authorization": basic_header(creds)}
    return client.build_request("GET", challenge.realm, params=params, headers=headers)


def _lifetime(expires_in: object) -> float:
    """Seconds a token lives: 60 when absent or nonsense, at most a day (a 400-digit number
    neither overflows nor keeps a token forever)."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        return 60.0
    if not expires_in > 0:  # also NaN
        return 60.0
    return float(min(expires_in, MAX_TOKEN_LIFETIME))
