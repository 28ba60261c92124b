"""The per-layer cache: `LayerIndex` values on disk, so a layer is read once per analyzer set.

    cache = LayerCache.open_default()              # None when the directory is unusable
    key = cache.key(layer.index, layer.diff_id, analyzers, blob=layer.descriptor.digest)
    index = cache.get(key)                         # a LayerIndex, or None (never raises)
    cache.put(key, index)                          # atomic; then evicts least recently used

Why a directory of files, JSON and no pickle: docs/adr/0004-layer-cache.md. In short:
- Key: diff_id and the digest of the blob it was verified from (both checked when the layer was
  first read: an image that merely *claims* a cached diff_id for another blob misses and is
  verified), layer position, the sorted `name@version<=max_size` of every analyzer, the entry
  format and a fingerprint of caulk's own code (so an edited analyzer never serves stale results).
  The full key is stored in the entry and compared on every read: an entry is never trusted for
  another key. A hit does not read the blob at all (see the ADR for what that trusts).
- Entry: `MAGIC`, the SHA-256 of the payload, the payload (zlib-compressed JSON). A bad checksum,
  magic, key or structure is a miss (logged); the fresh index then replaces the entry.
- Values: JSON of plain values and caulk's own dataclasses and enums, rebuilt only as dataclasses
  or enums defined in `caulk.*` modules (reading an entry runs no code but caulk's own); a result
  of any other type makes that layer uncacheable, not wrong.
- Concurrency: writes go to a temp file and `os.replace` into place (readers see the old entry
  or the new one, never a partial one); a hit touches the entry's mtime (LRU clock); eviction
  deletes the oldest entries when the directory exceeds `max_bytes`, tolerating races.
- Cost: the directory is listed once, at a process's first write; later writes add their size to
  that count and list it again only when the count passes `max_bytes` (eviction then frees down
  to `LOW_WATER`), so n writes cost O(n), not O(n²). Other processes' writes are seen at the next
  listing: with k concurrent writers the directory may exceed the bound by what the others wrote
  since, until a writer lists it again.
- The cache root and `layers/` must be private (0700, owned by the user, not symlinks), and every
  entry read must be this user's and not writable by others (`caulk.localfiles`): anyone who can
  write them decides scan results.

`CAULK_CACHE_DIR` moves the cache root (entries in `<root>/layers`), `CAULK_LAYER_CACHE_SIZE` sets
the bound (bytes, or with a K/M/G suffix; default 2 GiB).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import enum
import functools
import hashlib
import importlib
import itertools
import json
import logging
import os
import re
import stat
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

import platformdirs

from caulk.errors import UsageError
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerIndex
from caulk.localfiles import private_dir, untrusted_reason

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_VERSION",
    "MAGIC",
    "CacheKey",
    "CacheStats",
    "LayerCache",
    "code_fingerprint",
    "default_cache_dir",
    "fingerprint_of",
    "parse_size",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1  # bump when the entry layout or `index_layer`'s output changes meaning
DEFAULT_MAX_BYTES = 2 << 30
MAGIC = b"caulk-layer-cache\n"
SUFFIX = ".lc"
TMP_PREFIX = ".tmp-"
STALE_TMP_SECONDS = 3600.0
LOW_WATER = 0.8  # eviction frees down to this fraction of max_bytes

# FileEntry columns: every field in declaration order, minus `layer` (the entry's own position).
_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(FileEntry))
_ROW_FIELDS = tuple(name for name in _ENTRY_FIELDS if name != "layer")
_LAYER_AT = _ENTRY_FIELDS.index("layer")
_TYPE_AT = _ROW_FIELDS.index("type")
_TYPES = {t.value: t for t in EntryType}
_TYPE_VALUES = {t: t.value for t in EntryType}
_SCALARS = (str, int, float, bool, type(None))


def default_cache_dir() -> Path:
    """`$CAULK_CACHE_DIR/layers`, else the user cache dir's `caulk/layers`."""
    override = os.environ.get("CAULK_CACHE_DIR")
    root = Path(override) if override else Path(platformdirs.user_cache_dir("caulk"))
    return root / "layers"


