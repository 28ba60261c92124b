"""The per-layer cache: exact round trips of real layer indexes, no layer opened on a warm scan
(also for another image sharing base layers), integrity and key checks, LRU eviction, several
processes at once, the private directory, and the `--no-cache` switch."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import zlib
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import caulk.source.layers
from caulk.catalog import analyzers_for as catalog_analyzers
from caulk.catalog.analyzer import ContentAnalyzer
from caulk.check.image import ALL_CHECKS, analyzers_for
from caulk.errors import UsageError, VerificationError
from caulk.fs import cache as cache_mod
from caulk.fs.cache import MAGIC, CacheKey, LayerCache, code_fingerprint, parse_size
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerIndex
from caulk.fs.view import MergedView, build_view
from caulk.model import Location, Severity, Unknown
from caulk.scan import ScanOptions, scan_image
from caulk.source import open_image
from caulk.source.interface import Image, Layer
from tests.conftest import run_caulk_subprocess
from tests.support import synth
from tests.unit.fs.helpers import index

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "examples" / "demo-image"
ANALYZERS: tuple[FileAnalyzer, ...] = (*analyzers_for(ALL_CHECKS), *catalog_analyzers())


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A private copy of the real demo image (3 layers: debs, old PyPI and npm packages)."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


@pytest.fixture
def cache(tmp_path: Path) -> LayerCache:
    return LayerCache(tmp_path / "cache" / "layers")


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every `Image.open_layer` call, by layer index."""
    calls: list[int] = []
    real = caulk.source.layers.open_layer

    def counting(image: Image, layer: Layer) -> AbstractContextManager[BinaryIO]:
        calls.append(layer.index)
        return real(image, layer)

    monkeypatch.setattr(caulk.source.layers, "open_layer", counting)
    return calls


def view_of(layout: Path, cache: LayerCache | None) -> MergedView:
    with open_image(f"oci:{layout}:latest") as image:
        return build_view(image, ANALYZERS, cache=cache)


