"""`caulk copy` between the real registry, OCI layouts and archives; skopeo reads the results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from caulk.errors import ImageFormatError
from caulk.registry.client import RegistryClient
from caulk.registry.reference import Reference
from caulk.sink import draft_from_image, write_image
from caulk.source import open_image
from tests.support import synth
from tests.support.registry import RegistryServer

CAULK = (sys.executable, "-m", "caulk.cli.main")  # this interpreter's caulk, from any cwd

pytestmark = pytest.mark.integration


def _layout(tmp_path: Path, name: str, **faults: object) -> tuple[Path, synth.SynthImage]:
    layers = [
        synth.tar([synth.file("/bin/app", name.encode() * 500, mode=0o755)]),
        synth.tar([synth.file("/etc/conf", b"x=1\n"), synth.whiteout("/bin/old")]),
    ]
    img = synth.image(layers, faults=synth.Faults(**faults))  # type: ignore[arg-type]
    return synth.write_oci(tmp_path / name, img, tag="1"), img


def _skopeo_inspect(ref: str) -> dict[str, object]:
    out = subprocess.run(
        ["skopeo", "inspect", "--raw", "--tls-verify=false", ref],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_copy_roundtrip_keeps_digest(registry: RegistryServer, tmp_path: Path) -> None:
    layout, img = _layout(tmp_path, "app")
    dest = f"{registry.host}/team-a/app:1"
    with open_image(f"oci:{layout}:1") as image:
        written = write_image(draft_from_image(image), dest, registry=registry.insecure_options)
    assert written.manifest_digest == img.manifest_digest  # pushed byte for byte
    raw = _skopeo_inspect(f"docker://{dest}")
    assert [layer["digest"] for layer in raw["layers"]] == list(img.layer_digests)  # type: ignore[index,union-attr]

    with open_image(dest, registry=registry.insecure_options) as image:
        out = write_image(draft_from_image(image), f"oci-archive:{tmp_path}/copy.tar:2")
        assert out.manifest_digest == img.manifest_digest
        write_image(draft_from_image(image), f"docker-archive:{tmp_path}/d.tar:x/y:z")
    with open_image(f"docker-archive:{tmp_path}/d.tar") as image:
        assert image.layers[-1].diff_id == img.diff_ids[-1]


def test_failed_push_leaves_no_tag(registry: RegistryServer, tmp_path: Path) -> None:
    layout, _ = _layout(tmp_path, "broken", wrong_layer_digest=frozenset({1}))
    with pytest.raises(ImageFormatError), open_image(f"oci:{layout}:1") as image:
        write_image(
            draft_from_image(image),
            f"{registry.host}/team-a/broken:1",
            registry=registry.insecure_options,
        )
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        assert client.head_manifest(Reference(registry.host, "team-a/broken", "1")) is None


def test_cli_copy(registry: RegistryServer, tmp_path: Path) -> None:
    layout, img = _layout(tmp_path, "cli")
    proc = subprocess.run(
        [
            *CAULK,
            "copy",
            "--insecure-registry",
            registry.host,
            f"oci:{layout}:1",
            f"registry:{registry.host}/cli/app:v1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [f"registry:{registry.host}/cli/app:v1", img.manifest_digest]


def test_defang_pushes_to_a_registry(registry: RegistryServer, tmp_path: Path) -> None:
    layer = synth.tar(
        [
            synth.file("/usr/bin/su", b"\x7fELF su", mode=0o4755),
            synth.file("/bin/sh", b"\x7fELF sh", mode=0o755),
        ]
    )
    layout = synth.write_oci(tmp_path / "in", synth.image([layer]), tag="1")
    dest = f"{registry.host}/team-a/hardened:1"
    proc = subprocess.run(
        [*CAULK, "defang", "--insecure-registry", registry.host, "--remove-shells", "--force",
         f"oci:{layout}:1", "--output", dest],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob(".caulk-defang-*"))
    raw = _skopeo_inspect(f"docker://{dest}")
    assert len(raw["layers"]) == 2  # type: ignore[arg-type]
    scan = subprocess.run(
        [*CAULK, "scan", "--insecure-registry", registry.host, "--scanners", "hygiene",
         "-f", "json", dest],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    rules = {f["ruleId"] for f in json.loads(scan.stdout)["findings"]}
    assert "CK-IMG-001" not in rules and "CK-IMG-002" not in rules