def parse_size(text: str) -> int:
    """`2147483648`, `500M`, `2G`, `64KiB` (powers of 1024) -> bytes. Raises UsageError."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if found is None:
        raise UsageError(f"invalid cache size {text!r} (expected e.g. 2G, 500M, 1048576)")
    scale = 1 << (10 * " KMGT".index(found.group(2).upper() or " "))
    return int(float(found.group(1)) * scale)


def fingerprint_of(root: Path) -> str:
    """SHA-256 over the relative paths and contents of the `*.py` files under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


@functools.cache
def code_fingerprint() -> str:
    """The fingerprint of caulk's own sources, once per process: any code change (an analyzer
    edited without a version bump included) starts a fresh cache; the same release never does,
    wherever and whenever it is installed."""
    return fingerprint_of(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True, slots=True)
class CacheKey:
    diff_id: str
    blob: str  # digest of the (compressed) blob the diff_id was verified from
    layer: int  # position in the image: entries and unknowns carry it
    analyzers: tuple[str, ...]  # sorted "name@version<=max_size"
    code: str  # code_fingerprint()
    format: int = FORMAT_VERSION

    def document(self) -> dict[str, object]:
        return {
            "diff_id": self.diff_id,
            "blob": self.blob,
            "layer": self.layer,
            "analyzers": list(self.analyzers),
            "code": self.code,
            "format": self.format,
        }

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    rejected: int = 0  # entries that failed the integrity or key check
    uncacheable: int = 0  # layers whose results hold values the codec does not take
    evicted: int = 0


class _CorruptEntryError(Exception):
    """An entry failed a check; the message says which."""


# --- values <-> JSON ------------------------------------------------------------------------------


def _class_path(cls: type) -> str:
    module = cls.__module__
    if module != "caulk" and not module.startswith("caulk."):
        raise TypeError(f"{module}.{cls.__qualname__} is not a caulk type")
    return f"{module}:{cls.__qualname__}"


