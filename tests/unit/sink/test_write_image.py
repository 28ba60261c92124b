"""The sink against itself (determinism, atomicity) and against real readers: caulk's own sources,
skopeo, umoci and dive."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from caulk.errors import UsageError, VerificationError
from caulk.sink import ImageDraft, LayerBlob, draft_from_image, write_image
from caulk.source import open_image
from caulk.source.interface import Descriptor
from tests.support import synth
from tests.support.tools import tool
from tests.unit.source.helpers import read_layers

BASE = synth.tar(
    [
        synth.dir("/bin"),
        synth.file("/bin/sh", b"#!/bin/sh\n" * 100, mode=0o4755),
        synth.symlink("/bin/bash", "sh"),
        synth.dir("/etc"),
        synth.file("/etc/motd", b"hi\n"),
    ]
)
TOP = synth.tar([synth.whiteout("/etc/motd"), synth.file("/etc/issue", b"caulk\n")])
NAMES = [["bin", "bin/sh", "bin/bash", "etc", "etc/motd"], ["etc/.wh.motd", "etc/issue"]]

needs = pytest.mark.tools("skopeo", "umoci")


def _source(tmp_path: Path, compression: list[synth.Compression]) -> str:
    path = synth.oci_layout(tmp_path / "src", [BASE, TOP], tag="v1", compression=compression)
    return f"oci:{path}:v1"


DESTS = {
    "oci": ("oci:{p}/out:2.0", "oci:{p}/out:2.0"),
    "oci-archive": ("oci-archive:{p}/out.tar:2.0", "oci-archive:{p}/out.tar:2.0"),
    "docker-archive": ("docker-archive:{p}/out.tar:app:2.0", "docker-archive:{p}/out.tar"),
}


@pytest.mark.parametrize("kind", sorted(DESTS))
def test_round_trip_through_caulk(tmp_path: Path, kind: str) -> None:
    dest, back = (s.format(p=tmp_path) for s in DESTS[kind])
    with open_image(_source(tmp_path, ["gzip", "zstd"])) as image:
        written = write_image(draft_from_image(image), dest)
        config = image.config
    with open_image(back) as copy:
        assert read_layers(copy) == NAMES
        assert copy.config.raw == config.raw
        assert copy.config_descriptor.digest == written.config_digest
        assert copy.tag == "2.0"
        if kind != "docker-archive":
            assert copy.manifest_digest == written.manifest_digest
            assert copy.manifest == written.manifest
        else:  # layers were decompressed
            assert all(layer.descriptor.digest == layer.diff_id for layer in copy.layers)


@pytest.mark.parametrize("kind", sorted(DESTS))
def test_deterministic(tmp_path: Path, kind: str) -> None:
    outputs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        dest = DESTS[kind][0].format(p=tmp_path / run)
        with open_image(_source(tmp_path / run, ["gzip", "none"])) as image:
            write_image(draft_from_image(image), dest)
        out = tmp_path / run / ("out" if kind == "oci" else "out.tar")
        files = sorted(out.rglob("*")) if out.is_dir() else [out]
        outputs.append(
            {f.relative_to(out).as_posix(): f.read_bytes() for f in files if f.is_file()}
        )
    assert outputs[0] == outputs[1]


def test_add_to_existing_layout_replaces_tag(tmp_path: Path) -> None:
    with open_image(_source(tmp_path, ["gzip", "gzip"])) as image:
        draft = draft_from_image(image)
        write_image(draft, f"oci:{tmp_path}/out:a")
        write_image(draft, f"oci:{tmp_path}/out:b")
        write_image(draft, f"oci:{tmp_path}/out:a")  # moves tag a to the end, no duplicate
    index = json.loads((tmp_path / "out" / "index.json").read_bytes())
    tags = [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]]
    assert tags == ["b", "a"]


def test_bad_blob_leaves_nothing_behind(tmp_path: Path) -> None:
    data = synth.compress(BASE, "gzip")
    wrong = Descriptor(synth.MT_LAYER_GZIP, synth.sha256(b"other"), len(data))
    draft = ImageDraft(
        config=b"{}",
        layers=(LayerBlob(wrong, synth.sha256(BASE), lambda: __import__("io").BytesIO(data)),),
    )
    for dest in ("oci:{p}/o", "oci-archive:{p}/o.tar", "docker-archive:{p}/d.tar"):
        with pytest.raises(VerificationError):
            write_image(draft, dest.format(p=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_bad_destination(tmp_path: Path) -> None:
    draft = ImageDraft(config=b"{}", layers=())
    for dest in ("nope:", "oci:", f"registry:{tmp_path}", "Bad/Repo:1", "out.tar", "nowhere"):
        with pytest.raises(UsageError):
            write_image(draft, dest)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file").write_text("x")
    with pytest.raises(UsageError):
        write_image(draft, f"oci:{tmp_path}/junk")


def test_docker_archive_layers_uncompressed(tmp_path: Path) -> None:
    with open_image(_source(tmp_path, ["zstd", "gzip"])) as image:
        write_image(draft_from_image(image), f"docker-archive:{tmp_path}/d.tar:app")
    with tarfile.open(tmp_path / "d.tar") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        layer0 = tar.extractfile(manifest[0]["Layers"][0]).read()  # type: ignore[union-attr]
        repos = json.load(tar.extractfile("repositories"))  # type: ignore[arg-type]
    assert names == sorted(names)
    assert manifest[0]["RepoTags"] == ["app:latest"]
    assert layer0 == BASE
    assert list(repos) == ["app"]


@needs
@pytest.mark.integration
@pytest.mark.parametrize("kind", sorted(DESTS))
def test_skopeo_reads_and_copies(tmp_path: Path, kind: str) -> None:
    dest = DESTS[kind][0].format(p=tmp_path)
    with open_image(_source(tmp_path, ["gzip", "zstd"])) as image:
        written = write_image(draft_from_image(image), dest)
    skopeo_ref = dest if kind != "docker-archive" else DESTS[kind][1].format(p=tmp_path)
    info = json.loads(
        subprocess.run(
            ["skopeo", "inspect", skopeo_ref], check=True, capture_output=True, text=True
        ).stdout
    )
    assert len(info["Layers"]) == 2
    if kind != "docker-archive":
        assert info["Digest"] == written.manifest_digest
    subprocess.run(["skopeo", "copy", "-q", skopeo_ref, f"oci:{tmp_path}/copy:x"], check=True)
    with open_image(f"oci:{tmp_path}/copy:x") as copy:
        assert read_layers(copy) == NAMES


@needs
@pytest.mark.integration
@pytest.mark.parametrize("kind", ["oci", "oci-archive"])
def test_umoci_unpacks(tmp_path: Path, kind: str) -> None:
    dest = DESTS[kind][0].format(p=tmp_path)
    with open_image(_source(tmp_path, ["gzip", "gzip"])) as image:
        write_image(draft_from_image(image), dest)
    layout = tmp_path / "out"
    if kind == "oci-archive":
        layout.mkdir()
        with tarfile.open(tmp_path / "out.tar") as tar:
            tar.extractall(layout, filter="data")
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{layout}:2.0", str(tmp_path / "bundle")],
        check=True,
        capture_output=True,
    )
    rootfs = tmp_path / "bundle" / "rootfs"
    assert (rootfs / "etc" / "issue").read_bytes() == b"caulk\n"
    assert not (rootfs / "etc" / "motd").exists()
    assert (rootfs / "bin" / "bash").readlink() == Path("sh")
    assert (rootfs / "bin" / "sh").stat().st_mode & 0o7777 == 0o4755


@pytest.mark.integration
def test_dive_reads_docker_archive(tmp_path: Path) -> None:
    dive = tool("dive")
    with open_image(_source(tmp_path, ["gzip", "zstd"])) as image:
        write_image(draft_from_image(image), f"docker-archive:{tmp_path}/d.tar:app:1")
    out = tmp_path / "dive.json"
    subprocess.run(
        [dive, "--ci", "--json", str(out), "--source", "docker-archive", str(tmp_path / "d.tar")],
        check=True,
        capture_output=True,
    )
    report = json.loads(out.read_text())
    assert len(report["layer"]) == 2
