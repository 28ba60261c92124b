"""Go binaries: build info of real executables equals `go version -m` (dive: go1.24.1 inline format
with 54 modules; esbuild 0.14.0 from npm: go1.17.2 pointer format with a pseudo-version; Debian's
skopeo: a GOPATH build with no module list), and broken binaries become Unknowns."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.dpkg import LIST_ANALYZER
from caulk.catalog.gobuildinfo import MAGIC, GoBuildInfo
from caulk.catalog.golang import (
    ANALYZER,
    GoCataloger,
    normalize_go_version,
    parse_go_binary,
)
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.images.build import cache_root
from tests.support import synth
from tests.support.tools import find_tool, tool
from tests.unit.fs.helpers import index

# the tools marks below fail a test before DIVE is read when dive is missing
DIVE = Path(find_tool("dive") or "dive")
SKOPEO = Path("/usr/bin/skopeo")  # Debian's package (scripts/system-deps.sh): a GOPATH build
ESBUILD_PATH = "/app/node_modules/esbuild-linux-64/bin/esbuild"


@pytest.fixture(scope="session")
def esbuild() -> Path:
    """esbuild 0.14.0's linux-64 binary from the npm registry, cached outside the repo."""
    target = cache_root() / "catalog" / "esbuild-linux-64-0.14.0" / "esbuild"
    if not target.exists():
        work = target.parent / "tmp"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        npm = [tool("npm"), "pack", "--silent", "esbuild-linux-64@0.14.0"]
        subprocess.run(npm, cwd=work, check=True)
        with tarfile.open(work / "esbuild-linux-64-0.14.0.tgz") as tgz:
            member = tgz.extractfile("package/bin/esbuild")
            assert member is not None
            data = member.read()
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.chmod(0o755)  # `go version -m` skips files that are not executable
        tmp.rename(target)
        shutil.rmtree(work)
    return target


