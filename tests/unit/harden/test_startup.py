"""`--remove-*` refuses (exit 2) when the config's Entrypoint/Cmd/Healthcheck needs a removed
program, resolved through the image's PATH and symlinks; `--force` writes it anyway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caulk.errors import UsageError
from caulk.harden import DefangOptions
from tests.support import synth
from tests.unit.harden.support import run
from tests.unit.harden.test_cli import _caulk

ROOT = [
    synth.dir("/usr"),
    synth.dir("/usr/bin"),
    synth.symlink("/bin", "usr/bin"),
    synth.file("/usr/bin/bash", b"bash", mode=0o755),
    synth.file("/usr/bin/dash", b"dash", mode=0o755),
    synth.symlink("/usr/bin/sh", "dash"),
    synth.file("/usr/bin/curl", b"curl", mode=0o755),
    synth.file("/usr/bin/python3", b"\x7fELF", mode=0o755),
    synth.dir("/app"),
    synth.file("/app/server", b"\x7fELF", mode=0o755),
    synth.file("/app/start.sh", b"#!/bin/bash\nexec /app/server\n", mode=0o755),
    synth.file("/app/tool.py", b"#!/usr/bin/env python3\nprint(1)\n", mode=0o755),
]
SHELLS = DefangOptions(remove_shells=True)


def _config(**settings: Any) -> dict[str, Any]:
    return {"config": {"Env": ["PATH=/usr/bin"], **settings}}


@pytest.mark.parametrize(
    ("settings", "options", "expected"),
    [
        ({"Cmd": ["/bin/bash"]}, SHELLS,
         "Cmd runs /bin/bash = /usr/bin/bash, which --remove-shells"),
        ({"Cmd": ["bash", "-l"]}, SHELLS, "Cmd runs bash = /usr/bin/bash"),
        (
            {"Entrypoint": ["/bin/sh", "-c", "curl -f http://x && exec /app/server"]},
            DefangOptions(remove_tools=True),
            "Entrypoint runs curl (through sh -c script) = /usr/bin/curl, which --remove-tools",
        ),
        ({"Entrypoint": ["/bin/sh", "-c", "/app/server"]}, SHELLS, "Entrypoint runs /bin/sh = "
         "/usr/bin/sh -> /usr/bin/dash, which --remove-shells"),
        ({"Entrypoint": ["/app/start.sh"]}, SHELLS, "runs /bin/bash (through #! of /app/start.sh)"),
        ({"Entrypoint": ["/usr/bin/dash", "-c"], "Cmd": ["curl -f x"]},
         DefangOptions(remove_tools=True),
         "Entrypoint runs curl (through dash -c script) = /usr/bin/curl"),
        ({"Entrypoint": ["/app/server"], "Cmd": ["bash"]}, SHELLS, "Cmd runs bash"),
        (
            {"Cmd": ["/app/server"], "Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"]}},
            DefangOptions(remove_tools=True),
            "Healthcheck runs curl",
        ),
        ({"WorkingDir": "/app", "Cmd": ["./tool.py"]},
         DefangOptions(remove_paths=("/usr/bin/python3",)),
         "runs python3 (through #! of /app/tool.py) = /usr/bin/python3, "
         "which --remove /usr/bin/python3"),
    ],
)  # fmt: skip
def test_removed_program_needed_at_start_is_refused(
    tmp_path: Path, settings: dict[str, Any], options: DefangOptions, expected: str
) -> None:
    with pytest.raises(UsageError, match="pass --force") as exc:
        run(tmp_path, [ROOT], options, config=_config(**settings))
    assert expected in str(exc.value)


@pytest.mark.parametrize(
    "settings",
    [
        {"Cmd": ["/app/server"]},
        {"Entrypoint": ["/app/server"], "Cmd": ["--port", "80"]},
        {"Cmd": ["/app/server"], "Healthcheck": {"Test": ["CMD", "/app/server", "--ping"]}},
        {"Cmd": ["/app/server"], "Healthcheck": {"Test": ["NONE"]}},
        {"Entrypoint": ["/app/server", "-c"], "Cmd": ["curl x"]},  # not a shell: no script
    ],
)
def test_commands_that_need_no_removed_program_pass(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    out = run(tmp_path, [ROOT], DefangOptions(remove_shells=True, remove_tools=True),
              config=_config(**settings))  # fmt: skip
    assert {r.path for r in out.plan.removed} >= {"/usr/bin/bash", "/usr/bin/curl"}


def test_force_writes_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    options = DefangOptions(remove_shells=True, force=True)
    out = run(tmp_path, [ROOT], options, config=_config(Cmd=["/bin/bash"]))
    assert "/usr/bin/bash" in {r.path for r in out.plan.removed}
    assert "--force: Cmd runs /bin/bash" in caplog.text


def test_cli_exit_2_one_line_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = synth.oci_layout(tmp_path / "in", [synth.tar(ROOT)], config=_config(Cmd=["/bin/bash"]))
    out = tmp_path / "out.tar"
    code, _, err = _caulk(capsys, "defang", f"oci:{root}:latest", "-o", f"oci-archive:{out}",
                          "--remove-shells")  # fmt: skip
    assert code == 2
    assert err.count("\n") == 1 and "Cmd runs /bin/bash" in err and "--force" in err
    assert not out.exists()
    code, stdout, err = _caulk(capsys, "defang", f"oci:{root}:latest", "-o", f"oci-archive:{out}",
                               "--remove-shells", "--force")  # fmt: skip
    assert code == 0, err
    assert "removed  shell" in stdout and out.exists()