def _encode(value: object) -> Any:
    """Tagged JSON: every JSON list starts with a tag, so tuples, sets and dataclasses survive."""
    kind = type(value)
    if isinstance(value, enum.Enum):
        return ["e", _class_path(kind), _encode(value.value)]
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is tuple:
        if all(type(v) in _SCALARS for v in value):  # type: ignore[attr-defined]
            return ["t", *value]  # type: ignore[misc]  # flat: dpkg file lists, thousands long
        return ["t", *map(_encode, value)]  # type: ignore[call-overload]
    if kind is list:
        return ["l", *map(_encode, value)]  # type: ignore[call-overload]
    if kind is dict:
        return ["d", *(_encode(x) for item in value.items() for x in item)]  # type: ignore[attr-defined]
    if kind in (frozenset, set):
        return ["f" if kind is frozenset else "s", *map(_encode, value)]  # type: ignore[call-overload]
    if kind is bytes:
        return ["b", base64.b64encode(value).decode()]  # type: ignore[arg-type]
    if dataclasses.is_dataclass(value):
        fields = {
            f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return ["c", _class_path(kind), fields]
    raise TypeError(f"cannot cache a {kind.__module__}.{kind.__qualname__}")


_MODULE = re.compile(r"caulk(\.[a-z_][a-z0-9_]*)*")


@functools.lru_cache(maxsize=512)
def _resolve(path: str) -> type:
    """A dataclass or enum defined in a caulk module (imported if a result's type lives in a
    module the analyzers import lazily; caulk's modules only define things when imported)."""
    module_name, _, qualname = path.partition(":")
    if _MODULE.fullmatch(module_name) is None:
        raise _CorruptEntryError(f"type {path!r} is not caulk's")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError:
        raise _CorruptEntryError(f"type {path!r}: no such module") from None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if (
        isinstance(obj, type)
        and getattr(obj, "__module__", None) == module_name
        and (dataclasses.is_dataclass(obj) or issubclass(obj, enum.Enum))
    ):
        return obj
    raise _CorruptEntryError(f"type {path!r} is not a caulk dataclass or enum")


def _flat(values: list[Any]) -> bool:
    return not any(isinstance(v, list | dict) for v in values)


def _decode(value: Any) -> object:
    if isinstance(value, list):
        tag, rest = value[0], value[1:]
        if tag == "t":  # flat tuples (dpkg file lists: thousands of paths) skip the calls
            return tuple(rest) if _flat(rest) else tuple(map(_decode, rest))
        if tag == "l":
            return rest if _flat(rest) else list(map(_decode, rest))
        if tag == "d":
            items = list(map(_decode, rest))
            return dict(zip(items[::2], items[1::2], strict=True))
        if tag == "f":
            return frozenset(map(_decode, rest))
        if tag == "s":
            return set(map(_decode, rest))
        if tag == "b":
            return base64.b64decode(rest[0], validate=True)
        if tag == "e":
            return _resolve(rest[0])(_decode(rest[1]))
        if tag == "c":
            cls, fields = _resolve(rest[0]), rest[1]
            if not dataclasses.is_dataclass(cls) or not isinstance(fields, dict):
                raise _CorruptEntryError(f"bad dataclass value for {rest[0]!r}")
            return cls(**{name: _decode(v) for name, v in fields.items()})
        raise _CorruptEntryError(f"unknown value tag {tag!r}")
    if isinstance(value, dict):
        raise _CorruptEntryError("untagged object")
    return value


def _encode_index(li: LayerIndex) -> dict[str, object]:
    columns = [list(map(attrgetter(name), li.entries)) for name in _ROW_FIELDS]
    columns[_TYPE_AT] = list(map(_TYPE_VALUES.__getitem__, columns[_TYPE_AT]))
    results = {
        name: {path: _encode(value) for path, value in per_path.items()}
        for name, per_path in (li.results or {}).items()
    }
    return {
        "index": li.index,
        "diff_id": li.diff_id,
        "tar_size": li.tar_size,
        "entries": columns,  # one list per FileEntry field but `layer`
        "whiteouts": list(li.whiteouts),
        "opaque_dirs": list(li.opaque_dirs),
        "results": results if li.results is not None else None,
        "unknowns": _encode(li.unknowns),
    }


def _decode_index(doc: Mapping[str, Any]) -> LayerIndex:
    index = doc["index"]
    columns = list(doc["entries"])
    if len(columns) != len(_ROW_FIELDS) or len({len(c) for c in columns}) > 1:
        raise _CorruptEntryError("entry columns of the wrong shape")
    columns[_TYPE_AT] = [_TYPES[t] for t in columns[_TYPE_AT]]
    columns.insert(_LAYER_AT, itertools.repeat(index))
    entries = tuple(map(FileEntry, *columns))
    results = doc["results"]
    unknowns = _decode(doc["unknowns"])
    if not isinstance(unknowns, tuple):
        raise _CorruptEntryError("unknowns are not a tuple")
    return LayerIndex(
        index=index,
        diff_id=doc["diff_id"],
        entries=tuple(entries),
        whiteouts=tuple(doc["whiteouts"]),
        opaque_dirs=tuple(doc["opaque_dirs"]),
        tar_size=doc["tar_size"],
        results=None
        if results is None
        else {
            name: {path: _decode(value) for path, value in per_path.items()}
            for name, per_path in results.items()
        },
        unknowns=unknowns,
    )


def _sealed(doc: Mapping[str, object]) -> bytes:
    """MAGIC, the payload's sha256, newline, the zlib-compressed JSON payload."""
    payload = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 1)
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _seal(key: CacheKey, li: LayerIndex) -> bytes:
    return _sealed({"key": key.document(), "layer": _encode_index(li)})


def _checked_payload(blob: bytes) -> bytes:
    """The payload of a sealed entry, after its header and checksum were checked."""
    head = len(MAGIC) + 65
    if not blob.startswith(MAGIC) or len(blob) < head or blob[head - 1 : head] != b"\n":
        raise _CorruptEntryError("not a cache entry (bad header)")
    payload = blob[head:]
    if hashlib.sha256(payload).hexdigest().encode() != blob[len(MAGIC) : head - 1]:
        raise _CorruptEntryError("checksum mismatch")
    return payload


