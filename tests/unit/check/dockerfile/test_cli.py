"""`caulk lint` end to end: formats, stdin, exit codes by threshold, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_caulk_subprocess as caulk
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES

CLEAN = (
    "FROM debian:12@sha256:"
    + "a" * 64
    + (
        "\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} \\; || true\n"
        "USER 10001\nHEALTHCHECK NONE\n"
    )
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian\nRUN apt-get update && apt-get install -y curl\n")
    good = tmp_path / "Clean.Dockerfile"
    good.write_text(CLEAN)
    return bad, good


def test_json_and_exit_codes(files: tuple[Path, Path], tmp_path: Path) -> None:
    bad, good = files
    run = caulk("lint", "-f", "json", bad, cwd=tmp_path)
    assert run.code == 1, run
    doc = run.json()
    ids = {f["rule_id"] for f in doc["files"][0]["findings"]}
    assert {"CK-DF-010", "CK-DF-040", "CK-DF-020"} <= ids
    f = next(f for f in doc["files"][0]["findings"] if f["rule_id"] == "CK-DF-040")
    assert (f["hadolint"], f["line"], f["column"]) == ("DL3008", 2, 23)
    assert caulk("lint", good, cwd=tmp_path).code == 0
    assert caulk("lint", "--fail-on", "critical", bad, cwd=tmp_path).code == 0
    assert caulk("lint", "--fail-on", "none", bad, cwd=tmp_path).code == 0
    assert caulk("lint", "--fail-on", "warning", bad, cwd=tmp_path).code == 1


def test_sarif_checkstyle_codeclimate_tty(files: tuple[Path, Path], tmp_path: Path) -> None:
    bad, _ = files
    sarif = caulk("lint", "-f", "sarif", bad, cwd=tmp_path).json()
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = (
        [r["id"] for r in run["rules"]]
        if "rules" in run
        else [r["id"] for r in run["tool"]["driver"]["rules"]]
    )
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and res["level"] in ("error", "warning", "note")
    xml = caulk("lint", "-f", "checkstyle", bad, cwd=tmp_path).stdout
    root = ET.fromstring(xml)
    errors = root.findall("./file/error")
    assert root.tag == "checkstyle" and any(e.get("source") == "CK-DF-040" for e in errors)
    cc = caulk("lint", "-f", "gitlab", bad, cwd=tmp_path).json()
    assert cc and {"fingerprint", "severity", "location", "check_name"} <= set(cc[0])
    assert len({i["fingerprint"] for i in cc}) == len(cc)
    tty = caulk("lint", "-f", "tty", bad, cwd=tmp_path).stdout
    assert "CK-DF-040 (DL3008)" in tty and "finding(s) in 1 file(s)" in tty


def test_stdin_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = caulk(
        "lint", "-", "--stdin-path", "svc/Dockerfile", "-o", out, stdin="FROM a\n", cwd=tmp_path
    )
    assert run.code == 1 and run.stdout == ""
    assert json.loads(out.read_text())["files"][0]["path"] == "svc/Dockerfile"


def test_config_discovered_in_cwd(files: tuple[Path, Path], tmp_path: Path) -> None:
    bad, _ = files
    (tmp_path / ".hadolint.yaml").write_text("failure-threshold: none\n")
    assert caulk("lint", bad, cwd=tmp_path).code == 0
    (tmp_path / ".caulk.yaml").write_text("lint: {failure-threshold: bogus}\n")
    run = caulk("lint", bad, cwd=tmp_path)
    assert run.code == 2 and ".caulk.yaml" in run.stderr and "bogus" in run.stderr


def test_bad_input_exit_2_without_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x00\x01\x02ELF")
    run = caulk("lint", "-f", "json", binary, cwd=tmp_path)
    assert run.code == 2 and "binary file" in run.stdout and "Traceback" not in run.stderr
    missing = caulk("lint", tmp_path / "nope", cwd=tmp_path)
    assert missing.code == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    usage = caulk("lint", "--fail-on", "loud", binary, cwd=tmp_path)
    assert usage.code == 2
    proc = subprocess.run(
        [sys.executable, "-m", "caulk.cli.main", "lint", "-f", "json", "-"],
        input=b"FROM a:1\nRUN echo \xff\n",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2 and b"not valid UTF-8" in proc.stdout


def test_whole_fixture_corpus_in_one_call(tmp_path: Path) -> None:
    files = sorted(DEV_FIXTURES.glob("*.Dockerfile"))
    run = caulk("lint", "-f", "json", *files, cwd=tmp_path)
    assert run.code == 2  # 0289 is a jq template, not a Dockerfile
    doc = run.json()
    assert len(doc["files"]) == len(files)
    assert all(not f["unknowns"] for f in doc["files"])
