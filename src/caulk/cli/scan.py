"""`caulk scan IMAGE`: hygiene checks (and vulnerabilities) with a `--fail-on` gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caulk.check.image.interface import CheckOptions
from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.cli.output import progress_bar, write_output
from caulk.errors import EXIT_GATE, UsageError
from caulk.fs.cache import LayerCache
from caulk.match.ignore import IgnoreFile, load_ignore_file
from caulk.model import Severity
from caulk.policy import gate
from caulk.policy.freshness import parse_max_age
from caulk.registry.options import RegistryOptions
from caulk.report import FORMATS, render
from caulk.scan import ScanOptions, scan_image
from caulk.source.interface import Platform
from caulk.terminal import printable

if TYPE_CHECKING:
    from caulk.match.vex import VexStatement
    from caulk.vulndb.interface import AdvisoryStore

__all__ = ["scan"]

SEVERITIES = [s.name for s in Severity if s is not Severity.UNKNOWN]
DEFAULT_IGNORE_FILE = ".caulkignore.yaml"
LOCAL_TRANSPORTS = {"oci", "oci-archive", "docker-archive", "dir", "sbom"}


def _check_options(
    dive_ci: Path | None,
    allow_tool: tuple[str, ...],
    allow_path: tuple[str, ...],
    disable: tuple[str, ...],
    require_digest: bool = False,
) -> CheckOptions:
    base = CheckOptions()
    if dive_ci is not None:
        from caulk.check.image import load_dive_ci

        base = load_dive_ci(dive_ci)
    return CheckOptions(
        allow_paths=base.allow_paths | frozenset(allow_path),
        allow_tools=base.allow_tools | frozenset(allow_tool),
        lowest_efficiency=base.lowest_efficiency,
        highest_wasted_bytes=base.highest_wasted_bytes,
        highest_user_wasted_percent=base.highest_user_wasted_percent,
        disabled_rules=base.disabled_rules | frozenset(disable),
        require_digest=require_digest,
    )


def _load_store(path: Path) -> AdvisoryStore:
    from caulk.vulndb import load_store

    return load_store(path)


def _default_store(skip_update: bool, registry: RegistryOptions) -> AdvisoryStore:
    """The user's database (else the embedded data), updated first when older than 24 h."""
    from caulk.vulndb.auto import prepare_store

    prepared = prepare_store(update=not skip_update, registry=registry)
    for line in prepared.lines:
        click.echo(f"caulk: {line}", err=True)
    return prepared.store


def _load_vex(paths: tuple[Path, ...]) -> tuple[VexStatement, ...]:
    from caulk.match.vex import load_openvex

    return tuple(statement for path in paths for statement in load_openvex(path))


