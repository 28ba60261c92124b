"""caulk.safeload: untrusted JSON/YAML within limits, one DocumentError naming the input."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.errors import EXIT_BAD_INPUT
from caulk.safeload import DocumentError, Limits, load_json, load_yaml, read_regular
from tests.support.limits import run_python

LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)


def _refused(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DocumentError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert caught.value.where == "in.doc"
    line = str(caught.value)
    assert "\n" not in line
    return line


def test_json_within_limits_parses() -> None:
    assert load_json(b'{"a": [1, 2.5, "x", null, true]}', where="in.doc") == {
        "a": [1, 2.5, "x", None, True]
    }
    assert load_json('{"n": 18446744073709551615}', where="in.doc") == {"n": 2**64 - 1}
    assert load_json(b'{"id": "123456789012345678901234567890"}', where="in.doc")["id"]


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 128 levels"),
        ("[" * 500 + "]" * 500, "nested more than 128 levels"),  # parses, then too deep
        ('{"a":' + "9" * 5000 + "}", "more than 20 digits"),  # Python's own 4,300 limit
        ('{"a":' + "9" * 400 + "}", "more than 20 digits"),
        ("[NaN]", "NaN"),
        ("{", "not valid JSON"),
    ],
)
def test_json_refused(doc: str, needle: str) -> None:
    assert needle in _refused(load_json, doc, where="in.doc")


def test_json_size_and_container_caps() -> None:
    limits = Limits(max_bytes=100, max_containers=10)
    assert "larger than 100 bytes" in _refused(load_json, b" " * 101, where="in.doc", limits=limits)
    assert "more than 10 objects" in _refused(
        load_json, "[" + "{}," * 10 + "{}]", where="in.doc", limits=limits
    )


def test_json_container_bomb_is_refused_before_parsing() -> None:
    """150 MB of `{},` parses to ~3.5 GB of dicts: refused under a 1 GiB address-space cap."""
    code = (
        "from caulk.safeload import DocumentError, Limits, load_json\n"
        "data = b'[' + b'{},' * 50_000_000 + b'{}]'\n"
        "try:\n    load_json(data, where='bomb', limits=Limits(max_bytes=1 << 30))\n"
        "except DocumentError as e:\n    print(e)\n"
    )
    run = run_python(code, memory_mb=1024, timeout=120)
    assert run.rc == 0 and "objects and arrays" in run.stdout, run


def test_yaml_keeps_dates_as_strings_and_types_otherwise() -> None:
    doc = load_yaml("d: 2024-13-45\nt: 2024-01-01T00:00:00Z\nn: 3\nb: yes\nf: 1.5\n", where="x")
    assert doc == {"d": "2024-13-45", "t": "2024-01-01T00:00:00Z", "n": 3, "b": True, "f": 1.5}
    assert load_yaml("v: [1.10, 2]\n", where="x", scalars="strings") == {"v": ["1.10", "2"]}
    assert load_yaml("d: !!timestamp 2024-01-01\n", where="x") == {"d": "2024-01-01"}


def test_yaml_alias_bomb_is_refused_quickly_under_a_memory_cap() -> None:
    code = (
        "from caulk.safeload import load_yaml, DocumentError\n"
        f"try:\n    load_yaml({LAUGHS!r}, where='laughs')\n"
        "except DocumentError as e:\n    print(e)\n"
    )
    run = run_python(code, memory_mb=512, timeout=60)
    assert run.rc == 0 and "laughs: document: YAML aliases are not accepted" in run.stdout, run


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ("a: &x 1\nb: *x\n", "aliases are not accepted"),
        ("[" * 200 + "]" * 200, "nested more than 128 levels"),
        ("".join("  " * i + "-\n" for i in range(300)), "nested more than 128 levels"),
        ("n: " + "9" * 30, "more than 20 digits"),
        ("key: [\n  secret-AKIAEXAMPLE", "line 3"),
    ],
)
def test_yaml_refused(doc: str, needle: str) -> None:
    line = _refused(load_yaml, doc, where="in.doc")
    assert needle in line
    assert "AKIA" not in line  # never a snippet of the file


def test_read_regular_refuses_fifo_device_symlink_and_oversize(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os_mkfifo = __import__("os").mkfifo
    os_mkfifo(fifo)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_regular(fifo)  # does not block waiting for a writer
    with pytest.raises(DocumentError, match="not a regular file"):
        read_regular("/dev/zero")
    link = tmp_path / "x.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(DocumentError, match="symbolic link"):
        read_regular(link, follow_symlinks=False)
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 11)
    with pytest.raises(DocumentError, match="larger than 10 bytes"):
        read_regular(big, max_bytes=10)
    assert read_regular(big, max_bytes=11) == b"x" * 11