def layer_blobs(layout: Path) -> list[Path]:
    index_doc = json.loads((layout / "index.json").read_text())
    digest = index_doc["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_text())
    return [layout / "blobs" / "sha256" / d["digest"].split(":")[1] for d in manifest["layers"]]


def _blob_digest(layout: Path, i: int) -> str:
    return "sha256:" + layer_blobs(layout)[i].name


def spoil(blob: Path) -> None:
    """Same size, other bytes: any read of this blob fails verification."""
    blob.write_bytes(bytes(blob.stat().st_size))


def entries(cache: LayerCache) -> list[Path]:
    return sorted(cache.directory.glob("*.lc"))


# --- warm scans never open a cached layer ---------------------------------------------------------


def test_warm_view_equals_cold_view_without_opening_any_layer(
    demo: Path, cache: LayerCache, opened: list[int]
) -> None:
    cold = view_of(demo, cache)
    assert sorted(opened) == [0, 1, 2] and cache.stats.writes == 3
    opened.clear()
    warm = view_of(demo, cache)
    assert opened == [] and cache.stats.hits == 3  # nothing decompressed
    assert warm.layers == cold.layers  # entries, whiteouts, analyzer results, unknowns: all equal
    assert dict(warm.squashed()) == dict(cold.squashed())
    assert list(warm.results("python-metadata")) == list(cold.results("python-metadata"))


def test_a_local_blob_changed_after_caching_fails_verification(
    demo: Path, cache: LayerCache, opened: list[int]
) -> None:
    view_of(demo, cache)
    for blob in layer_blobs(demo):
        spoil(blob)
    opened.clear()
    with pytest.raises(VerificationError, match="digest mismatch"):
        view_of(demo, cache)  # the hit re-hashes the compressed blob, never borrows results
    assert opened == []


def _demo_tars() -> list[bytes]:
    with open_image(f"oci:{DEMO}:latest") as image:
        tars = []
        for layer in image.layers:
            with image.open_layer(layer) as stream:
                tars.append(stream.read())
    return tars


def test_another_image_sharing_base_layers_reads_only_its_own_layer(
    tmp_path: Path, cache: LayerCache, opened: list[int]
) -> None:
    base = _demo_tars()[:2]
    app = synth.tar([synth.file("/srv/app/VERSION", b"2.0\n")])
    first = synth.oci_layout(tmp_path / "first", base)
    second = synth.oci_layout(tmp_path / "second", [*base, app])  # FROM first: the same blobs
    assert [b.name for b in layer_blobs(first)] == [b.name for b in layer_blobs(second)[:2]]
    view_of(first, cache)
    opened.clear()
    view = view_of(second, cache)
    assert opened == [2]
    assert view.get("/srv/app/VERSION") is not None and view.get("/etc/passwd") is not None


def test_a_recompressed_layer_is_read_and_verified_again(
    tmp_path: Path, cache: LayerCache, opened: list[int]
) -> None:
    base = _demo_tars()[:1]
    gzipped = synth.oci_layout(tmp_path / "gz", base)
    zstd = synth.oci_layout(tmp_path / "zstd", base, compression="zstd")
    cold = view_of(gzipped, cache)
    opened.clear()
    warm = view_of(zstd, cache)  # same diff_id, another blob: not trusted without reading it
    assert opened == [0] and warm.layers == cold.layers
    assert len(entries(cache)) == 2


def test_claiming_a_cached_diff_id_does_not_skip_verification(
    tmp_path: Path, cache: LayerCache, opened: list[int]
) -> None:
    genuine = synth.image(_demo_tars()[:1])
    synth.write_oci(tmp_path / "genuine", genuine)
    evil = synth.tar([synth.file("/usr/bin/evil", b"\x7fELF", mode=0o4755)])
    claims = {"rootfs": {"type": "layers", "diff_ids": list(genuine.diff_ids)}}
    synth.write_oci(tmp_path / "evil", synth.image([evil], config=claims))
    view_of(tmp_path / "genuine", cache)
    opened.clear()
    with pytest.raises(VerificationError, match="diff_id"):
        view_of(tmp_path / "evil", cache)
    assert opened == [0] and len(entries(cache)) == 1


def test_scan_image_uses_the_cache_and_gives_the_same_result(
    demo: Path, cache: LayerCache, opened: list[int]
) -> None:
    ref = f"oci:{demo}:latest"
    cold = scan_image(ref, ScanOptions(cache=cache))
    opened.clear()
    warm = scan_image(ref, ScanOptions(cache=cache))
    assert opened == []
    uncached = scan_image(ref, ScanOptions(cache=None))
    assert sorted(opened) == [0, 1, 2]
    cold, warm, uncached = (dataclasses.replace(r, scanned_at="") for r in (cold, warm, uncached))
    assert warm == cold and uncached == cold
    assert cold.vulnerabilities and cold.packages  # the demo's old PyPI/npm packages matched


def test_a_layer_failing_diff_id_verification_is_never_cached(
    tmp_path: Path, cache: LayerCache
) -> None:
    layer = synth.tar([synth.file("/etc/os-release", b"ID=debian\nVERSION_ID=12\n")])
    bad = synth.oci_layout(
        tmp_path / "bad", [layer], faults=synth.Faults(wrong_diff_id=frozenset({0}))
    )
    for _ in range(2):  # the second attempt must fail the same way, not hit a cached index
        with pytest.raises(VerificationError):
            view_of(bad, cache)
    assert entries(cache) == [] and cache.stats.writes == 0


# --- what an entry is and when it is refused -----------------------------------------------------


def _real_layer(cache: LayerCache) -> tuple[CacheKey, LayerIndex]:
    view = view_of(DEMO, None)
    li = view.layers[0]  # dpkg status and lists, passwd, 400 busybox links
    assert li.results and "dpkg-status" in li.results
    return cache.key(li.index, li.diff_id, ANALYZERS, blob=_blob_digest(DEMO, 0)), li


def test_entry_round_trips_exactly_and_is_private(cache: LayerCache) -> None:
    key, li = _real_layer(cache)
    assert cache.put(key, li)
    assert cache.get(key) == li
    path = cache.path_of(key)
    assert path.read_bytes().startswith(MAGIC)
    assert path.stat().st_mode & 0o777 == 0o600
    assert cache.directory.stat().st_mode & 0o777 == 0o700


def test_values_of_every_supported_kind_round_trip(cache: LayerCache) -> None:
    value = {
        "tuple": (1, 2.5, None, True, "x\udcff"),  # surrogate-escaped names stay exact
        "list": [b"\x00\xff", frozenset({"a"}), {3, 4}],
        "flat": (["a", 1], ("b", None)),
        7: {("k", 1): Severity.HIGH},
        "unknown": Unknown(Location(path="/p", layer=0), "why"),
        "entry": FileEntry("/a", EntryType.SYMLINK, 0o777, 0, 0, 0, 0, "b"),
    }
    analyzer = ContentAnalyzer("kinds", "1", lambda p: p == "/data", lambda _p, _d: value)
    li = index(synth.tar([synth.file("/data", b"x")]), 0, [analyzer])
    key = cache.key(0, li.diff_id, [analyzer], blob=li.diff_id)
    assert cache.put(key, li)
    got = cache.get(key)
    assert got == li and got is not None and got.results is not None
    assert got.results["kinds"]["/data"] == value
    assert type(got.results["kinds"]["/data"]["tuple"]) is tuple


def test_results_of_foreign_types_make_the_layer_uncacheable(cache: LayerCache) -> None:
    analyzer = ContentAnalyzer("paths", "1", lambda p: p == "/data", lambda p, _d: Path(p))
    li = index(synth.tar([synth.file("/data", b"x")]), 0, [analyzer])
    key = cache.key(0, li.diff_id, [analyzer], blob=li.diff_id)
    assert not cache.put(key, li)
    assert cache.stats.uncacheable == 1 and entries(cache) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="flipped-bit"),
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"garbage" * 100, id="garbage"),
        pytest.param(lambda b: b.replace(MAGIC, b"caulk-layer-cach3\n"), id="magic"),
    ],
)
def test_damaged_entry_is_rejected_then_rewritten(
    damage: Any, demo: Path, cache: LayerCache, opened: list[int], caplog: Any
) -> None:
    cold = view_of(demo, cache)
    key = cache.key(0, cold.layers[0].diff_id, ANALYZERS, blob=_blob_digest(demo, 0))
    victim = cache.path_of(key)
    victim.write_bytes(damage(victim.read_bytes()))
    opened.clear()
    with caplog.at_level(logging.WARNING, logger="caulk.fs.cache"):
        again = view_of(demo, cache)
    assert opened == [0] and cache.stats.rejected == 1
    assert "rejected" in caplog.text and victim.name in caplog.text
    assert again.layers == cold.layers
    assert cache.get(key) == cold.layers[0]


