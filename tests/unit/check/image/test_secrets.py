"""CK-IMG-007/008 through the real read path: every layer, deleted files, config and history."""

from __future__ import annotations

from pathlib import Path

from caulk.check.image.secrets import SecretConfigCheck, SecretFileCheck
from caulk.model import Severity
from tests.support import synth

from .helpers import scan
from .test_secret_patterns import AWS_ID, GITHUB, KEY_BODY, PEM


def test_secret_deleted_by_a_later_layer_is_reported_with_its_layer(tmp_path: Path) -> None:
    base = [
        synth.dir("/root"),
        synth.dir("/root/.ssh"),
        synth.file("/root/.ssh/id_rsa", PEM.encode(), mode=0o600),
        synth.dir("/app"),
        synth.file("/app/settings.py", f"DEBUG = False\nAWS_KEY = '{AWS_ID}'\n".encode()),
        synth.dir("/usr"),
        synth.dir("/usr/share"),
        synth.dir("/usr/share/doc"),
        synth.file("/usr/share/doc/README", AWS_ID.encode()),  # skipped tree
        synth.file("/app/blob.bin", b"\x00" + AWS_ID.encode()),  # binary
    ]
    top = [synth.dir("/root/.ssh"), synth.whiteout("/root/.ssh/id_rsa")]
    found = scan(tmp_path, [base, top], checks=[SecretFileCheck()])
    assert [(f.location.path, f.location.layer, f.location.line) for f in found] == [
        ("/app/settings.py", 0, 2),
        ("/root/.ssh/id_rsa", 0, 1),
    ]
    assert all(f.severity is Severity.CRITICAL for f in found)
    assert "still shipped in layer 0" in found[1].message
    assert "still shipped" not in found[0].message
    text = repr(found)
    assert AWS_ID not in text and KEY_BODY[4:30] not in text


def test_overwritten_copy_is_still_reported(tmp_path: Path) -> None:
    base = [synth.dir("/app"), synth.file("/app/.env", f"T={GITHUB}\n".encode())]
    top = [synth.dir("/app"), synth.file("/app/.env", b"T=\n")]
    found = scan(tmp_path, [base, top], checks=[SecretFileCheck()])
    assert [(f.location.path, f.location.layer) for f in found] == [("/app/.env", 0)]


def test_env_and_history(tmp_path: Path) -> None:
    config = {
        "config": {
            "Env": [
                "PATH=/usr/bin",
                "DB_PASSWORD=hunter22",
                "PASSWORD_FILE=/run/secrets/db",
                f"GITHUB={GITHUB}",
                "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            ]
        },
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": "|1 NPM_TOKEN=npm_s3cr3tvalue /bin/sh -c npm ci", "empty_layer": True},
            {"created_by": f"/bin/sh -c echo {AWS_ID} > /dev/null"},
        ],
    }
    found = scan(tmp_path, [[synth.dir("/a")], [synth.dir("/b")]], config=config,
                 checks=[SecretConfigCheck()])  # fmt: skip
    got = [(f.location.field, f.location.layer, f.severity, f.message) for f in found]
    assert got == [
        ("config.Env[1]", None, Severity.HIGH,
         "environment variable DB_PASSWORD sets DB_PASSWORD: hunt… (8 chars)"),
        ("config.Env[3]", None, Severity.CRITICAL,
         "GitHub token in environment variable GITHUB: ghp_… (40 chars)"),
        ("history[1].created_by", None, Severity.HIGH,
         "history step 1 sets NPM_TOKEN: npm_… (15 chars)"),
        ("history[2].created_by", 1, Severity.CRITICAL,
         "AWS access key ID in history step 2: AKIA… (20 chars)"),
    ]  # fmt: skip
