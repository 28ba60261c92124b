"""`caulk lint FILE… | -`: lint Dockerfiles. Exit 0 pass, 1 a finding at or over the failure
threshold, 2 bad input (unreadable or unparsable Dockerfile) or usage error."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from caulk.cli.main import cli
from caulk.errors import EXIT_BAD_INPUT, EXIT_GATE, EXIT_OK, UsageError

__all__ = ["lint_command"]

_FORMATS = ("tty", "json", "sarif", "checkstyle", "codeclimate", "gitlab")


@cli.command("lint")
@click.argument("files", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format (default: tty on a terminal, else json).")  # fmt: skip
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (.caulk.yaml or .hadolint.yaml); default: the cwd's.")  # fmt: skip
@click.option("--ignore", multiple=True, help="Rule to ignore (CK-DF-… or DL…); repeatable.")
@click.option("--fail-on", "--failure-threshold", "threshold", default=None,
              help="Lowest severity that fails (info, low, medium, high, critical, or hadolint's "
                   "style/info/warning/error; none never fails).")  # fmt: skip
@click.option("--trusted-registry", multiple=True, help="Allowed base-image registry; repeatable.")
@click.option("--require-digest", is_flag=True, help="Require base images pinned by digest.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="YAML rules (dockerfile_lint profile or caulk form); repeatable.")  # fmt: skip
@click.option("--stdin-path", default="-", help="Name to report for a Dockerfile read from -.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--no-color", is_flag=True, help="No colours in tty output.")
def lint_command(
    files: tuple[str, ...],
    fmt: str | None,
    config_path: str | None,
    ignore: tuple[str, ...],
    threshold: str | None,
    trusted_registry: tuple[str, ...],
    require_digest: bool,
    rule_files: tuple[str, ...],
    stdin_path: str,
    output: str | None,
    no_color: bool,
) -> None:
    """Lint Dockerfiles (use - for standard input)."""
    from caulk.check.dockerfile import ruleset
    from caulk.check.dockerfile.config import LintConfig, find_config, load_config
    from caulk.check.dockerfile.custom import load_rule_file
    from caulk.check.dockerfile.engine import LintResult, lint, lint_path
    from caulk.report.lint import render

    path = Path(config_path) if config_path else find_config(Path.cwd())
    if config_path and not Path(config_path).is_file():
        raise UsageError("config file not found", where=config_path)
    config = load_config(path) if path else LintConfig()
    changes: dict[str, object] = {}
    if ignore:
        changes["ignored"] = config.ignored | {i.strip().upper() for i in ignore}
    if threshold is not None:
        changes["failure_threshold"] = _threshold(threshold)
    if trusted_registry:
        changes["trusted_registries"] = config.trusted_registries + trusted_registry
    if require_digest:
        changes["require_digest"] = True
    if rule_files:
        extra = [r for f in rule_files for r in load_rule_file(Path(f))]
        changes["custom_rules"] = config.custom_rules + tuple(extra)
    config = replace(config, **changes)  # type: ignore[arg-type]

    results: list[LintResult] = []
    for name in files:
        if name == "-":
            results.append(lint(sys.stdin.buffer.read(), path=stdin_path, config=config))
        else:
            results.append(lint_path(name, config=config))
    fmt = fmt or ("tty" if (output is None and sys.stdout.isatty()) else "json")
    color = fmt == "tty" and not no_color and output is None and sys.stdout.isatty()
    text = render(fmt, results, color=color)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write report: {exc.strerror or exc}", where=output) from None
    else:
        click.echo(text, nl=False)
    bad = any(f.rule_id == ruleset.SYNTAX.id for r in results for f in r.findings)
    code = EXIT_BAD_INPUT if bad else EXIT_GATE if any(r.failed for r in results) else EXIT_OK
    sys.exit(code)


def _threshold(text: str) -> object:
    from caulk.check.dockerfile.config import from_mapping

    if text.strip().lower() in ("none", "off", "never"):
        return None
    return from_mapping(
        {"failure-threshold": text}, where="--fail-on", base=Path()
    ).failure_threshold