def _forge(cache: LayerCache, key: CacheKey, doc: dict[str, Any]) -> None:
    """A well-formed, correctly checksummed entry with content of our choosing."""
    payload = zlib.compress(json.dumps(doc).encode())
    digest = hashlib.sha256(payload).hexdigest().encode()
    cache.path_of(key).write_bytes(MAGIC + digest + b"\n" + payload)


def test_entry_of_another_key_is_never_trusted(cache: LayerCache) -> None:
    key, li = _real_layer(cache)
    cache.put(key, li)
    for other in (
        dataclasses.replace(key, diff_id="sha256:" + "1" * 64),
        dataclasses.replace(key, blob="sha256:" + "1" * 64),
        dataclasses.replace(key, layer=1),
        dataclasses.replace(key, code="0" * 32),
    ):
        shutil.copyfile(cache.path_of(key), cache.path_of(other))
        assert cache.get(other) is None
    assert cache.stats.rejected == 4
    # A forged entry whose stored key matches but whose layer is another one.
    doc = json.loads(zlib.decompress(cache.path_of(key).read_bytes()[len(MAGIC) + 65 :]))
    doc["layer"]["diff_id"] = "sha256:" + "2" * 64
    _forge(cache, key, doc)
    assert cache.get(key) is None


@pytest.mark.parametrize(
    "value",
    [
        ["c", "os:system", {}],  # not caulk's
        ["c", "caulk.no_such_module:X", {}],  # no such module
        ["c", "caulk.model:Location.__init__", {}],  # not a dataclass
        ["c", "caulk.scan:Location", {}],  # only by the name of its defining module
        ["c", "caulk.model.__builtins__:X", {}],  # not a module name
        ["e", "caulk.model:Severity", 99],  # no such member
        ["z", 1],  # unknown tag
        {"raw": "object"},  # untagged
        ["c", "caulk.model:Unknown", {"nope": 1}],  # wrong fields
    ],
)
def test_forged_values_are_rejected(value: Any, cache: LayerCache) -> None:
    key, li = _real_layer(cache)
    cache.put(key, li)
    doc = json.loads(zlib.decompress(cache.path_of(key).read_bytes()[len(MAGIC) + 65 :]))
    doc["layer"]["unknowns"] = ["t", value]
    _forge(cache, key, doc)
    assert cache.get(key) is None and cache.stats.rejected == 1