def _unseal(key: CacheKey, blob: bytes) -> LayerIndex:
    payload = _checked_payload(blob)
    try:
        doc = json.loads(zlib.decompress(payload))
        if doc["key"] != key.document():
            raise _CorruptEntryError("entry belongs to another key")
        li = _decode_index(doc["layer"])
    except _CorruptEntryError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error) as exc:
        raise _CorruptEntryError(f"undecodable ({type(exc).__name__}: {exc})") from None
    if li.diff_id != key.diff_id or li.index != key.layer:
        raise _CorruptEntryError("entry describes another layer")
    return li


# --- the store ------------------------------------------------------------------------------------


class LayerCache:
    """A private directory of entries, bounded by `max_bytes` (least recently used go first)."""

    def __init__(self, directory: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._usage: int | None = None  # bytes in the directory as last listed, plus our writes
        private_dir(directory)

    @classmethod
    def open_default(cls) -> LayerCache | None:
        """The user's cache (`CAULK_CACHE_DIR`, `CAULK_LAYER_CACHE_SIZE`), or None with a warning
        when its directory cannot be made private."""
        size = os.environ.get("CAULK_LAYER_CACHE_SIZE")
        max_bytes = parse_size(size) if size else DEFAULT_MAX_BYTES
        directory = default_cache_dir()
        try:
            private_dir(directory.parent, follow_own_symlink=True)
            return cls(directory, max_bytes=max_bytes)
        except OSError as exc:
            log.warning("%s: layer cache disabled: %s", directory, exc)
            return None

    def key(
        self, layer: int, diff_id: str, analyzers: Iterable[FileAnalyzer], *, blob: str
    ) -> CacheKey:
        """The key of layer `layer` (position) with `diff_id`, read from blob `blob` (the
        manifest's layer digest; for uncompressed layers the same as the diff_id)."""
        names = sorted(f"{a.name}@{a.version}<={a.max_size}" for a in analyzers)
        return CacheKey(diff_id, blob, layer, tuple(names), code_fingerprint())

    def path_of(self, key: CacheKey) -> Path:
        return self.directory / f"{key.digest}{SUFFIX}"

    def get(self, key: CacheKey) -> LayerIndex | None:
        path = self.path_of(key)
        try:
            blob = _read_own(path)
        except FileNotFoundError:
            self._count("misses")
            return None
        except OSError as exc:
            log.warning("%s: layer cache entry unreadable (%s); reading the layer", path, exc)
            self._count("misses")
            return None
        try:
            li = _unseal(key, blob)
        except _CorruptEntryError as exc:
            log.warning("%s: layer cache entry rejected (%s); reading the layer", path, exc)
            self._count("rejected")
            self._count("misses")
            return None
        with contextlib.suppress(OSError):  # evicted meanwhile: the value read is still good
            os.utime(path)  # the LRU clock
        self._count("hits")
        log.debug("layer cache hit: layer %d %s", key.layer, key.diff_id)
        return li

    def put(self, key: CacheKey, li: LayerIndex) -> bool:
        """Store `li` under `key` (atomically); False when it was not stored."""
        try:
            blob = _seal(key, li)
        except TypeError as exc:
            log.debug("layer %d %s not cached: %s", key.layer, key.diff_id, exc)
            self._count("uncacheable")
            return False
        return self._write(self.path_of(key), blob)

    def _write(self, path: Path, blob: bytes) -> bool:
        """Publish `blob` at `path` atomically (temp file + rename), then evict."""
        if len(blob) > self.max_bytes:
            return False
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=TMP_PREFIX, suffix=SUFFIX)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(blob)
                Path(tmp).replace(path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("%s: layer cache not written (%s)", self.directory, exc)
            return False
        self._count("writes")
        with self._lock:
            # a replaced entry is counted twice: the count errs high, which only lists sooner
            self._usage = None if self._usage is None else self._usage + len(blob)
            usage = self._usage
        if usage is None or usage > self.max_bytes:
            self.evict()
        return True

    # Derived values: results computed from whole images' verified layers (the dive-port
    # efficiency), keyed by what they were computed from. Same sealing and eviction as layers.

    def _derived_doc(self, name: str, layers: Sequence[tuple[str, str]]) -> dict[str, object]:
        return {
            "derived": name,
            "layers": [list(pair) for pair in layers],
            "code": code_fingerprint(),
            "format": FORMAT_VERSION,
        }

    def _derived_path(self, doc: dict[str, object]) -> Path:
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return self.directory / f"{hashlib.sha256(canonical.encode()).hexdigest()}{SUFFIX}"

    def get_derived(self, name: str, layers: Sequence[tuple[str, str]]) -> object | None:
        """The value stored for `name` over `layers` ((diff_id, blob digest) pairs), or None."""
        doc = self._derived_doc(name, layers)
        path = self._derived_path(doc)
        try:
            blob = _read_own(path)
            payload = _checked_payload(blob)
            stored = json.loads(zlib.decompress(payload))
            if stored["key"] != doc:
                raise _CorruptEntryError("entry belongs to another key")
            value = _decode(stored["value"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, IndexError, zlib.error) as exc:
            log.warning("%s: cache entry rejected (%s)", path, exc)
            return None
        except _CorruptEntryError as exc:
            log.warning("%s: cache entry rejected (%s)", path, exc)
            self._count("rejected")
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return value

    def put_derived(self, name: str, layers: Sequence[tuple[str, str]], value: object) -> bool:
        doc = self._derived_doc(name, layers)
        try:
            encoded = _encode(value)
        except TypeError as exc:
            log.debug("%s not cached: %s", name, exc)
            return False
        return self._write(self._derived_path(doc), _sealed({"key": doc, "value": encoded}))

    def evict(self) -> int:
        """Delete least recently used entries until the directory holds at most LOW_WATER of
        `max_bytes` (only when it holds more than `max_bytes`); stale temp files go too. Entries
        another process removes meanwhile are skipped. Returns how many entries were deleted."""
        found: list[tuple[int, int, str]] = []
        total = 0
        now = time.time()
        try:
            scan = list(os.scandir(self.directory))
        except OSError as exc:
            log.warning("%s: layer cache not listed (%s)", self.directory, exc)
            return 0
        for item in scan:
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if item.name.startswith(TMP_PREFIX):
                if now - st.st_mtime > STALE_TMP_SECONDS:
                    _unlink(item.path)  # left by a crashed writer
                else:
                    total += st.st_size
            elif item.name.endswith(SUFFIX) and stat.S_ISREG(st.st_mode):
                found.append((st.st_mtime_ns, st.st_size, item.path))
                total += st.st_size
        deleted = 0
        if total > self.max_bytes:
            for _mtime, size, path in sorted(found):
                if total <= self.max_bytes * LOW_WATER:
                    break
                if _unlink(path):
                    deleted += 1
                total -= size
        with self._lock:
            self._usage = total
        if not deleted:
            return 0
        self._count("evicted", deleted)
        log.debug("layer cache: evicted %d entries, %d bytes remain", deleted, total)
        return deleted

    def clear(self) -> int:
        count = 0
        for path in self.directory.glob(f"*{SUFFIX}"):
            count += _unlink(str(path))
        return count

    def _count(self, what: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.stats, what, getattr(self.stats, what) + n)


def _unlink(path: str) -> bool:
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return False
    return True


def _read_own(path: Path) -> bytes:
    """The bytes of entry `path`, which must be a regular file this user owns and others cannot
    write (PermissionError otherwise: a planted entry is a miss, never a result)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        mine = st.st_uid == os.geteuid()
        reason = untrusted_reason(st) if mine else f"belongs to uid {st.st_uid}"
        if reason is None and not stat.S_ISREG(st.st_mode):
            reason = "is not a regular file"
        if reason is not None:
            raise PermissionError(f"entry {reason}")
        return handle.read()
