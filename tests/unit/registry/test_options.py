"""RegistryOptions are built at the edge and passed explicitly: the environment is read only by
the CLI, a bad variable breaks no import, and two callers in one process keep their own settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from caulk.errors import UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions

CAULK = (sys.executable, "-m", "caulk.cli.main")
BAD = {"CAULK_REGISTRY_TIMEOUT": "soon"}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CAULK_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def test_from_env_reads_the_three_variables() -> None:
    options = RegistryOptions.from_env(
        {
            "CAULK_INSECURE_REGISTRIES": " a:5000, ,b ",
            "CAULK_REGISTRY_CA_FILE": "/etc/ca.pem",
            "CAULK_REGISTRY_TIMEOUT": "2.5",
        }
    )
    assert options == RegistryOptions(
        insecure=frozenset({"a:5000", "b"}), ca_file="/etc/ca.pem", timeout=2.5
    )
    assert RegistryOptions.from_env({}) == DEFAULT_OPTIONS == RegistryOptions()


@pytest.mark.parametrize("text", ["soon", "0", "-1", "86400", "nan", "inf"])
def test_a_timeout_that_is_not_seconds_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        RegistryOptions.from_env({"CAULK_REGISTRY_TIMEOUT": text})
    assert str(caught.value) == f"CAULK_REGISTRY_TIMEOUT: not a number of seconds: {text!r}"
    assert caught.value.exit_code == 2


def test_a_bad_variable_breaks_no_import(tmp_path: Path) -> None:
    modules = "caulk.scan, caulk.source, caulk.sink, caulk.signing.sign, caulk.vulndb.oci"
    proc = subprocess.run(
        [sys.executable, "-c", f"import {modules}, caulk.cli.main"],
        env=_env(tmp_path, **BAD),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")


def test_a_bad_variable_is_one_usage_line_only_when_a_registry_command_runs(
    tmp_path: Path,
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\nCOPY app /app\n")
    lint = subprocess.run(
        [*CAULK, "lint", str(dockerfile)],
        env=_env(tmp_path, **BAD),
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode in (0, 1), lint.stderr
    assert "CAULK_REGISTRY_TIMEOUT" not in lint.stderr

    out = tmp_path / "out"
    copy = subprocess.run(
        [*CAULK, "copy", f"oci:{tmp_path}/missing", f"oci:{out}"],
        env=_env(tmp_path, **BAD),
        capture_output=True,
        text=True,
        check=False,
    )
    assert copy.returncode == 2
    assert copy.stderr == "caulk: CAULK_REGISTRY_TIMEOUT: not a number of seconds: 'soon'\n"
    assert copy.stdout == ""
    assert not out.exists()