def test_key_covers_analyzers_position_and_code(cache: LayerCache) -> None:
    a = ContentAnalyzer("a", "1", bool, lambda _p, _d: None)
    b = ContentAnalyzer("b", "1", bool, lambda _p, _d: None)
    diff_id = "sha256:" + "3" * 64
    blob = "sha256:" + "4" * 64
    base = cache.key(0, diff_id, [a, b], blob=blob)
    assert cache.key(0, diff_id, [b, a], blob=blob) == base  # order does not matter
    variants = [
        cache.key(1, diff_id, [a, b], blob=blob),
        cache.key(0, diff_id, [a, b], blob=diff_id),
        cache.key(0, diff_id, [a], blob=blob),
        cache.key(0, diff_id, [dataclasses.replace(a, version="2"), b], blob=blob),
        cache.key(0, diff_id, [dataclasses.replace(a, max_size=10), b], blob=blob),
        dataclasses.replace(base, format=base.format + 1),
        dataclasses.replace(base, code="f" * 32),
    ]
    assert len({k.digest for k in [base, *variants]}) == len(variants) + 1
    assert base.code == code_fingerprint() and len(base.code) == 32


# --- bounded size, LRU, several processes --------------------------------------------------------


def _layer(n: int, size: int = 2000) -> tuple[bytes, LayerIndex]:
    data = hashlib.shake_256(str(n).encode()).digest(size)  # incompressible
    analyzer = ContentAnalyzer("blob", "1", bool, lambda _p, d: d)
    tar = synth.tar([synth.file(f"/f{n}", data)])
    return tar, index(tar, 0, [analyzer])


def _key(cache: LayerCache, li: LayerIndex) -> CacheKey:
    analyzer = ContentAnalyzer("blob", "1", bool, lambda _p, d: d)
    return cache.key(0, li.diff_id, [analyzer], blob=li.diff_id)


def test_lru_eviction_keeps_the_recently_used(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=10_000)
    layers = [_layer(n)[1] for n in range(4)]
    for age, li in enumerate(layers):
        cache.put(_key(cache, li), li)
        os.utime(cache.path_of(_key(cache, li)), (1000 + age, 1000 + age))
    assert len(entries(cache)) == 4  # ~2.8 kB each: under the bound
    assert cache.get(_key(cache, layers[0])) is not None  # touched: now the most recent
    newest = _layer(4)[1]
    cache.put(_key(cache, newest), newest)  # over 10 kB: evict down to 8 kB
    kept = {p.name for p in entries(cache)}
    assert cache.path_of(_key(cache, layers[0])).name in kept
    assert cache.path_of(_key(cache, newest)).name in kept
    assert cache.path_of(_key(cache, layers[1])).name not in kept  # least recently used
    assert sum(p.stat().st_size for p in entries(cache)) <= 8_000
    assert cache.stats.evicted >= 2


