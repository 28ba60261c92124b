"""Fuzz (issue 9): hostile files inside a scanned image (package metadata of every cataloger the
red team named, Docker credentials, a private key): `scan_image` reports the rest of the image
and records an Unknown for a file it cannot read; it never raises anything but a one-line caulk
`Error`, and never a RecursionError or ValueError from a deep or huge-integer document (item 5)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from caulk.scan import ScanOptions, scan_image
from tests.support import synth
from tests.support.fuzz import (
    FUZZ,
    HOSTILE_TOKENS,
    clean,
    json_documents,
    pending_on_safeload,
    text_documents,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "catalog"
PACKAGE_JSON = {"name": "left-pad", "version": "1.3.0", "license": "WTFPL"}
LOCK = {"name": "app", "lockfileVersion": 3, "packages": {
    "": {"name": "app", "version": "1.0.0"},
    "node_modules/lodash": {"version": "4.17.20", "resolved": "https://r/lodash.tgz"}}}  # fmt: skip
COMPOSER = {"packages": [{"name": "monolog/monolog", "version": "2.9.1", "type": "library"}]}
DOCKER_AUTH = {"auths": {"registry.example": {"auth": "dXNlcjpwYXNz"}}}
JSON_FILES = {
    "/usr/lib/node_modules/left-pad/package.json": [PACKAGE_JSON],
    "/app/package-lock.json": [LOCK],
    "/app/vendor/composer/installed.json": [COMPOSER],
    "/app/Python.Runtime.deps.json": [
        json.loads((FIXTURES / "dotnet" / "Python.Runtime.deps.json").read_text())
    ],
    "/root/.docker/config.json": [DOCKER_AUTH],
}
TEXT_FILES = {
    "/var/lib/dpkg/status": (FIXTURES / "dpkg-status-bookworm").read_text(),
    "/lib/apk/db/installed": "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n",
    "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA": (
        FIXTURES / "PyYAML-6.0.METADATA"
    ).read_text(),
    "/usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.22.gemspec": (
        FIXTURES / "ruby" / "rack-2.2.22.gemspec"
    ).read_text(),
    "/etc/os-release": 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n',
    "/root/.ssh/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"
    "-----END OPENSSH PRIVATE KEY-----\n",
}
FILES = st.one_of(
    *(st.tuples(st.just(p), json_documents(s)) for p, s in JSON_FILES.items()),
    *(
        st.tuples(st.just(p), text_documents([t]).map(lambda x: x.encode("utf-8", "replace")))
        for p, t in TEXT_FILES.items()
    ),
)
DEEP = b'{"name": "x", "version": "1", "dependencies": ' + HOSTILE_TOKENS[1].encode() + b"}"


@pending_on_safeload("item 5")
@FUZZ
@given(FILES)
@example(("/usr/lib/node_modules/left-pad/package.json", DEEP))
@example(("/app/package-lock.json", b'{"lockfileVersion": ' + b"9" * 5000 + b"}"))
@example(("/root/.docker/config.json", b'{"auths": ' + HOSTILE_TOKENS[0].encode() + b"}"))
@example(("/root/.ssh/id_ed25519", b"-----BEGIN RSA PRIVATE KEY-----\n" * 200))
def test_hostile_files_in_an_image_are_unknowns_not_crashes(case: tuple[str, bytes]) -> None:
    path, data = case
    layer = synth.tar([synth.file("/etc/os-release", b"ID=debian\n"), synth.file(path, data)])
    with tempfile.TemporaryDirectory() as tmp:
        layout = synth.oci_layout(Path(tmp) / "img", [layer])
        options = ScanOptions(match=False, workers=1)
        result = clean(lambda: scan_image(f"oci:{layout}:latest", options))
    assert result is not None, "a file inside the image must not fail the whole scan"
