"""CK-IMG-001: the set `find ROOT -perm /6000 -type f` prints, including hard links."""

from __future__ import annotations

from caulk.check.image.interface import CheckOptions
from caulk.check.image.setuid import SetuidCheck
from caulk.fs.interface import EntryType

from .helpers import entry, layer, scan_view

D, F, L, H = EntryType.DIR, EntryType.FILE, EntryType.SYMLINK, EntryType.HARDLINK


def paths(findings: list) -> list[tuple[str | None, int | None]]:
    return [(f.location.path, f.location.layer) for f in findings]


def test_regular_files_only_never_dirs_symlinks_or_devices() -> None:
    base = layer(
        0,
        [
            entry("/usr", D),
            entry("/usr/bin", D),
            entry("/usr/bin/su", F, 0o4755, size=10),
            entry("/usr/bin/chage", F, 0o2755, size=10),
            entry("/usr/bin/ls", F, 0o755, size=10),
            entry("/var", D),
            entry("/var/mail", D, 0o2775),  # Debian's setgid dir: not -type f
            entry("/usr/bin/sulink", L, 0o777, link="su"),
            entry("/usr/bin/weird", EntryType.CHAR, 0o4755),
            entry("/usr/bin/fifo", EntryType.FIFO, 0o6644),
        ],
    )
    findings = scan_view([base], [SetuidCheck()])
    assert paths(findings) == [("/usr/bin/chage", 0), ("/usr/bin/su", 0)]
    assert "SETGID" in findings[0].message and "SETUID" in findings[1].message
    assert findings[1].location.layer_digest == base.diff_id


def test_hard_link_shares_the_inode_mode_of_its_target() -> None:
    # header of the link says 0644 (as a careless writer might); the inode is 4755
    base = layer(
        0,
        [
            entry("/bin", D),
            entry("/bin/mount", F, 0o4755, size=10),
            entry("/bin/mount2", H, 0o644, link="/bin/mount"),
        ],
    )
    assert paths(scan_view([base], [SetuidCheck()])) == [("/bin/mount", 0), ("/bin/mount2", 0)]


def test_hard_link_survives_deletion_and_rewrite_of_its_target() -> None:
    base = layer(
        0,
        [
            entry("/bin", D),
            entry("/bin/a", F, 0o4755, size=10),
            entry("/bin/b", H, 0o4755, link="/bin/a"),
            entry("/bin/c", F, 0o4755, size=10),
            entry("/bin/d", H, 0o4755, link="/bin/c"),
        ],
    )
    # layer 1 deletes /bin/a and rewrites /bin/c without the bit: new inodes; b and d keep 4755
    top = layer(1, [entry("/bin/c", F, 0o755, layer=1, size=10)], whiteouts=("/bin/a",))
    assert paths(scan_view([base, top], [SetuidCheck()])) == [("/bin/b", 0), ("/bin/d", 0)]


def test_hard_link_made_in_a_later_layer_links_to_the_file_as_it_was_then() -> None:
    base = layer(0, [entry("/bin", D), entry("/bin/a", F, 0o4755, size=10)])
    mid = layer(1, [entry("/bin/b", H, 0o644, layer=1, link="/bin/a")])
    top = layer(2, [entry("/bin/a", F, 0o755, layer=2, size=10)])  # clears a only
    found = paths(scan_view([base, mid, top], [SetuidCheck()]))
    assert found == [("/bin/b", 1)]


def test_clearing_the_bit_in_a_later_layer_removes_the_finding() -> None:
    base = layer(0, [entry("/bin", D), entry("/bin/su", F, 0o4755, size=10)])
    top = layer(1, [entry("/bin/su", F, 0o755, layer=1, size=10)])
    assert scan_view([base, top], [SetuidCheck()]) == []


def test_allow_paths_and_disabled_rule() -> None:
    base = layer(0, [entry("/bin", D), entry("/bin/su", F, 0o4755), entry("/bin/x", F, 0o2755)])
    allow = CheckOptions(allow_paths=frozenset({"/bin/su"}))
    assert paths(scan_view([base], [SetuidCheck()], options=allow)) == [("/bin/x", 0)]
    off = CheckOptions(disabled_rules=frozenset({"CK-IMG-001"}))
    assert scan_view([base], [SetuidCheck()], options=off) == []