def test_eviction_removes_stale_temp_files_and_tolerates_vanished_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=3_000)
    stale = cache.directory / ".tmp-crashed.lc"
    stale.write_bytes(b"x" * 100)
    os.utime(stale, (1, 1))
    li = _layer(0)[1]
    cache.put(_key(cache, li), li)
    assert not stale.exists()
    real_unlink = Path.unlink

    def racing_unlink(self: Path, missing_ok: bool = False) -> None:
        real_unlink(self)  # another process got there first ...
        real_unlink(self, missing_ok)  # ... so ours finds nothing

    second = _layer(1)[1]
    monkeypatch.setattr(Path, "unlink", racing_unlink)
    assert cache.put(_key(cache, second), second)  # evicts the first one: no error


def test_an_entry_larger_than_the_bound_is_not_stored(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=1_000)
    li = _layer(0, size=5_000)[1]
    assert not cache.put(_key(cache, li), li)
    assert entries(cache) == []


def _worker(directory: str, seed: int, rounds: int, queue: Any) -> None:
    cache = LayerCache(Path(directory), max_bytes=12_000)
    layers = [_layer(n)[1] for n in range(6)]
    for r in range(rounds):
        li = layers[(seed + r) % len(layers)]
        key = _key(cache, li)
        got = cache.get(key)
        if got is not None and got != li:
            queue.put("wrong value")
            return
        cache.put(key, li)
    queue.put((cache.stats.rejected, cache.stats.hits))


def test_concurrent_processes_never_see_partial_or_foreign_entries(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    LayerCache(directory)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(directory), s, 60, queue)) for s in range(3)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert all(r != "wrong value" for r in results), results
    assert sum(r[0] for r in results) == 0, "a reader saw a partial entry"
    assert sum(r[1] for r in results) > 0, "no process ever hit the cache"
    assert sum(p.stat().st_size for p in entries(LayerCache(directory))) <= 12_000
    assert not list(directory.glob(".tmp-*"))


# --- the directory and the switches ---------------------------------------------------------------


def test_directory_is_made_private(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o777)
    LayerCache(loose)
    assert loose.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the directory to another user")
def test_directory_of_another_user_disables_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    foreign = tmp_path / "foreign" / "layers"
    foreign.mkdir(parents=True, mode=0o700)
    os.chown(foreign, 65534, 65534)
    monkeypatch.setenv("CAULK_CACHE_DIR", str(foreign.parent))
    with caplog.at_level(logging.WARNING, logger="caulk.fs.cache"):
        assert LayerCache.open_default() is None
    assert "belongs to uid 65534" in caplog.text
    result = scan_image(f"oci:{DEMO}:latest", ScanOptions(vulnerabilities=False))
    assert result.target.layer_count == 3  # the scan still runs, uncached


def test_default_location_and_size_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAULK_CACHE_DIR", str(tmp_path / "root"))
    monkeypatch.setenv("CAULK_LAYER_CACHE_SIZE", "500M")
    cache = LayerCache.open_default()
    assert cache is not None
    assert cache.directory == tmp_path / "root" / "layers"
    assert cache.max_bytes == 500 << 20
    monkeypatch.setenv("CAULK_LAYER_CACHE_SIZE", "lots")
    with pytest.raises(UsageError, match="lots"):
        LayerCache.open_default()


@pytest.mark.parametrize(
    ("text", "size"),
    [("1048576", 1 << 20), ("2G", 2 << 30), ("500M", 500 << 20), ("64KiB", 64 << 10),
     ("1.5g", 3 << 29), (" 10 mb ", 10 << 20)],
)  # fmt: skip
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "-1", "1X", "1e3"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_size(text)


