"""Registry settings (insecure hosts, CA bundle, credentials file, timeout), built once at the
edge (the CLI, from flags and the environment) and passed to every call that talks to a registry,
as go-containerregistry's per-call options: two callers in one process never affect each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from caulk.errors import UsageError

if TYPE_CHECKING:
    from caulk.registry.client import RegistryClient

__all__ = ["DEFAULT_OPTIONS", "RegistryOptions", "new_client"]


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    insecure: frozenset[str] = field(default_factory=frozenset)  # hosts allowed without TLS checks
    ca_file: str | None = None
    docker_config: Path | None = None  # None: the credential store's default lookup
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RegistryOptions:
        """$CAULK_INSECURE_REGISTRIES (a,b), $CAULK_REGISTRY_CA_FILE, $CAULK_REGISTRY_TIMEOUT;
        UsageError for a timeout that is not a number of seconds."""
        insecure = environ.get("CAULK_INSECURE_REGISTRIES", "")
        return cls(
            insecure=frozenset(h.strip() for h in insecure.split(",") if h.strip()),
            ca_file=environ.get("CAULK_REGISTRY_CA_FILE") or None,
            timeout=_timeout(environ.get("CAULK_REGISTRY_TIMEOUT", "")),
        )


DEFAULT_OPTIONS = RegistryOptions()
"""TLS verified everywhere, 30 s reads: what a library call gets unless told otherwise."""


def _timeout(text: str) -> float:
    """Seconds per network read (a manifest gets twice that in all)."""
    try:
        value = float(text) if text else 30.0
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise UsageError(f"not a number of seconds: {text!r}", where="CAULK_REGISTRY_TIMEOUT")
    return value


def new_client(options: RegistryOptions) -> RegistryClient:
    from caulk.registry.client import RegistryClient
    from caulk.registry.credentials import CredentialStore

    return RegistryClient(
        credentials=CredentialStore(options.docker_config),
        insecure=options.insecure,
        ca_file=options.ca_file,
        timeout=options.timeout,
        manifest_deadline=2 * options.timeout,  # 60 s by default, as the client's own default
    )