def go_version_m(path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The oracle: (go version, [(kind, module path, version)]) as `go version -m` prints them."""
    out = subprocess.run(
        ["go", "version", "-m", str(path)], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    version = lines[0].split(": ", 1)[1]
    modules = []
    for line in lines[1:]:
        fields = line.strip("\t").split("\t")
        if fields[0] in ("mod", "dep", "=>"):
            modules.append((fields[0], fields[1], fields[2] if len(fields) > 2 else ""))
    return version, modules


def ours(info: GoBuildInfo) -> list[tuple[str, str, str]]:
    out = []
    if info.main is not None:
        out.append(("mod", info.main.path, info.main.version))
    for dep in info.deps:
        out.append(("dep", dep.path, dep.version))
        if dep.replace is not None:
            out.append(("=>", dep.replace.path, dep.replace.version))
    return out


def _parse(path: Path) -> GoBuildInfo:
    info = parse_go_binary(str(path), path.read_bytes())
    assert isinstance(info, GoBuildInfo)
    return info


@pytest.mark.tools("go", "dive")
def test_dive_equals_go_version_m() -> None:
    info = _parse(DIVE)
    version, modules = go_version_m(DIVE)
    assert info.go_version == version == "go1.24.1"
    assert ours(info) == modules
    assert len(info.deps) == 54
    assert info.main is not None and info.main.version == "v0.13.1+dirty"
    versions = {d.path: d.version for d in info.deps}
    assert versions["github.com/docker/docker"] == "v28.0.4+incompatible"
    assert versions["github.com/awesome-gocui/keybinding"] == "v1.0.1-0.20211011072933-86029037a63f"


@pytest.mark.tools("go")
def test_esbuild_pointer_format_equals_go_version_m(esbuild: Path) -> None:
    data = esbuild.read_bytes()
    start = data.find(MAGIC)
    assert data[start + 15] & 2 == 0  # pre-1.18 pointer format
    info = _parse(esbuild)
    version, modules = go_version_m(esbuild)
    assert info.go_version == version == "go1.17.2"
    assert ours(info) == modules
    assert modules[-1] == ("dep", "golang.org/x/sys", "v0.0.0-20210908233432-aa78b53d3365")


@pytest.mark.tools("go")
def test_debian_gopath_build_has_only_the_go_version() -> None:
    assert SKOPEO.is_file(), f"{SKOPEO} is missing: bash scripts/system-deps.sh (skopeo)"
    info = _parse(SKOPEO)
    version, modules = go_version_m(SKOPEO)
    assert info.go_version == version and modules == []
    assert info.main is None and info.deps == ()


def test_normalize_go_version_like_osv() -> None:
    assert normalize_go_version("go1.21.3") == "1.21.3"
    assert normalize_go_version("go1.20") == "1.20.0"
    assert normalize_go_version("go1.21rc2") == "1.21.0-rc.2"
    assert normalize_go_version("go1.22.1 X:nocoverageredesign") == "1.22.1"
    assert normalize_go_version("devel go1.23-abc") == "devel go1.23-abc"


def test_non_go_files_are_ignored_cheaply() -> None:
    assert parse_go_binary("/bin/sh", b"#!/bin/sh\necho hi\n" * 500) is None
    true = Path("/usr/bin/true").read_bytes()
    assert parse_go_binary("/usr/bin/true", true) is None


@pytest.mark.tools("dive", "objcopy")
def test_garbled_and_removed_build_info_raise(tmp_path: Path) -> None:
    data = bytearray(DIVE.read_bytes())
    start = data.find(MAGIC)
    data[start + 32 : start + 42] = b"\xff" * 10  # the version's varint never ends
    with pytest.raises(ValueError, match="garbled Go build info"):
        parse_go_binary("x", bytes(data))
    stripped = tmp_path / "dive-no-buildinfo"
    subprocess.run(
        ["objcopy", "--remove-section", ".go.buildinfo", str(DIVE), str(stripped)], check=True
    )
    with pytest.raises(ValueError, match="without build info"):
        parse_go_binary("x", stripped.read_bytes())
    with pytest.raises(ValueError, match="ELF"):
        parse_go_binary("x", DIVE.read_bytes()[:40])


@pytest.mark.tools("dive")
def test_cataloger_packages_purls_ownership_and_unknowns(esbuild: Path) -> None:
    dive = DIVE.read_bytes()
    garbled = bytearray(dive)
    garbled[garbled.find(MAGIC) + 32] = 0xFF
    layer = synth.tar(
        [
            synth.file("/usr/local/bin/dive", dive, mode=0o755),
            synth.file(
                "/app/node_modules/esbuild-linux-64/bin/esbuild", esbuild.read_bytes(), mode=0o755
            ),
            synth.file("/usr/bin/owned-tool", dive, mode=0o755),
            synth.file("/var/lib/dpkg/info/tool.list", b"/usr/bin\n/usr/bin/owned-tool\n"),
            synth.file("/opt/broken", bytes(garbled), mode=0o755),
            synth.file("/opt/not-executable", dive, mode=0o644),
            synth.file("/opt/script.sh", b"#!/bin/sh\n" + b"#" * 5000, mode=0o755),
        ]
    )
    li = index(layer, 0, (ANALYZER, LIST_ANALYZER))
    view = view_from_layers([li])
    items = list(GoCataloger().catalog(catalog_context(view, None)))
    packages = [p for p in items if not isinstance(p, Unknown)]
    by_path: dict[str, list[tuple[str, str, str]]] = {}
    for p in packages:
        assert p.ecosystem == "Go" and p.type == "golang" and p.found_by == "go"
        by_path.setdefault(p.locations[0].path or "", []).append((p.name, p.version, p.purl))
    assert set(by_path) == {"/usr/local/bin/dive", ESBUILD_PATH}
    dive_pkgs = by_path["/usr/local/bin/dive"]
    assert len(dive_pkgs) == 1 + 1 + 54  # stdlib, main module, deps
    assert ("stdlib", "1.24.1", "pkg:golang/stdlib@1.24.1") in dive_pkgs
    assert (
        "github.com/docker/docker",
        "v28.0.4+incompatible",
        "pkg:golang/github.com/docker/docker@v28.0.4%2Bincompatible",
    ) in dive_pkgs
    # esbuild's main module is "(devel)": not a version, so not a package
    assert by_path[ESBUILD_PATH] == [
        ("stdlib", "1.17.2", "pkg:golang/stdlib@1.17.2"),
        (
            "golang.org/x/sys",
            "v0.0.0-20210908233432-aa78b53d3365",
            "pkg:golang/golang.org/x/sys@v0.0.0-20210908233432-aa78b53d3365",
        ),
    ]
    unknowns = [u for u in li.unknowns if u.location.path == "/opt/broken"]
    assert len(unknowns) == 1 and "garbled Go build info" in unknowns[0].reason
