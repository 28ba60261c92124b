"""`caulk scan` of the bookworm-tools image streamed from the real registry vs. `skopeo copy` of it.

    .venv/bin/python bench/registry_scan.py [--repeat N] [--db FILE] [--profile] [--record]

In one run, against the real CNCF registry (Debian `docker-registry`, distribution 2.8) on
127.0.0.1 holding the ~50 MB `bookworm-tools` image (pushed with `skopeo copy`):
- peer: `skopeo copy docker://HOST/bench/tools:1 oci:DIR:1`, a plain copy to an OCI layout;
- caulk CLI: `python -m caulk.cli.main -q scan -f json --insecure-registry HOST HOST/bench/tools:1`,
  hygiene + vulnerabilities, interpreter start-up included; target: at most 1.2 times skopeo's
  copy (issue 5);
- caulk library: `caulk.scan.scan_image(REF)` timed inside a fresh interpreter;
- caulk copy: `caulk copy HOST/bench/tools:1 oci:DIR:1` vs. skopeo's copy (same manifest digest);
- context: the read floor (`pigz -dc LAYER | tar -t`, what any scan must at least do and a copy
  does not), the same caulk CLI scan from the local OCI layout (what the registry adds), and a
  repeat CLI scan with a warm layer cache (the cold runs are what the target is about).
Every caulk run gets a fresh `CAULK_CACHE_DIR` (a cold layer cache); all scans use one advisory
database (`--db`, else one built once from ../shared/data/advisories, else caulk's default).
Measurements are interleaved, one of each per round, so load from other users of the machine hits
them alike; the best of N rounds is kept. `--profile` prints a cProfile of one in-process scan.
`--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from common import REPO, Run, best, machine, record_row, run, run_shell

IMAGE = "bookworm-tools"
REMOTE = "bench/tools:1"
TARGET_RATIO = 1.2
ADVISORIES = REPO.parent / "shared" / "data" / "advisories"
CLI = (sys.executable, "-m", "caulk.cli.main", "-q")

_LIBRARY_CHILD = """
import json, os, sys, time
from caulk.registry.options import RegistryOptions
from caulk.scan import ScanOptions, scan_image
start = time.perf_counter()
result = scan_image(sys.argv[1], ScanOptions(registry=RegistryOptions.from_env(os.environ)))
print(json.dumps({"seconds": time.perf_counter() - start, "findings": len(result.findings),
                  "vulnerabilities": len(result.vulnerabilities)}))