@cli.command()
@click.argument("image")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option("--platform", help="os/arch[/variant] to pick from an index (default linux/amd64).")
@click.option(
    "--dive-ci",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read efficiency thresholds from a dive `.dive-ci` file.",
)
@click.option("--allow-tool", multiple=True, help="Tool name not to report (repeatable).")
@click.option("--allow-path", multiple=True, help="Absolute path not to report (repeatable).")
@click.option("--disable", multiple=True, metavar="RULE", help="Rule ID to skip (repeatable).")
@click.option(
    "--require-digest",
    is_flag=True,
    help="Report any tag, not only none/latest, as mutable (CK-IMG-013): digests expected.",
)
@click.option(
    "--scanners",
    default="hygiene,vuln",
    show_default=True,
    help="Comma-separated: hygiene (image checks), vuln (packages and vulnerabilities).",
)
@click.option("--ignore-unfixed", is_flag=True, help="Ignore vulnerabilities without a fix.")
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ignore file (YAML; default ./.caulkignore.yaml when present).",
)
@click.option(
    "--vex",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="OpenVEX document (repeatable).",
)
@click.option("--exit-on-eol", is_flag=True, help="Exit 1 when the distro is end of life.")
@click.option(
    "--unrated-as",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    help="Severity a vulnerability without any rating counts as for --fail-on"
    " (default: it fails --fail-on, whatever the threshold).",
)
@click.option(
    "--fail-on-unchecked",
    is_flag=True,
    help="Exit 1 when packages could not be checked (no data, end of life, version not read).",
)
@click.option(
    "--db-max-age",
    metavar="AGE",
    default="7d",
    show_default=True,
    envvar="CAULK_DB_MAX_AGE",
    help="Warn when the advisory data is older than this (7d, 36h…; env CAULK_DB_MAX_AGE).",
)
@click.option(
    "--fail-on-stale-db",
    is_flag=True,
    help="Exit 1 when the advisory data is older than --db-max-age (or carries no date).",
)
@click.option(
    "--fail-on-kev",
    is_flag=True,
    help="Exit 1 when a vulnerability is in CISA's Known Exploited Vulnerabilities catalog.",
)
@click.option(
    "--dockerfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lint the Dockerfile the image came from and merge its findings.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Advisory database (default: the imported one, else the embedded real data).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every layer again instead of using the layer cache ($CAULK_CACHE_DIR/layers).",
)
@click.option(
    "--skip-db-update",
    is_flag=True,
    help="Do not update an advisory database older than 24 h (also CAULK_DB_AUTO_UPDATE=false).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Never touch the network: no database update; local image references only.",
)
@registry_options
@click.pass_context
def scan(
    ctx: click.Context,
    image: str,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    platform: str | None,
    dive_ci: Path | None,
    allow_tool: tuple[str, ...],
    allow_path: tuple[str, ...],
    disable: tuple[str, ...],
    require_digest: bool,
    scanners: str,
    ignore_unfixed: bool,
    ignore_file: Path | None,
    vex: tuple[Path, ...],
    exit_on_eol: bool,
    unrated_as: str | None,
    fail_on_unchecked: bool,
    db_max_age: str,
    fail_on_stale_db: bool,
    fail_on_kev: bool,
    dockerfile: Path | None,
    db: Path | None,
    no_cache: bool,
    skip_db_update: bool,
    offline: bool,
    registry: RegistryOptions,
) -> None:
    """Scan IMAGE: oci:DIR[:tag|@digest], oci-archive:FILE, docker-archive:FILE, dir:ROOTFS, or a
    registry reference (HOST/REPO:TAG, registry:…) streamed without a daemon."""
    wanted = {s.strip() for s in scanners.split(",") if s.strip()}
    if not wanted or wanted - {"hygiene", "vuln"}:
        raise UsageError(f"--scanners takes hygiene and/or vuln, not {scanners!r}")
    max_db_age = parse_max_age(db_max_age)
    if offline and image.partition(":")[0] not in LOCAL_TRANSPORTS:
        raise UsageError(f"--offline: {image!r} is a registry reference; scan a local copy")
    store = None
    if "vuln" in wanted:
        if db is not None:
            store = _load_store(db)
        else:
            store = _default_store(skip_db_update or offline, registry)
    if ignore_file is None and Path(DEFAULT_IGNORE_FILE).is_file():
        ignore_file = Path(DEFAULT_IGNORE_FILE)
    options = ScanOptions(
        platform=Platform.parse(platform) if platform else None,
        checks=_check_options(dive_ci, allow_tool, allow_path, disable, require_digest),
        hygiene="hygiene" in wanted,
        vulnerabilities="vuln" in wanted,
        store=store,
        ignore_unfixed=ignore_unfixed,
        ignores=load_ignore_file(ignore_file) if ignore_file else IgnoreFile(),
        vex=_load_vex(vex),
        cache=None if no_cache else LayerCache.open_default(),
        dockerfile=dockerfile,
        max_db_age=max_db_age,
        registry=registry,
    )
    with progress_bar(enabled=not ctx.obj.get("quiet"), label="reading layers") as progress:
        result = scan_image(image, options, progress=progress)
    color = output is None and fmt == "table" and sys.stdout.isatty()
    write_output(render(result, fmt, color=color), output)
    for notice in map(printable, result.notices if fmt != "table" or output is not None else ()):
        click.echo(f"caulk: warning: {notice}", err=True)
    verdict = gate(
        result,
        Severity.parse(fail_on) if fail_on else None,
        exit_on_eol=exit_on_eol,
        unrated_as=Severity.parse(unrated_as) if unrated_as else None,
        fail_on_unchecked=fail_on_unchecked,
        fail_on_stale_db=max_db_age if fail_on_stale_db else None,
        fail_on_kev=fail_on_kev,
    )
    if not verdict.passed:
        for reason in verdict.reasons:
            click.echo(f"caulk: gate failed: {printable(reason)}", err=True)
        ctx.exit(EXIT_GATE)
