"""Oracles on the real Debian test images (tests/images): `find ROOT -perm /6000 -type f` on the
rootfs `umoci unpack` extracts, the fake secrets planted by the recipes, and dive's own CI verdict.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from caulk.check.image import ALL_CHECKS, analyzers_for, run_checks
from caulk.check.image.interface import CheckOptions, ImageContext
from caulk.check.image.secret_patterns import redact
from caulk.fs.view import build_view
from caulk.model import Finding
from caulk.source import open_image
from tests.images import build
from tests.images.recipes import TEST_SECRETS
from tests.support.tools import tool


@cache
def findings(name: str, transport: str = "oci") -> tuple[Finding, ...]:
    with open_image(build.image_ref(name, transport)) as image:
        view = build_view(image, analyzers_for(ALL_CHECKS))
        return run_checks(ImageContext(image, view, CheckOptions()), ALL_CHECKS).findings


def of(name: str, rule: str) -> list[Finding]:
    return [f for f in findings(name) if f.rule_id == rule]


def find_setuid(rootfs: Path) -> set[str]:
    out = subprocess.run(
        ["find", ".", "-perm", "/6000", "-type", "f"],
        cwd=rootfs,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line[1:] for line in out.splitlines()}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("bookworm", marks=pytest.mark.images("bookworm")),
        pytest.param("bookworm-tools", marks=pytest.mark.images("bookworm-tools")),
        pytest.param("bookworm-layers", marks=pytest.mark.images("bookworm-layers")),
    ],
)
def test_setuid_set_equals_find(name: str, image_rootfs: Callable[[str], Path]) -> None:
    expected = find_setuid(image_rootfs(name))
    assert expected, "the oracle found nothing: wrong rootfs?"
    got = [f.location.path for f in of(name, "CK-IMG-001")]
    assert len(got) == len(set(got))
    assert set(got) == expected


@pytest.mark.images("bookworm")
def test_bookworm_baseline() -> None:
    setuid = {f.location.path for f in of("bookworm", "CK-IMG-001")}
    assert {"/usr/bin/su", "/usr/bin/passwd", "/usr/bin/newgrp"} <= setuid
    shells = {f.location.path: f for f in of("bookworm", "CK-IMG-002")}
    assert set(shells) == {"/usr/bin/bash", "/usr/bin/dash"}  # once each despite /bin -> usr/bin
    assert "/bin/sh" in dict(shells["/usr/bin/dash"].details)["names"]
    managers = {f.location.path for f in of("bookworm", "CK-IMG-004")}
    assert {"/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/dpkg"} <= managers
    assert [f.message for f in of("bookworm", "CK-IMG-005")] == [
        "no USER is set: the container runs as root (uid 0)"
    ]
    assert of("bookworm", "CK-IMG-007") == []  # no false positive on a whole Debian system
    assert of("bookworm", "CK-IMG-010") == []


@pytest.mark.images("bookworm-tools")
def test_bookworm_tools_network_tools() -> None:
    tools = {f.location.path: dict(f.details) for f in of("bookworm-tools", "CK-IMG-003")}
    assert "/usr/bin/curl" in tools
    assert tools["/usr/bin/nc.openbsd"]["tools"] == "nc, nc.openbsd, netcat"  # alternatives
    assert of("bookworm-tools", "CK-IMG-007") == []


@pytest.mark.images("bookworm-tools")
def test_bookworm_tools_interpreters_and_dockle_checks() -> None:
    dev = {f.location.path: dict(f.details)["tools"] for f in of("bookworm-tools", "CK-IMG-019")}
    # perl-base (Essential in minbase) and python3.11-minimal: nothing else on the PATH
    assert dev == {
        "/usr/bin/perl": "perl, perl5.36.0",
        "/usr/bin/python3.11": "python3, python3.11",
    }
    assert of("bookworm-tools", "CK-IMG-018") == []  # minbase runs no setcap
    assert of("bookworm-tools", "CK-IMG-020") == []  # root:* and system accounts are locked
    assert of("bookworm-tools", "CK-IMG-021") == []
    assert [f.message for f in of("bookworm-tools", "CK-IMG-022")] == [
        "the image config has no HEALTHCHECK"
    ]


@pytest.mark.images("bookworm-layers")
def test_bookworm_layers_secrets_every_layer() -> None:
    files = {(f.location.path, f.location.layer): f for f in of("bookworm-layers", "CK-IMG-007")}
    assert set(files) == {
        ("/root/.ssh/id_ecdsa", 1),
        ("/root/.aws/credentials", 1),
        ("/root/.docker/config.json", 1),
        ("/app/.npmrc", 1),
        ("/app/settings.py", 1),
        ("/etc/ssl/private/server.key", 1),
    }
    assert "still shipped in layer 1" in files[("/etc/ssl/private/server.key", 1)].message
    text = repr(findings("bookworm-layers"))
    for name, secret in TEST_SECRETS.items():
        assert secret not in text, name
    messages = " ".join(f.message for f in of("bookworm-layers", "CK-IMG-007"))
    for name in ("aws_access_key_id", "aws_secret_access_key", "github_token"):
        assert redact(TEST_SECRETS[name]) in messages, name
    aws, db = redact(TEST_SECRETS["env_aws_secret"]), redact(TEST_SECRETS["env_db_password"])
    config = [
        (f.location.field, f.severity.name, f.message) for f in of("bookworm-layers", "CK-IMG-008")
    ]
    assert config == [
        ("config.Env[1]", "CRITICAL",
         f"AWS secret access key in environment variable AWS_SECRET_ACCESS_KEY: {aws}"),
        ("config.Env[2]", "HIGH", f"environment variable DB_PASSWORD sets DB_PASSWORD: {db}"),
        ("history[7].created_by", "CRITICAL", f"AWS secret access key in history step 7: {aws}"),
        ("history[7].created_by", "HIGH", f"history step 7 sets DB_PASSWORD: {db}"),
    ]  # fmt: skip


@pytest.mark.images("bookworm-layers")
def test_bookworm_layers_other_rules() -> None:
    setuid = {f.location.path: f for f in of("bookworm-layers", "CK-IMG-001")}
    assert {"/usr/local/bin/rootshell", "/usr/local/bin/rootshell-link"} <= set(setuid)
    assert "/usr/bin/newgrp" not in setuid and "/usr/bin/chfn" not in setuid
    assert [f.message for f in of("bookworm-layers", "CK-IMG-005")] == [
        "USER '0:0' is uid 0 (root)"
    ]
    caches = {f.location.path: dict(f.details) for f in of("bookworm-layers", "CK-IMG-009")}
    assert set(caches) == {
        "/var/lib/apt/lists",
        "/var/cache/apt",
        "/var/cache/apt/archives",
        "/root/.cache/pip",
    }
    assert caches["/var/cache/apt"]["bytes"] == str(4096 + 2048)
    assert caches["/root/.cache/pip"] == {"files": "1", "bytes": "2048", "layers": "4"}
    writable = [f.location.path for f in of("bookworm-layers", "CK-IMG-010")]
    assert writable == ["/srv/shared", "/srv/shared/notes.txt"]
    assert [f.location.layer for f in of("bookworm-layers", "CK-IMG-011")] == [3]
    assert [f.location.layer for f in of("bookworm-layers", "CK-IMG-012")] == [1]
    hidden = {f.location.path: f.location.layer for f in of("bookworm-layers", "CK-IMG-017")}
    assert hidden == {"/opt/olddir": 2, "/opt/cache": 3}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_VERDICT = re.compile(r"^\s*(PASS|FAIL): (\w+)", re.MULTILINE)


def dive_verdicts(archive: Path, ci: Path) -> dict[str, str]:
    """dive's own PASS/FAIL per rule for `dive --ci` with this `.dive-ci`."""
    proc = subprocess.run(
        [tool("dive"), "--ci", "--ci-config", str(ci), "--source", "docker-archive", str(archive)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "CI": "true", "NO_COLOR": "1"},
    )
    text = _ANSI.sub("", proc.stdout)
    assert "Analyzing image" in text, proc.stderr
    return {key: verdict for verdict, key in _VERDICT.findall(text)}