def test_cli_fills_the_cache_and_no_cache_leaves_it_alone(tmp_path: Path) -> None:
    ref = f"oci:{DEMO}:latest"
    for flags, expected in ((["--no-cache"], 0), ([], 4)):  # 3 layers + the efficiency entry
        root = tmp_path / f"root{expected}"
        run = run_caulk_subprocess(
            "-q", "scan", "--scanners", "hygiene", "-f", "json", *flags, ref,
            env={"CAULK_CACHE_DIR": str(root)},
        )  # fmt: skip
        assert run.code in (0, 1), run
        assert len(list((root / "layers").glob("*.lc"))) == expected, run


def test_fingerprint_follows_source_contents_not_places_or_times(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for root in (one, two):
        (root / "fs").mkdir(parents=True)
        (root / "fs" / "tarwalk.py").write_text("VERSION = 1\n")
        (root / "README").write_text("not code")
    os.utime(two / "fs" / "tarwalk.py", (1, 1))
    assert cache_mod.fingerprint_of(one) == cache_mod.fingerprint_of(two)
    (two / "README").write_text("still not code")
    assert cache_mod.fingerprint_of(one) == cache_mod.fingerprint_of(two)
    (two / "fs" / "tarwalk.py").write_text("VERSION = 2\n")
    assert cache_mod.fingerprint_of(one) != cache_mod.fingerprint_of(two)
    (two / "fs" / "tarwalk.py").rename(two / "fs" / "walk.py")
    (two / "fs" / "walk.py").write_text("VERSION = 1\n")
    assert cache_mod.fingerprint_of(one) != cache_mod.fingerprint_of(two)
    assert code_fingerprint() is code_fingerprint()  # once per process


# --- view.results() over cached layers: same answers as the plain walk over squashed() ------------


class _Text:
    name, version, max_size = "text", "1", 1 << 20

    def wants(self, entry: FileEntry) -> bool:
        return True

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return data.decode()


def _reference_results(view: MergedView, analyzer: str) -> list[tuple[FileEntry, object]]:
    """The definition: every visible file whose writing layer has a result under its name."""
    found = []
    by_index = {li.index: li for li in view.layers}
    for path, entry in view.squashed().items():
        if entry.type is not EntryType.FILE:
            continue
        per_path = (by_index[entry.layer].results or {}).get(analyzer, {})
        key = view._state.origin.get(path, path)
        if key in per_path:
            found.append((entry, per_path[key]))
    return found


def test_visible_results_equal_the_plain_walk(demo: Path, cache: LayerCache) -> None:
    f, d, s, wh = synth.file, synth.dir, synth.symlink, synth.whiteout
    tars = [
        synth.tar([d("/real/etc"), s("/etc", "real/etc"), f("/a", b"0"), f("/b", b"0")]),
        synth.tar([f("/etc/x", b"through a symlink"), f("/a", b"1"), wh("/b"), f("/c", b"1")]),
        synth.tar([s("/a", "c"), f("/real/etc/y", b"2"), f("/etc/x", b"again")]),
    ]
    synthetic = MergedView([index(t, i, [_Text()]) for i, t in enumerate(tars)])
    assert [(e.path, r) for e, r in synthetic.results("text")] == [
        (e.path, r) for e, r in _reference_results(synthetic, "text")
    ]
    assert synthetic.result("text", "/real/etc/x") == "again"
    view_of(demo, cache)
    for view in (view_of(demo, None), view_of(demo, cache)):
        for analyzer in ANALYZERS:
            expected = _reference_results(view, analyzer.name)
            assert list(view.results(analyzer.name)) == expected
            assert list(view.results(analyzer.name)) == expected  # memoised: same again
    assert cache.stats.hits == 3


def test_efficiency_is_cached_per_image_and_checked(
    demo: Path, cache: LayerCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    import caulk.scan

    calls: list[int] = []
    real = caulk.scan.compute_efficiency

    def counting(view: MergedView) -> object:
        calls.append(1)
        return real(view)

    monkeypatch.setattr(caulk.scan, "compute_efficiency", counting)
    options = ScanOptions(vulnerabilities=False, cache=cache)
    cold = scan_image(f"oci:{demo}:latest", options)
    warm = scan_image(f"oci:{demo}:latest", options)
    assert len(calls) == 1
    assert warm.efficiency == cold.efficiency and cold.efficiency is not None
    # another image (other layers) does not get this image's numbers
    assert cache.get_derived("efficiency", [("sha256:" + "0" * 64, "sha256:" + "1" * 64)]) is None
    # a tampered entry is rejected and recomputed, never trusted
    for entry in cache.directory.iterdir():
        blob = entry.read_bytes()
        entry.write_bytes(blob[:-5] + bytes(5))
    again = scan_image(f"oci:{demo}:latest", ScanOptions(vulnerabilities=False, cache=cache))
    assert again.efficiency == cold.efficiency and len(calls) == 2


# --- hostile local users and big caches (issue 9, items 14, 15, 23) -------------------------------


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every directory listing (`os.scandir`) made, by path."""
    calls: list[str] = []
    real = os.scandir

    def counting(path: Any = ".") -> Any:
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(cache_mod.os, "scandir", counting)
    return calls


def test_writes_do_not_list_the_directory_each_time(tmp_path: Path, listings: list[str]) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=1 << 30)
    for n in range(300):
        assert cache.put_derived("n", [(f"sha256:{n}", "b")], n)
    assert len(listings) == 1  # the first write learns the size; the others add to it
    assert len(list(cache.directory.glob("*.lc"))) == 300


def test_bounded_writes_list_once_per_eviction_round(tmp_path: Path, listings: list[str]) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=30_000)
    for n in range(600):
        cache.put_derived("n", [(f"sha256:{n}", "b")], "x" * 100)
    size = sum(p.stat().st_size for p in cache.directory.glob("*.lc"))
    entry = max(p.stat().st_size for p in cache.directory.glob("*.lc"))
    assert size <= 30_000
    # eviction frees a fifth of the bound: one listing per ~6,000 bytes written, not per write
    assert len(listings) <= 600 * entry // 6_000 + 2, (len(listings), entry)
    assert cache.stats.evicted > 300


def test_symlinked_layers_directory_is_refused_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o755)
    victim.chmod(0o755)
    old = victim / ".tmp-precious.lc"
    old.write_bytes(b"keep me")
    os.utime(old, (1, 1))
    root = tmp_path / "root"
    root.mkdir()
    (root / "layers").symlink_to(victim)
    with pytest.raises(NotADirectoryError, match="symlink"):
        LayerCache(root / "layers")
    monkeypatch.setenv("CAULK_CACHE_DIR", str(root))
    with caplog.at_level(logging.WARNING, logger="caulk.fs.cache"):
        assert LayerCache.open_default() is None
    assert "symlink" in caplog.text
    assert victim.stat().st_mode & 0o777 == 0o755  # not chmod'ed through the link
    assert old.read_bytes() == b"keep me"  # not deleted as a stale temp file


def test_cache_root_is_made_private_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(0o777)
    monkeypatch.setenv("CAULK_CACHE_DIR", str(root))
    assert LayerCache.open_default() is not None
    assert root.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another user")
def test_cache_root_of_another_user_disables_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "planted"
    (root / "layers").mkdir(parents=True, mode=0o700)
    os.chown(root, 65534, 65534)
    monkeypatch.setenv("CAULK_CACHE_DIR", str(root))
    assert LayerCache.open_default() is None


@pytest.mark.parametrize("how", ["other owner", "group-writable", "symlink"])
def test_planted_entry_is_a_miss_not_a_result(tmp_path: Path, how: str) -> None:
    if how == "other owner" and os.geteuid() != 0:
        pytest.skip("needs root to hand a file to another user")
    cache = LayerCache(tmp_path / "c")
    li = _layer(0)[1]
    key = _key(cache, li)
    assert cache.put(key, li)
    path = cache.path_of(key)
    if how == "other owner":
        os.chown(path, 65534, 65534)
    elif how == "group-writable":
        path.chmod(0o664)
    else:
        planted = tmp_path / "planted.lc"
        path.rename(planted)
        path.symlink_to(planted)
    assert cache.get(key) is None
    assert cache.stats.misses == 1
