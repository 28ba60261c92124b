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
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.images.layout import layer_blobs, read_files
from tests.images.recipes import RECIPES, Recipe, recipe
from tests.images.steps import BuildError, build_base, build_derived, run_logged

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
    "prune",
    "read_files",
]

log = logging.getLogger(__name__)

TRANSPORTS = ("oci", "docker-archive", "oci-archive", "dir")


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


def _fresh_tmp(final: Path) -> Path:
    """A temp dir next to `final` (same filesystem, for rename); stale ones from crashes go."""
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))


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
        if r.suite:
            layout = build_base(r, work, logfile)
        else:
            assert r.base is not None
            layout = build_derived(r, ensure_image(r.base), work, logfile)
        run_logged(["umoci", "gc", "--layout", layout], logfile)
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
            run_logged(["umoci", "unpack", "--image", f"{layout}:latest", work / "bundle"], logfile)
            (work / "bundle").rename(final)
        else:
            dest = {
                "docker-archive": f"docker-archive:{work / 'a.tar'}:caulk/{name}:latest",
                "oci-archive": f"oci-archive:{work / 'a.tar'}:latest",
            }[make]
            run_logged(
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


def prune() -> list[Path]:
    """Remove the cache entries of recipes that changed since (entries no current recipe keys)."""
    current = {f"{r.name}-{r.key()}" for r in RECIPES.values()}
    images = cache_root() / "images"
    stale = [p for p in images.iterdir() if p.name not in current] if images.is_dir() else []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


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
    parser.add_argument("--prune", action="store_true", help="remove entries of old recipes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.prune:
        for path in prune():
            print(f"removed {path}")
    names = list(RECIPES) if args.all else args.names
    if not names and not args.prune:
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
