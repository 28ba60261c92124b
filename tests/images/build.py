"""Build the real test images of `recipes.py` into a cache, once, safely under pytest-xdist.

    python -m tests.images.build bookworm bookworm-layers [--archives] [--rootfs]

Cache layout (`$CAULK_TEST_CACHE`, default `~/.cache/caulk-tests`):

    images/<name>-<recipe key>/oci/               OCI image layout, tag `latest`
                               docker-archive.tar  `skopeo copy` to docker-archive (on demand)
                               oci-archive.tar     `skopeo copy` to oci-archive (on demand)
                               bundle/rootfs/      `umoci unpack` of the image (on demand, oracles)
                               build.json          build time and sizes
    locks/<name>-<key>.lock                        fcntl lock held while building any of the above

Everything is built in a temporary sibling and renamed into place, so a reader never sees half an
image. Needs root (mmdebstrap, umoci unpack keep ownership and setuid bits) and Debian's mirror.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gzip
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.images.layers import write_layer_tar
from tests.images.recipes import EPOCH, EPOCH_ISO, RECIPES, Recipe, recipe

__all__ = [
    "TRANSPORTS",
    "BuildError",
    "cache_root",
    "ensure_archive",
    "ensure_image",
    "ensure_rootfs",
    "image_ref",
    "layer_blobs",
    "main",
    "read_files",
]

log = logging.getLogger(__name__)

TRANSPORTS = ("oci", "docker-archive", "oci-archive", "dir")

_DPKG_SLIM = (
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
)
_MERGED_USR_HOOK = "/usr/share/mmdebstrap/hooks/maybe-merged-usr"


class BuildError(RuntimeError):
    """A build step failed; the message ends with the tail of the build log."""


def cache_root() -> Path:
    root = os.environ.get("CAULK_TEST_CACHE") or Path.home() / ".cache" / "caulk-tests"
    return Path(root)


def _entry(r: Recipe) -> Path:
    return cache_root() / "images" / f"{r.name}-{r.key()}"


@contextlib.contextmanager
def _locked(r: Recipe) -> Iterator[None]:
    locks = cache_root() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{r.name}-{r.key()}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "LC_ALL": "C.UTF-8", "TZ": "UTC"}


def _run(cmd: Sequence[str | Path], logfile: Path, **kw: object) -> None:
    with open(logfile, "ab") as out:
        out.write(("$ " + " ".join(map(str, cmd)) + "\n").encode())
        out.flush()
        proc = subprocess.run(list(map(str, cmd)), stderr=out, env=_env(), check=False, **kw)  # type: ignore[call-overload]
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-15:]
        raise BuildError(f"{cmd[0]} failed (exit {proc.returncode}):\n" + "\n".join(tail))


def _fresh_tmp(final: Path) -> Path:
    """A temp dir next to `final` (same filesystem, for rename); stale ones from crashes go."""
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))


# --- reading a layout ---------------------------------------------------------------------------


def _manifest(layout: Path, tag: str = "latest") -> dict[str, object]:
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return json.loads(_blob(layout, desc["digest"]).read_text())  # type: ignore[no-any-return]
    raise KeyError(f"{layout}: no tag {tag!r}")


def _blob(layout: Path, digest: str) -> Path:
    algo, hexdigest = digest.split(":", 1)
    return layout / "blobs" / algo / hexdigest


def layer_blobs(layout: Path, tag: str = "latest") -> list[Path]:
    """The layer blob files of `layout:tag`, base layer first."""
    layers = _manifest(layout, tag)["layers"]
    assert isinstance(layers, list)
    return [_blob(layout, d["digest"]) for d in layers]


def read_files(layout: Path, paths: Sequence[str]) -> tuple[dict[str, bytes], dict[str, int]]:
    """Regular files' bytes as the topmost layer holding them has them (whiteouts ignored), and
    the permission bits of every directory in the image (`/usr/bin` -> 0o755)."""
    wanted = {p.lstrip("/") for p in paths}
    found: dict[str, bytes] = {}
    dir_modes: dict[str, int] = {}
    for blob in layer_blobs(layout):
        with gzip.open(blob) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix("./").rstrip("/")
                if member.isdir():
                    dir_modes["/" + name] = member.mode
                elif name in wanted and member.isreg():
                    data = tar.extractfile(member)
                    assert data is not None
                    found["/" + name] = data.read()
    missing = {"/" + p for p in wanted} - found.keys()
    if missing:
        raise BuildError(f"{layout}: no regular file {sorted(missing)} to copy")
    return found, dir_modes


# --- building -------------------------------------------------------------------------------------


def _umoci_config(layout: Path, r: Recipe, logfile: Path, *, base: bool) -> None:
    img = f"{layout}:latest"
    hist = ("--history.created", EPOCH_ISO)
    common = ("umoci", "config", "--image", img, "--created", EPOCH_ISO, *hist)
    if base:
        cmd_args = [a for c in r.cmd for a in ("--config.cmd", c)]
        _run(
            [
                *common,
                "--os",
                "linux",
                "--architecture",
                "amd64",
                *cmd_args,
                "--history.created_by",
                f"CMD {json.dumps(list(r.cmd))}",
            ],
            logfile,
        )
    if r.env:
        env_args = [a for e in r.env for a in ("--config.env", e)]
        _run([*common, *env_args, "--history.created_by", "ENV " + " ".join(r.env)], logfile)
    for key, value in r.labels:
        _run(
            [
                *common,
                "--config.label",
                f"{key}={value}",
                "--history.created_by",
                f"LABEL {key}={json.dumps(value)}",
            ],
            logfile,
        )
    if r.user is not None:
        _run([*common, "--config.user", r.user, "--history.created_by", f"USER {r.user}"], logfile)


def _build_base(r: Recipe, work: Path, logfile: Path) -> Path:
    assert r.suite is not None
    rootfs = work / "rootfs.tar"
    include = [f"--include={','.join(r.include)}"] if r.include else []
    with open(rootfs, "wb") as out, open(logfile, "ab") as errlog:
        deb = subprocess.Popen(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                "--architectures=amd64",
                f"--hook-dir={_MERGED_USR_HOOK}",
                *_DPKG_SLIM,
                *include,
                r.suite,
                "-",
            ],
            stdout=subprocess.PIPE,
            stderr=errlog,
            env=_env(),
        )
        flt = subprocess.run(
            ["mmtarfilter", "--path-exclude=/dev/*"],
            stdin=deb.stdout,
            stdout=out,
            stderr=errlog,
            env=_env(),
            check=False,
        )
        assert deb.stdout is not None
        deb.stdout.close()
        if deb.wait() != 0 or flt.returncode != 0:
            tail = logfile.read_text(errors="replace").splitlines()[-15:]
            raise BuildError(f"mmdebstrap {r.suite} failed:\n" + "\n".join(tail))
    layout = work / "oci"
    _run(["umoci", "init", "--layout", layout], logfile)
    _run(["umoci", "new", "--image", f"{layout}:latest"], logfile)
    what = f"mmdebstrap --variant=minbase {r.suite}" + (
        f" +{','.join(r.include)}" if r.include else ""
    )
    _run(
        [
            "umoci",
            "raw",
            "add-layer",
            "--image",
            f"{layout}:latest",
            "--history.created",
            EPOCH_ISO,
            "--history.created_by",
            what,
            rootfs,
        ],
        logfile,
    )
    rootfs.unlink()
    _umoci_config(layout, r, logfile, base=True)
    return layout


def _build_derived(r: Recipe, work: Path, logfile: Path) -> Path:
    assert r.base is not None
    base_layout = ensure_image(r.base)
    layout = work / "oci"
    shutil.copytree(base_layout, layout)
    img = f"{layout}:latest"
    copies = sorted({e.copy_from for s in r.layers for e in s.entries if e.copy_from})
    files, dir_modes = read_files(base_layout, copies)
    for i, spec in enumerate(r.layers):
        tar_path = work / f"layer{i}.tar"
        write_layer_tar(spec, files, dir_modes, tar_path, work / f"stage{i}")
        dir_modes.update({e.path: e.mode for e in spec.entries if e.kind == "dir"})
        _run(
            [
                "umoci",
                "raw",
                "add-layer",
                "--image",
                img,
                "--history.created",
                EPOCH_ISO,
                "--history.created_by",
                spec.created_by,
                "--history.comment",
                spec.comment,
                tar_path,
            ],
            logfile,
        )
        tar_path.unlink()
    if r.insert:
        src = work / "insert-src"
        src.mkdir()
        for name, data in r.insert:
            (src / name).write_bytes(data)
            os.utime(src / name, (EPOCH, EPOCH))
        os.utime(src, (EPOCH, EPOCH))
        _run(
            [
                "umoci",
                "insert",
                "--image",
                img,
                "--history.created",
                EPOCH_ISO,
                "--history.created_by",
                f"umoci insert {r.insert_target}",
                src,
                r.insert_target,
            ],
            logfile,
        )
    _umoci_config(layout, r, logfile, base=False)
    return layout


def ensure_image(name: str) -> Path:
    """The OCI layout of image `name` (tag `latest`), built on first use."""
    r = recipe(name)
    final = _entry(r)
    if (final / "oci" / "index.json").exists():
        return final / "oci"
    with _locked(r):
        if (final / "oci" / "index.json").exists():
            return final / "oci"
        work = _fresh_tmp(final)
        logfile = work / "build.log"
        start = time.monotonic()
        log.info("building test image %s into %s", name, final)
        layout = _build_base(r, work, logfile) if r.suite else _build_derived(r, work, logfile)
        _run(["umoci", "gc", "--layout", layout], logfile)
        sizes = [p.stat().st_size for p in layer_blobs(layout)]
        info = {
            "name": name,
            "key": r.key(),
            "seconds": round(time.monotonic() - start, 1),
            "layer_sizes": sizes,
            "total": sum(sizes),
        }
        (work / "build.json").write_text(json.dumps(info, indent=2) + "\n")
        shutil.rmtree(final, ignore_errors=True)
        work.rename(final)
    return final / "oci"


def _ensure_artifact(name: str, artifact: str, make: str) -> Path:
    r = recipe(name)
    layout = ensure_image(name)
    final = _entry(r) / artifact
    if final.exists():
        return final
    with _locked(r):
        if final.exists():
            return final
        work = _fresh_tmp(final)
        logfile = work / "log"
        if make == "unpack":
            _run(["umoci", "unpack", "--image", f"{layout}:latest", work / "bundle"], logfile)
            (work / "bundle").rename(final)
        else:
            dest = {
                "docker-archive": f"docker-archive:{work / 'a.tar'}:caulk/{name}:latest",
                "oci-archive": f"oci-archive:{work / 'a.tar'}:latest",
            }[make]
            _run(
                ["skopeo", "--insecure-policy", "copy", "--quiet", f"oci:{layout}:latest", dest],
                logfile,
            )
            (work / "a.tar").rename(final)
        shutil.rmtree(work, ignore_errors=True)
    return final


def ensure_archive(name: str, transport: str) -> Path:
    """`docker-archive` or `oci-archive` file of image `name`, made by skopeo on first use."""
    if transport not in ("docker-archive", "oci-archive"):
        raise ValueError(f"not an archive transport: {transport!r}")
    return _ensure_artifact(name, f"{transport}.tar", transport)


def ensure_rootfs(name: str) -> Path:
    """The image's final root filesystem, extracted by `umoci unpack` (for oracles: find, dpkg)."""
    return _ensure_artifact(name, "bundle", "unpack") / "rootfs"


