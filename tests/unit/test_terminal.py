"""Issue 9 item 24: control characters from others (registry error text, file names inside images,
Dockerfile content) never reach the terminal raw: one escaping function, `caulk.terminal.printable`,
serves the one-line errors, log lines, the scan table and the lint tty format."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from unittest.mock import patch

import click
import pytest

from caulk.check.dockerfile import LintConfig, lint
from caulk.cli import main as main_mod
from caulk.cli.main import _Formatter
from caulk.errors import RegistryError
from caulk.report.lint import render
from caulk.report.table import render_table
from caulk.scan import ScanOptions, scan_image
from caulk.terminal import printable
from tests.conftest import CaulkRun
from tests.support import synth
from tests.support.http_server import reply, serve

OSC_TITLE = "\x1b]0;pwned\x07"  # retitles the terminal window
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\r", "\x08")


def _clean(text: str) -> bool:
    return not any(c in text for c in RAW)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (OSC_TITLE, "\\x1b]0;pwned\\x07"),
        ("a\rb\x08c\x00d\x7f", "a\\x0db\\x08c\\x00d\\x7f"),
        ("8-bit CSI \x9b2J", "8-bit CSI \\x9b2J"),
        ("bidi \u202eexe.txt\u2066x\u2069", "bidi \\u202eexe.txt\\u2066x\\u2069"),
        ("line\nnext\ttab", "line\\x0anext\\x09tab"),
        ("naïve 日本 ✓ · …", "naïve 日本 ✓ · …"),  # printable text is left alone
        ("surrogate \udcff kept for the encoder", "surrogate \udcff kept for the encoder"),
    ],
)
def test_printable_escapes_control_characters(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_keeps_what_is_asked() -> None:
    assert printable("a\nb\x1b", keep="\n") == "a\nb\\x1b"


def test_error_lines_escape_text_from_others(capsys: pytest.CaptureFixture[str]) -> None:
    err = RegistryError(f"HTTP 403: denied {OSC_TITLE}", where=f"reg/{OSC_TITLE}")

    @click.command()
    def fail() -> None:
        raise err

    with pytest.raises(SystemExit) as exit_info, patch.object(main_mod, "cli", fail):
        main_mod.main([])
    line = capsys.readouterr().err
    assert exit_info.value.code == 3
    assert _clean(line) and line.count("\\x1b]0;pwned") == 2


def test_registry_error_text_reaches_stderr_escaped(run_caulk: Callable[..., CaulkRun]) -> None:
    body = {"errors": [{"code": "DENIED", "message": f"go away {OSC_TITLE}\x1b[2J"}]}

    def handle(h: BaseHTTPRequestHandler) -> None:
        reply(h, 403, json.dumps(body).encode(), Content_Type="application/json")

    with serve(handle) as (host, _seen):
        run = run_caulk("scan", "--insecure-registry", host, f"{host}/repo:tag")
    assert run.code == 3, run
    assert "go away \\x1b]0;pwned\\x07\\x1b[2J" in run.stderr
    assert _clean(run.stderr)


def test_log_lines_escape_their_message() -> None:
    record = logging.LogRecord("caulk.x", logging.WARNING, __file__, 1, "%s", (OSC_TITLE,), None)
    line = _Formatter(debug=False).format(record)
    assert line == "caulk: warning: \\x1b]0;pwned\\x07"


def test_scan_table_escapes_file_names_from_the_image(tmp_path: Path) -> None:
    evil = f"/usr/bin/{OSC_TITLE}\x9b2J\u202eevil"
    layout = synth.oci_layout(tmp_path / "img", [synth.tar([synth.file(evil, b"x", mode=0o4755)])])
    result = scan_image(f"oci:{layout}:latest", ScanOptions(vulnerabilities=False))
    assert any(evil in f.message for f in result.findings)  # the finding is about that file
    plain = render_table(result, color=False).decode()
    assert "/usr/bin/\\x1b]0;pwned\\x07\\x9b2J\\u202eevil" in plain
    assert _clean(plain)
    coloured = render_table(result, color=True).decode()  # rich's own SGR codes only
    assert "\x1b]" not in coloured and not any(c in coloured for c in RAW[1:])


def test_lint_tty_escapes_dockerfile_content() -> None:
    dockerfile = f"FROM debian:12\nRUN echo hi\nUSER {OSC_TITLE}\x1b[2J\n"
    result = lint(dockerfile, path=f"Dockerfile{OSC_TITLE}", config=LintConfig())
    assert result.findings
    text = render("tty", [result], color=False)
    assert "Dockerfile\\x1b]0;pwned\\x07" in text
    assert _clean(text)
