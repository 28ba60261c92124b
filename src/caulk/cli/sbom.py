"""`caulk sbom IMAGE`: the image's packages as a CycloneDX or SPDX JSON SBOM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.cli.output import progress_bar, write_output
from caulk.fs.cache import LayerCache
from caulk.model import ScanResult
from caulk.registry.options import RegistryOptions
from caulk.sbom import write_cyclonedx, write_spdx
from caulk.scan import ScanOptions, scan_image
from caulk.source.interface import Platform

__all__ = ["sbom"]


WRITERS: dict[str, Callable[[ScanResult], bytes]] = {
    "cyclonedx-json": write_cyclonedx,
    "spdx-json": write_spdx,
}


@cli.command()
@click.argument("image")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(sorted(WRITERS)),
    default="cyclonedx-json",
    show_default=True,
    help="CycloneDX 1.6 JSON or SPDX 2.3 JSON.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option("--platform", help="os/arch[/variant] to pick from an index (default linux/amd64).")
@registry_options
@click.pass_context
def sbom(
    ctx: click.Context,
    image: str,
    fmt: str,
    output: Path | None,
    platform: str | None,
    registry: RegistryOptions,
) -> None:
    """Write the SBOM of IMAGE (any reference `caulk scan` takes): every package with its purl,
    locations and layers, and the distro. Read it back with `caulk scan sbom:FILE`."""
    options = ScanOptions(
        platform=Platform.parse(platform) if platform else None,
        registry=registry,
        hygiene=False,
        match=False,
        cache=LayerCache.open_default(),
    )
    with progress_bar(enabled=not ctx.obj.get("quiet"), label="reading layers") as progress:
        result = scan_image(image, options, progress=progress)
    write_output(WRITERS[fmt](result), output)
