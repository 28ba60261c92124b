"""`caulk profile apparmor|seccomp IMAGE`: confinement profiles from an image (docs/profiles.md)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.cli.output import write_output
from caulk.registry.options import RegistryOptions
from caulk.source.interface import Platform

__all__ = ["profile_group"]

log = logging.getLogger(__name__)

_OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here."
)
_PLATFORM = click.option("--platform", metavar="OS/ARCH[/VARIANT]", help="Platform of an index.")


@cli.group("profile")
def profile_group() -> None:
    """Write an AppArmor or seccomp profile for IMAGE from its contents and config."""


@profile_group.command("apparmor")
@click.argument("image")
@click.option("--name", default="caulk-image", show_default=True, help="Profile name.")
@click.option("--allow-raw-network", is_flag=True, help="Allow raw and packet sockets (ping).")
@click.option(
    "--writable", multiple=True, metavar="DIR", help="Also writable (besides volumes, /tmp)."
)
@_OUTPUT
@_PLATFORM
@registry_options
def apparmor_command(
    image: str,
    name: str,
    allow_raw_network: bool,
    writable: tuple[str, ...],
    output: Path | None,
    platform: str | None,
    registry: RegistryOptions,
) -> None:
    """AppArmor: read anything, execute the image's programs, write volumes and /tmp only, no
    raw sockets, mount or ptrace. Load with `apparmor_parser -r FILE`."""
    from caulk.fs.view import build_view
    from caulk.profile import AppArmorOptions, apparmor_profile
    from caulk.source import open_image

    options = AppArmorOptions(name=name, raw_network=allow_raw_network, writable=writable)
    platform_ = Platform.parse(platform) if platform else None
    with open_image(image, platform=platform_, registry=registry) as img:
        text = apparmor_profile(img, build_view(img), options)
    write_output(text.encode(), output)


@profile_group.command("seccomp")
@click.argument("image")
@_OUTPUT
@_PLATFORM
@registry_options
def seccomp_command(
    image: str, output: Path | None, platform: str | None, registry: RegistryOptions
) -> None:
    """Seccomp (Docker's profile shape): a conservative allow-list, minus the system calls no
    program of the image can make (proven from ELF imports; reasons on stderr)."""
    from caulk.fs.view import build_view
    from caulk.profile import PROFILE_ANALYZERS, seccomp_profile
    from caulk.source import open_image

    platform_ = Platform.parse(platform) if platform else None
    with open_image(image, platform=platform_, registry=registry) as img:
        doc, proof = seccomp_profile(build_view(img, PROFILE_ANALYZERS))
    write_output(json.dumps(doc, indent=2).encode() + b"\n", output)
    for blocker in proof.blockers:
        click.echo(f"caulk: nothing removed: {blocker}", err=True)
    if proof.removed:
        click.echo(f"caulk: removed (proven unused): {' '.join(proof.removed)}", err=True)
    for name, reason in proof.kept:
        log.info("kept %s: %s", name, reason)
