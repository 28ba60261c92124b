"""`caulk` command line: a thin adapter over the library.

Every command module registers itself on `cli` (a click group). Errors derived from
`caulk.errors.Error` print one line `caulk: <where>: <what>` on stderr and exit with their code;
anything else is an internal error (exit 3) whose traceback is shown only with `--debug`.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import traceback

import click

from caulk import __version__
from caulk.errors import EXIT_BAD_INPUT, EXIT_OPERATIONAL, Error
from caulk.terminal import printable

__all__ = ["cli", "main"]


# Command name -> module that defines it. Modules are imported only when their command runs (or
# for `--help`), so `caulk scan` does not pay for the signing, registry or SBOM libraries.
COMMAND_MODULES = {
    "scan": "caulk.cli.scan",
    "copy": "caulk.cli.copy",
    "defang": "caulk.cli.defang",
    "layers": "caulk.cli.layers",
    "profile": "caulk.cli.profile",
    "lint": "caulk.cli.lint",
    "db": "caulk.cli.db",
    "sbom": "caulk.cli.sbom",
    "registry": "caulk.cli.registry_cmd",
    "keygen": "caulk.cli.sign",
    "sign": "caulk.cli.sign",
    "verify": "caulk.cli.sign",
    "attest": "caulk.cli.sign",
    "verify-attestation": "caulk.cli.sign",
}


class _Formatter(logging.Formatter):
    """`caulk: warning: <message>`, like the one-line errors; logger names only with --debug."""

    def __init__(self, debug: bool) -> None:
        super().__init__("%(message)s")
        self._debug = debug

    def format(self, record: logging.LogRecord) -> str:
        where = f"{record.name}: " if self._debug else ""
        line = f"caulk: {record.levelname.lower()}: {where}{printable(record.getMessage())}"
        if record.exc_info:  # --debug tracebacks keep their line breaks
            line += "\n" + printable(self.formatException(record.exc_info), keep="\n")
        return line


class LazyGroup(click.Group):
    """A group whose subcommands register themselves when their module is imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = {n for n, m in COMMAND_MODULES.items() if importlib.util.find_spec(m)}
        return sorted(set(super().list_commands(ctx)) | available)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(module)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caulk")
@click.option("--debug", is_flag=True, help="Show debug logs and tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Make container images safe to run: inspect, scan, lint, de-fang, sign."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter(debug))
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler])


def main(argv: list[str] | None = None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # without standalone mode click returns ctx.exit()'s code instead of exiting
        code = cli.main(args=argv, prog_name="caulk", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("caulk: aborted", err=True)
        sys.exit(EXIT_OPERATIONAL)
    except click.ClickException as exc:
        click.echo(f"caulk: {printable(exc.format_message())}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except Error as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"caulk: {printable(str(exc))}", err=True)  # registry text, file names
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_OPERATIONAL)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, exit 3
        if debug:
            traceback.print_exc()
        click.echo(f"caulk: internal error: {type(exc).__name__}: {printable(str(exc))}", err=True)
        sys.exit(EXIT_OPERATIONAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # `python -m caulk.cli.main`: run the imported module's CLI
    from caulk.cli.main import main as _main

    _main()