@pytest.mark.images("bookworm-layers")
@pytest.mark.parametrize(
    "rules",
    [
        {"lowestEfficiency": "0.9", "highestWastedBytes": "1MB", "highestUserWastedPercent": "0.1"},
        {
            "lowestEfficiency": "0.99",
            "highestWastedBytes": "2MiB",
            "highestUserWastedPercent": "0.9",
        },
    ],
)
def test_threshold_verdicts_equal_dive_ci(
    rules: dict[str, str], tmp_path: Path, image_archive: Callable[[str, str], Path]
) -> None:
    from caulk.check.image import load_dive_ci

    archive = image_archive("bookworm-layers", "docker-archive")
    ci = tmp_path / ".dive-ci"
    ci.write_text("rules:\n" + "".join(f"  {k}: {v}\n" for k, v in rules.items()))
    dive = dive_verdicts(archive, ci)
    assert set(dive) == set(rules), dive
    options = load_dive_ci(ci)
    with open_image(f"docker-archive:{archive}") as image:
        view = build_view(image)
        from caulk.check.image.efficiency import EfficiencyCheck

        found = {
            f.rule_id
            for f in run_checks(ImageContext(image, view, options), [EfficiencyCheck()]).findings
        }
    ours = {
        "lowestEfficiency": "FAIL" if "CK-IMG-014" in found else "PASS",
        "highestWastedBytes": "FAIL" if "CK-IMG-015" in found else "PASS",
        "highestUserWastedPercent": "FAIL" if "CK-IMG-016" in found else "PASS",
    }
    assert ours == dive
