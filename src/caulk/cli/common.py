"""Options shared by every command that may talk to a registry."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from caulk.registry.options import RegistryOptions

__all__ = ["registry_options"]

F = TypeVar("F", bound=Callable[..., Any])


def registry_options(command: F) -> F:
    """Add `--insecure-registry HOST` (repeatable) and `--registry-ca-file FILE`; the command gets
    them, with the environment's settings, as `registry: RegistryOptions`. TLS verification stays
    on for every other registry."""

    @click.option(
        "--insecure-registry",
        "insecure_registry",
        multiple=True,
        metavar="HOST[:PORT]",
        help="Allow this registry without TLS verification (repeatable; also "
        "CAULK_INSECURE_REGISTRIES=a,b).",
    )
    @click.option(
        "--registry-ca-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CA bundle for registries with private certificates.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any, insecure_registry: tuple[str, ...], registry_ca_file: Path | None, **kw: Any
    ) -> Any:
        current = RegistryOptions.from_env(os.environ)  # a bad variable: UsageError, exit 2
        registry = replace(
            current,
            insecure=current.insecure | frozenset(insecure_registry),
            ca_file=str(registry_ca_file) if registry_ca_file else current.ca_file,
        )
        return command(*args, registry=registry, **kw)

    return wrapper  # type: ignore[return-value]
