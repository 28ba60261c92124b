"""Process-wide registry settings chosen by the CLI or server (insecure hosts, CA bundle,
credentials file), used whenever an image reference names a registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from caulk.errors import UsageError

if TYPE_CHECKING:
    from caulk.registry.client import RegistryClient

__all__ = ["RegistryOptions", "configure", "new_client", "options"]


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    insecure: frozenset[str] = field(default_factory=frozenset)  # hosts allowed without TLS checks
    ca_file: str | None = None
    docker_config: Path | None = None
    timeout: float = 30.0


def _timeout_from_env() -> float:
    """$CAULK_REGISTRY_TIMEOUT: seconds per network read (a manifest gets twice that in all)."""
    text = os.environ.get("CAULK_REGISTRY_TIMEOUT", "")
    try:
        value = float(text) if text else 30.0
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise UsageError(f"not a number of seconds: {text!r}", where="CAULK_REGISTRY_TIMEOUT")
    return value


def _from_env() -> RegistryOptions:
    insecure = os.environ.get("CAULK_INSECURE_REGISTRIES", "")
    return RegistryOptions(
        insecure=frozenset(h.strip() for h in insecure.split(",") if h.strip()),
        ca_file=os.environ.get("CAULK_REGISTRY_CA_FILE") or None,
        timeout=_timeout_from_env(),
    )


_options = _from_env()


def configure(new: RegistryOptions) -> None:
    global _options  # one process-wide setting, set once by the CLI
    _options = new


def options() -> RegistryOptions:
    return _options


def new_client() -> RegistryClient:
    from caulk.registry.client import RegistryClient
    from caulk.registry.credentials import CredentialStore

    opts = _options
    return RegistryClient(
        credentials=CredentialStore(opts.docker_config),
        insecure=opts.insecure,
        ca_file=opts.ca_file,
        timeout=opts.timeout,
        manifest_deadline=2 * opts.timeout,  # 60 s by default, as the client's own default
    )
