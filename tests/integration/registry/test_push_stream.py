"""Pushing streams each layer (issue 9 item 13): a 256 MiB layer used to be read whole (810 MB
RSS). `caulk copy` of a 160 MiB layer to the real registry runs in a capped subprocess that
reports its peak RSS; the pushed blob is checked by digest."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from caulk.errors import RegistryError
from caulk.registry.client import RegistryClient
from caulk.registry.reference import Reference
from tests.support import synth
from tests.support.limits import run_python
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

LAYER_MB = 160


def test_copy_to_a_registry_streams_the_layer(registry: RegistryServer, tmp_path: Path) -> None:
    layer = synth.tar([synth.file("big.bin", os.urandom(1 << 20) * LAYER_MB)])
    root = synth.oci_layout(tmp_path / "layout", [layer], compression="none")
    del layer
    target = f"{registry.host}/stream/app:1"
    argv = ["caulk", "copy", f"oci:{root}:latest", target, "--insecure-registry", registry.host]
    code = f"""
import resource, runpy, sys
sys.argv = {argv!r}
try:
    runpy.run_module("caulk.cli.main", run_name="__main__")
except SystemExit as exc:
    print("exit", exc.code)
status = open('/proc/self/status').read()  # VmHWM: ru_maxrss keeps the parent's peak
print(int(status.split('VmHWM:')[1].split()[0]) // 1024, "MiB")
"""
    run = run_python(code, memory_mb=1536, timeout=300)
    lines = run.stdout.strip().splitlines()
    assert run.rc == 0 and lines[-2] == "exit 0", run
    peak = int(lines[-1].split()[0])
    print(f"peak RSS {peak} MiB pushing a {LAYER_MB} MiB layer")
    assert peak < LAYER_MB, f"peak RSS {peak} MiB for a {LAYER_MB} MiB layer"
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        manifest = client.get_manifest(Reference(registry.host, "stream/app", "1"))
        assert manifest.digest


def test_a_source_shorter_than_declared_is_one_clear_error(
    registry: RegistryServer, tmp_path: Path
) -> None:
    data = b"short blob"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with RegistryClient(insecure=frozenset({registry.host}), retries=0) as client:
        with pytest.raises(RegistryError, match=r"has 10 bytes, expected 11"):
            client.push_blob(registry.host, "stream/short", digest, 11, lambda: io.BytesIO(data))
        assert not client.blob_exists(registry.host, "stream/short", digest)
        client.push_blob(registry.host, "stream/short", digest, 10, lambda: io.BytesIO(data))
        assert client.blob_exists(registry.host, "stream/short", digest)