"""


def _advisory_db(given: Path | None, tmp: Path) -> tuple[Path, str]:
    """The database every scan uses, and how it was chosen."""
    if given is not None:
        return given, f"--db {given}"
    from db_import import SOURCES  # the same sources as bench/db_import.py

    if all((ADVISORIES / s).is_dir() for s in SOURCES):
        from caulk.vulndb.store import SourceFile, build_store

        path = tmp / "vulndb.sqlite"
        reports = build_store(path, [SourceFile(s, ADVISORIES / s) for s in SOURCES])
        records = sum(r.imported for r in reports)
        return path, f"built from {ADVISORIES} ({records} records)"
    from caulk.vulndb import load_store

    store = load_store()
    store.close()
    return store.path, f"caulk's default ({store.path})"


class Bench:
    """One registry, one image, and fresh directories for every measured run."""

    def __init__(self, tmp: Path, host: str, db: Path) -> None:
        self.tmp = tmp
        self.host = host
        self.ref = f"{host}/{REMOTE}"
        self.db = db
        self._count = 0
        self.last: dict[str, Path] = {}  # the latest destination of each kind

    def fresh(self, what: str) -> Path:
        self._count += 1
        self.last[what] = self.tmp / f"{what}-{self._count}"
        return self.last[what]

    def env(self, cache: Path | None = None) -> dict[str, str]:
        """A layer cache (default: a fresh, cold one), the chosen database, the insecure registry
        (for the library)."""
        if cache is None:
            cache = self.fresh("cache")
            cache.mkdir()
        return {
            "CAULK_CACHE_DIR": str(cache),
            "CAULK_DB": str(self.db),
            "CAULK_INSECURE_REGISTRIES": self.host,
        }

    def skopeo_copy(self) -> Run:
        dest = self.fresh("skopeo")
        src = f"docker://{self.ref}"
        return run(["skopeo", "copy", "-q", "--src-tls-verify=false", src, f"oci:{dest}:1"])

    def caulk_copy(self) -> Run:
        dest = self.fresh("copy")
        insecure = ["--insecure-registry", self.host]
        return run([*CLI, "copy", *insecure, self.ref, f"oci:{dest}:1"], env=self.env())

    def cli_scan(self, ref: str, cache: Path | None = None) -> Run:
        out = self.fresh("scan").with_suffix(".json")
        cmd = [*CLI, "scan", "-f", "json", "-o", str(out), "--insecure-registry", self.host, ref]
        result = run(cmd, check=False, env=self.env(cache))
        if result.returncode not in (0, 1) or not out.exists():
            raise RuntimeError(f"caulk scan {ref} failed: exit {result.returncode}")
        return result

    def library_scan(self) -> tuple[Run, dict[str, float]]:
        result = run([sys.executable, "-c", _LIBRARY_CHILD, self.ref], env=self.env())
        return result, json.loads(result.stdout)

    def profile(self, top: int) -> None:
        """cProfile of one in-process scan (one layer: it is read on the calling thread)."""
        os.environ.update(self.env())
        from caulk.registry.options import RegistryOptions
        from caulk.scan import ScanOptions, scan_image

        trusted = RegistryOptions(insecure=frozenset({self.host}))
        profiler = cProfile.Profile()
        profiler.runcall(scan_image, self.ref, ScanOptions(registry=trusted))
        stats = pstats.Stats(profiler).strip_dirs()
        print(f"\ncProfile of scan_image({self.ref}), by cumulative time:")
        stats.sort_stats("cumulative").print_stats(top)
        print("by own time:")
        stats.sort_stats("tottime").print_stats(top)


def _manifest_digest(layout: Path) -> str:
    return str(json.loads((layout / "index.json").read_text())["manifests"][0]["digest"])


def _line(what: str, seconds: float, rss_kib: int | None, note: str = "") -> None:
    rss = f"{rss_kib / 1024:6.0f} MiB" if rss_kib is not None else " " * 10
    print(f"{what:<38} {seconds:7.2f} s  {rss}  {note}")


@contextlib.contextmanager
def _registry_with_image(tmp: Path, layout: Path) -> Iterator[str]:
    from tests.support.registry import RegistryServer

    with RegistryServer.start(tmp / "registry") as registry:
        start = time.perf_counter()
        dest = f"docker://{registry.host}/{REMOTE}"
        run(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:latest", dest])
        print(
            f"registry {registry.host}: pushed with skopeo in {time.perf_counter() - start:.1f} s"
        )
        yield registry.host


def _rounds(repeat: int, measures: dict[str, Callable[[], Run]]) -> dict[str, Run]:
    """Run every measure once per round, `repeat` rounds; the best of each."""
    runs: dict[str, list[Run]] = {name: [] for name in measures}
    for _ in range(repeat):
        for name, measure in measures.items():
            runs[name].append(measure())
    return {name: best(r) for name, r in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (best kept)")
    parser.add_argument("--db", type=Path, help="advisory database for every scan")
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process scan")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from tests.images.build import ensure_image, layer_blobs

    layout = ensure_image(IMAGE)
    blobs = layer_blobs(layout)
    size_mb = sum(b.stat().st_size for b in blobs) / 1e6
    print(f"image {IMAGE}: {len(blobs)} layer(s), {size_mb:.1f} MB gzip")
    with (
        tempfile.TemporaryDirectory(prefix="caulk-bench-registry-") as tmp_name,
        _registry_with_image(Path(tmp_name), layout) as host,
    ):
        tmp = Path(tmp_name)
        db, how = _advisory_db(args.db, tmp)
        print(f"advisory database: {how}")
        bench = Bench(tmp, host, db)
        library: list[dict[str, float]] = []

        def library_run() -> Run:
            result, inner = bench.library_scan()
            library.append(inner)
            return result

        warm_cache = tmp / "warm-cache"
        warm_cache.mkdir()
        bench.cli_scan(bench.ref, warm_cache)  # fills the layer cache the "warm" runs reuse
        floor_script = " && ".join(f"pigz -dc '{b}' | tar -t >/dev/null" for b in blobs)
        got = _rounds(
            args.repeat,
            {
                "skopeo": bench.skopeo_copy,
                "cli": lambda: bench.cli_scan(bench.ref),
                "library": library_run,
                "copy": bench.caulk_copy,
                "floor": lambda: run_shell(floor_script),
                "local": lambda: bench.cli_scan(f"oci:{layout}:latest"),
                "warm": lambda: bench.cli_scan(bench.ref, warm_cache),
            },
        )
        same = _manifest_digest(bench.last["skopeo"]) == _manifest_digest(bench.last["copy"])
        if args.profile:
            bench.profile(25)
    inner = min(library, key=lambda d: d["seconds"])
    peer = got["skopeo"].seconds
    ratio, lib_ratio, copy_ratio = (
        got["cli"].seconds / peer,
        inner["seconds"] / peer,
        got["copy"].seconds / peer,
    )
    verdict = "met" if ratio <= TARGET_RATIO else f"MISSED by {ratio / TARGET_RATIO:.1f}x"
    _line("peer: skopeo copy registry -> oci", peer, got["skopeo"].max_rss_kib)
    _line(
        "caulk scan (CLI, registry)",
        got["cli"].seconds,
        got["cli"].max_rss_kib,
        f"{ratio:.2f}x skopeo (target <= {TARGET_RATIO}x: {verdict})",
    )
    _line(
        "caulk scan_image (library)",
        inner["seconds"],
        got["library"].max_rss_kib,
        f"{lib_ratio:.2f}x skopeo; {inner['findings']:.0f} findings,"
        f" {inner['vulnerabilities']:.0f} vulnerabilities",
    )
    _line(
        "caulk copy registry -> oci",
        got["copy"].seconds,
        got["copy"].max_rss_kib,
        f"{copy_ratio:.2f}x skopeo; same manifest digest: {'yes' if same else 'NO'}",
    )
    floor, local = got["floor"].seconds, got["local"].seconds
    _line("context: floor pigz -dc | tar -t", floor, None, f"{floor / peer:.2f}x skopeo")
    _line(
        "context: caulk scan (CLI, oci layout)",
        local,
        got["local"].max_rss_kib,
        f"registry adds {got['cli'].seconds - local:+.2f} s; CLI {got['cli'].seconds / floor:.2f}x"
        " floor",
    )
    warm = got["warm"].seconds
    _line(
        "context: caulk scan (CLI, warm cache)",
        warm,
        got["warm"].max_rss_kib,
        f"{warm / peer:.2f}x skopeo (a repeat scan: layer indexes from $CAULK_CACHE_DIR)",
    )
    if args.record:
        cells = [
            f"{IMAGE} ({size_mb:.1f} MB, {len(blobs)} layer)",
            f"{peer:.2f}",
            f"{got['cli'].seconds:.2f}",
            f"{ratio:.2f}x",
            f"{inner['seconds']:.2f}",
            f"{lib_ratio:.2f}x",
            f"{got['copy'].seconds:.2f}",
            f"{copy_ratio:.2f}x",
            f"{got['cli'].max_rss_kib / 1024:.0f}",
            f"{got['skopeo'].max_rss_kib / 1024:.0f}",
            f"{floor:.2f}",
            f"{local:.2f}",
            f"{warm:.2f}",
        ]
        record_row("registry_scan", "| " + " | ".join([machine(), *cells]) + " |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
