"""CK-IMG-009 (package caches) and CK-IMG-010 (world-writable without sticky bit)."""

from __future__ import annotations

from caulk.check.image.leftovers import LeftoversCheck
from caulk.check.image.worldwritable import WorldWritableCheck
from caulk.fs.interface import EntryType

from .helpers import entry, layer, scan_view

D, F, L, H = EntryType.DIR, EntryType.FILE, EntryType.SYMLINK, EntryType.HARDLINK
LISTS = "/var/lib/apt/lists"


def test_one_finding_per_cache_directory_with_bytes_and_layers() -> None:
    base = layer(
        0,
        [
            entry("/var", D),
            entry("/var/lib", D),
            entry("/var/lib/apt", D),
            entry(LISTS, D),
            entry(f"{LISTS}/lock", F, size=0),
            entry(f"{LISTS}/partial", D),
            entry(f"{LISTS}/partial/x_Packages", F, size=7),
            entry(f"{LISTS}/deb_bookworm_InRelease", F, size=100),
            entry("/var/cache", D),
            entry("/var/cache/apt", D),
            entry("/var/cache/apt/pkgcache.bin", F, size=1000),
            entry("/var/cache/apt/archives", D),
            entry("/var/cache/apt/archives/lock", F, size=0),
        ],
    )
    top = layer(
        1,
        [
            entry(f"{LISTS}/deb_bookworm_main_amd64_Packages", F, size=50, layer=1),
            entry("/var/cache/apt/archives/curl_8.deb", F, size=300, layer=1),
            entry("/root", D, layer=1),
            entry("/root/.cache", D, layer=1),
            entry("/root/.cache/pip", D, layer=1),
            entry("/root/.cache/pip/http", D, layer=1),
            entry("/root/.cache/pip/http/a", F, size=5, layer=1),
        ],
        whiteouts=("/var/cache/apt/pkgcache.bin",),
    )
    found = scan_view([base, top], [LeftoversCheck()])
    got = [(f.location.path, dict(f.details)) for f in found]
    assert got == [
        ("/root/.cache/pip", {"files": "1", "bytes": "5", "layers": "1"}),
        ("/var/cache/apt/archives", {"files": "1", "bytes": "300", "layers": "1"}),
        (LISTS, {"files": "2", "bytes": "150", "layers": "0,1"}),
    ]
    assert found[2].location.layer == 1
    assert found[2].message == f"{LISTS}: 2 files, 150 bytes left by layers 0, 1"


def test_world_writable() -> None:
    base = layer(
        0,
        [
            entry("/tmp", D, 0o1777),
            entry("/srv", D, 0o777),
            entry("/srv/ok", F, 0o644),
            entry("/srv/bad", F, 0o666),
            entry("/srv/link", L, 0o777, link="bad"),
            entry("/srv/hl", H, 0o644, link="/srv/bad"),  # same inode as /srv/bad
            entry("/srv/pipe", EntryType.FIFO, 0o622),
            entry("/srv/g", D, 0o775),
        ],
    )
    found = scan_view([base], [WorldWritableCheck()])
    assert [(f.location.path, dict(f.details)["mode"]) for f in found] == [
        ("/srv", "0777"),
        ("/srv/bad", "0666"),
        ("/srv/hl", "0666"),
        ("/srv/pipe", "0622"),
    ]
    top = layer(1, [entry("/srv", D, 0o755, layer=1)])  # chmod in a later layer fixes the dir
    assert "/srv" not in [f.location.path for f in scan_view([base, top], [WorldWritableCheck()])]
