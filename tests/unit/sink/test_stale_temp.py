"""Issue 9 item 25 (stale temp files): `caulk copy` or `caulk defang` killed with SIGKILL while
writing leaves a full-size temp file (or scratch directory) beside its output; the next run that
writes into that directory recognises it as caulk's, as this user's and as stale (no live process
holds its lock) and removes it. Reproduced with real processes, killed mid-download from a
registry on 127.0.0.1 that stalls half-way through a layer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from caulk.localfiles import TEMP_PREFIX
from tests.conftest import run_caulk_subprocess
from tests.support import synth
from tests.support.http_server import reply, serve

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "examples" / "demo-image"
LAYER = synth.tar([synth.file("/big", os.urandom(3 << 20), mode=0o4755)])  # incompressible
IMAGE = synth.image([LAYER])


@pytest.fixture
def stalling_registry(request: pytest.FixtureRequest) -> Iterator[str]:
    """A registry serving IMAGE as `repo:tag` whose layer download stops half-way (defang reads
    the layer once to plan, then again to write: the second download stalls)."""
    release = threading.Event()
    layer_digest = IMAGE.layer_digests[0]
    full_answers = [1 if request.node.callspec.params["command"] == "defang" else 0]

    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.path == "/v2/":
            reply(h, 200, b"{}")
        elif h.path in ("/v2/repo/manifests/tag", f"/v2/repo/manifests/{IMAGE.manifest_digest}"):
            media_type = json.loads(IMAGE.manifest)["mediaType"]
            reply(h, 200, IMAGE.manifest, Content_Type=media_type,
                  Docker_Content_Digest=IMAGE.manifest_digest)  # fmt: skip
        elif h.path == f"/v2/repo/blobs/{IMAGE.config_digest}":
            reply(h, 200, IMAGE.config)
        elif h.path == f"/v2/repo/blobs/{layer_digest}" and full_answers[0] > 0:
            full_answers[0] -= 1
            reply(h, 200, IMAGE.blobs[layer_digest])
        elif h.path == f"/v2/repo/blobs/{layer_digest}":
            blob = IMAGE.blobs[layer_digest]
            h.send_response(200)
            h.send_header("Content-Length", str(len(blob)))
            h.end_headers()
            h.wfile.write(blob[: len(blob) // 2])
            h.wfile.flush()
            release.wait(120)  # the client is killed meanwhile
        else:
            reply(h, 404, b"{}")

    with serve(handle) as (host, _seen):
        yield host
        release.set()


def _temps(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX))


def _kill_while_writing(args: list[str], directory: Path) -> list[Path]:
    """Run caulk with `args`, SIGKILL it once its temp path exists in `directory`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "caulk.cli.main", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # generous: a wait, not a timing assertion
        while not _temps(directory):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "caulk never started writing"
            time.sleep(0.05)
        time.sleep(0.3)  # let it write some of the half layer it has
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    left = _temps(directory)
    for path in left:  # the next run comes later than MIN_STALE_AGE
        os.utime(path, (time.time() - 60, time.time() - 60))
    return left


@pytest.mark.parametrize("command", ["copy", "defang"])
def test_killed_run_leaves_temp_files_the_next_run_removes(
    command: str, stalling_registry: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    source = f"{stalling_registry}/repo:tag"
    insecure = ["--insecure-registry", stalling_registry]
    output = ["-o"] if command == "defang" else []
    killed = [command, *insecure, source, *output, f"oci-archive:{out}/image.tar"]
    left = _kill_while_writing(killed, out)
    assert left, "the kill left nothing: the attack was not reproduced"
    assert not (out / "image.tar").exists()

    demo = f"oci:{DEMO}:latest"
    run = run_caulk_subprocess(command, demo, *output, f"oci-archive:{out}/next.tar")
    assert run.code == 0, run
    assert _temps(out) == [], "stale temp files survived the next run"
    assert sorted(p.name for p in out.iterdir()) == ["next.tar"]
