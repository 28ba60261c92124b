"""Process-wide registry settings chosen by the CLI or server (insecure hosts, CA bundle,
credentials file), used whenever an image reference names a registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caulk.registry.client import RegistryClient

__all__ = ["RegistryOptions", "configure", "new_client", "options"]


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    insecure: frozenset[str] = field(default_factory=frozenset)  # hosts allowed without TLS checks
    ca_file: str | None = None
    docker_config: Path | None = None
    timeout: float = 30.0


def _from_env() -> RegistryOptions:
    insecure = os.environ.get("CAULK_INSECURE_REGISTRIES", "")
    return RegistryOptions(
        insecure=frozenset(h.strip() for h in insecure.split(",") if h.strip()),
        ca_file=os.environ.get("CAULK_REGISTRY_CA_FILE") or None,
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
    )