def image_ref(name: str, transport: str = "oci") -> str:
    """A caulk image reference: `oci:/…/oci:latest`, `docker-archive:/….tar`, `dir:/…/rootfs`…"""
    if transport == "oci":
        return f"oci:{ensure_image(name)}:latest"
    if transport == "dir":
        return f"dir:{ensure_rootfs(name)}"
    return f"{transport}:{ensure_archive(name, transport)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.images.build",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of: {', '.join(RECIPES)}")
    parser.add_argument("--all", action="store_true", help="build every recipe")
    parser.add_argument("--archives", action="store_true", help="also docker-/oci-archive")
    parser.add_argument("--rootfs", action="store_true", help="also the unpacked rootfs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = list(RECIPES) if args.all else args.names
    if not names:
        parser.error("name at least one image (or --all)")
    for name in names:
        start = time.monotonic()
        layout = ensure_image(name)
        info = json.loads((layout.parent / "build.json").read_text())
        extra = []
        if args.archives:
            extra += [ensure_archive(name, t) for t in ("docker-archive", "oci-archive")]
        if args.rootfs:
            extra.append(ensure_rootfs(name))
        print(
            f"{name}: {layout} ({info['total'] / 1e6:.1f} MB in {len(info['layer_sizes'])} "
            f"layers; built in {info['seconds']} s; this run {time.monotonic() - start:.1f} s)"
        )
        for path in extra:
            print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
