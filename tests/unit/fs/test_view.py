"""The merged view: overlay whiteout semantics, history, hidden entries, resolve(), results,
link rules across layers, and build_view over a real OCI layout."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from caulk.errors import ImageFormatError, UnsafeContentError
from caulk.fs.interface import EntryType, FileEntry
from caulk.fs.view import build_view, view_from_layers
from caulk.source import open_image
from tests.support import synth
from tests.unit.fs.helpers import index, view

f, d, s, wh, opq, hl = (
    synth.file,
    synth.dir,
    synth.symlink,
    synth.whiteout,
    synth.opaque,
    synth.hardlink,
)


def paths(v: object) -> list[str]:
    return sorted(v.squashed())  # type: ignore[attr-defined]


def test_whiteout_deletes_path_and_subtree_from_lower_layers() -> None:
    v = view(
        [d("/a"), f("/a/x", b"1"), d("/a/sub"), f("/a/sub/y", b"22"), f("/keep")],
        [wh("/a"), wh("/not-there")],
    )
    assert paths(v) == ["/", "/keep"]
    assert sorted((e.path, by) for e, by in v.hidden()) == [
        ("/a", 1), ("/a/sub", 1), ("/a/sub/y", 1), ("/a/x", 1),
    ]  # fmt: skip
    assert [(r.kind, r.path, r.layer, r.files, r.bytes) for r in v.removals()] == [
        ("deleted", "/a", 1, 2, 3)
    ]


def test_delete_and_recreate_in_one_layer_whatever_the_order() -> None:
    for upper in ([wh("/a"), d("/a"), f("/a/new")], [d("/a"), f("/a/new"), wh("/a")]):
        v = view([d("/a"), f("/a/old")], upper)
        assert paths(v) == ["/", "/a", "/a/new"]
        assert v.get("/a").layer == 1  # type: ignore[union-attr]


def test_whiteout_only_sees_lower_layers() -> None:
    v = view([f("/x", b"lower")], [f("/y", b"same layer"), wh("/y")])
    assert paths(v) == ["/", "/x", "/y"]


def test_opaque_hides_lower_children_but_not_the_dir_or_same_layer() -> None:
    v = view(
        [d("/o", mode=0o700), f("/o/lower", b"abc"), d("/o/deep"), f("/o/deep/z", b"zz")],
        [opq("/o"), f("/o/upper")],
        [f("/o/later")],
    )
    assert paths(v) == ["/", "/o", "/o/later", "/o/upper"]
    assert v.get("/o").mode == 0o700 and v.get("/o").layer == 0  # type: ignore[union-attr]
    assert [(r.kind, r.path, r.files, r.bytes) for r in v.removals()] == [("opaque", "/o", 2, 5)]


def test_file_over_directory_hides_subtree_and_dir_over_dir_merges() -> None:
    v = view(
        [d("/a"), f("/a/x"), d("/b"), f("/b/y")], [f("/a", b"now a file"), d("/b", mode=0o711)]
    )
    assert paths(v) == ["/", "/a", "/b", "/b/y"]
    assert v.get("/a").type is EntryType.FILE  # type: ignore[union-attr]
    assert v.get("/b").mode == 0o711  # type: ignore[union-attr]


def test_history_and_origin() -> None:
    v = view(
        [f("/etc/passwd", b"1")], [f("/other")], [f("/etc/passwd", b"22")], [wh("/etc/passwd")]
    )
    assert v.history("/etc/passwd") == (0, 2)
    assert v.get("/etc/passwd") is None
    assert v.history("etc/passwd/") == (0, 2)  # any spelling is normalised
    assert v.get("/other").layer == 1  # type: ignore[union-attr]
    assert v.history("/nope") == ()


def test_implicit_parents() -> None:
    v = view([f("/usr/local/bin/tool", b"x")])
    assert v.is_implicit("/usr/local") and v.is_implicit("/")
    usr = v.get("/usr")
    assert usr is not None and usr.type is EntryType.DIR and usr.mode == 0o755
    assert v.history("/usr") == ()


def test_resolve_follows_symlinks_inside_the_image() -> None:
    v = view(
        [
            d("/usr/bin"), f("/usr/bin/dash", b"elf"), s("/bin", "usr/bin"),
            s("/usr/bin/sh", "dash"), s("/abs", "/usr/bin/sh"), s("/up", "../../../../usr/bin"),
            s("/loop1", "loop2"), s("/loop2", "loop1"), s("/dangling", "/nowhere"),
            f("/file"),
        ]
    )  # fmt: skip
    dash = v.get("/usr/bin/dash")
    assert v.resolve("/bin/sh") == dash
    assert v.resolve("/abs") == dash
    assert v.resolve("/up/dash") == dash  # ".." clamps at the root
    assert v.resolve("/bin/sh", follow_final=False) == v.get("/usr/bin/sh")
    assert v.resolve("/bin/../bin/sh") == dash
    assert v.resolve("/loop1") is None
    assert v.resolve("/dangling") is None
    assert v.resolve("/file/x") is None
    assert v.resolve("/").type is EntryType.DIR  # type: ignore[union-attr]


def test_resolve_gives_up_after_40_hops() -> None:
    chain = [s(f"/l{i}", f"l{i + 1}") for i in range(41)] + [f("/l41", b"end")]
    v = view(chain)
    assert v.resolve("/l1") == v.get("/l41")  # 40 symlinks followed: allowed (Linux MAXSYMLINKS)
    assert v.resolve("/l0") is None  # a 41st: ELOOP
    assert v.resolve("/l0", follow_final=False) == v.get("/l0")


def test_member_below_in_image_symlink_lands_where_it_points() -> None:
    v = view([d("/usr/lib"), s("/lib", "usr/lib")], [f("/lib/x.so", b"elf")])
    assert v.get("/usr/lib/x.so") is not None and v.get("/lib/x.so") is None
    assert v.get("/lib").type is EntryType.SYMLINK  # type: ignore[union-attr]


def test_member_below_escaping_symlink_of_lower_layer_is_refused() -> None:
    with pytest.raises(UnsafeContentError, match="outside the root"):
        view([s("/evil", "../../../etc")], [f("/evil/cron.d/x", b"pwn")])


def test_member_below_a_regular_file_is_refused() -> None:
    with pytest.raises(ImageFormatError, match="not a directory"):
        view([f("/a")], [f("/a/b")])


def test_hardlinks_must_point_at_earlier_content() -> None:
    v = view([f("/bin/busybox", b"bb")], [hl("/bin/sh", "/bin/busybox")])
    assert v.get("/bin/sh").link == "/bin/busybox"  # type: ignore[union-attr]
    with pytest.raises(ImageFormatError, match="does not exist"):
        view([f("/a")], [hl("/b", "/missing")])
    with pytest.raises(ImageFormatError, match="does not exist"):
        view([hl("/b", "/later"), f("/later")])


@dataclass
class Text:
    name: str = "text"
    version: str = "1"
    max_size: int = 1 << 20

    def wants(self, entry: FileEntry) -> bool:
        return entry.path.startswith("/etc/")

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return data.decode()


def test_results_squashed_and_all_layers() -> None:
    tars = [
        synth.tar([f("/etc/a", b"a0"), f("/etc/b", b"b0"), f("/etc/c", b"c0")]),
        synth.tar([f("/etc/a", b"a1"), wh("/etc/b")]),
    ]
    v = view_from_layers([index(t, i, analyzers=[Text()]) for i, t in enumerate(tars)])
    assert {e.path: r for e, r in v.results("text")} == {"/etc/a": "a1", "/etc/c": "c0"}
    assert sorted((e.path, e.layer, r) for e, r in v.results("text", "all-layers")) == [
        ("/etc/a", 0, "a0"), ("/etc/a", 1, "a1"), ("/etc/b", 0, "b0"), ("/etc/c", 0, "c0"),
    ]  # fmt: skip
    assert v.result("text", "/etc/a") == "a1"
    assert v.result("text", "/etc/b") is None
    assert v.result("other", "/etc/a") is None


def test_results_follow_relocated_members() -> None:
    tars = [synth.tar([d("/real/etc"), s("/etc", "real/etc")]), synth.tar([f("/etc/x", b"hi")])]
    v = view_from_layers([index(t, i, analyzers=[Text()]) for i, t in enumerate(tars)])
    assert v.result("text", "/real/etc/x") == "hi"


def test_unknowns_are_collected_from_layers() -> None:
    tars = [synth.tar([f("/a")], trailer=False), synth.tar([f("/b")])]
    v = view_from_layers([index(t, i) for i, t in enumerate(tars)])
    assert [u.location.layer for u in v.unknowns()] == [0]


# --------------------------------------------------------------------------- build_view


def _layers() -> list[bytes]:
    return [
        synth.tar(
            [d("/bin"), f("/bin/busybox", b"b" * 1000, mode=0o4755), s("/bin/sh", "busybox")]
        ),
        synth.tar([f("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"), d("/tmp", mode=0o1777)]),
        synth.tar([wh("/bin/sh"), f("/etc/passwd", b"root:x:0:0::/root:/sbin/nologin\n")]),
    ]


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_build_view_over_an_oci_layout(tmp_path: Path, workers: int, compression: str) -> None:
    layout = synth.oci_layout(tmp_path / "img", _layers(), compression=compression)  # type: ignore[arg-type]
    calls: list[tuple[int, int]] = []
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        with lock:
            calls.append((done, total))

    with open_image(f"oci:{layout}:latest") as image:
        v = build_view(image, [Text()], workers=workers, progress=progress)
    assert paths(v) == ["/", "/bin", "/bin/busybox", "/etc", "/etc/passwd", "/tmp"]
    assert [li.index for li in v.layers] == [0, 1, 2]
    assert v.result("text", "/etc/passwd") == "root:x:0:0::/root:/sbin/nologin\n"
    assert v.history("/etc/passwd") == (1, 2)
    assert sorted(calls) == [(1, 3), (2, 3), (3, 3)]
    assert all(li.tar_size == len(t) for li, t in zip(v.layers, _layers(), strict=True))


def test_build_view_reports_hostile_layer_naming_it(tmp_path: Path) -> None:
    bad = synth.tar([synth.raw("../../etc/passwd", b"x")])
    layout = synth.oci_layout(tmp_path / "img", [_layers()[0], bad])
    with open_image(f"oci:{layout}:latest") as image, pytest.raises(UnsafeContentError) as info:
        build_view(image, workers=2)
    assert "layer 1" in str(info.value) and "../../etc/passwd" in str(info.value)
