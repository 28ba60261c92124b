"""Fuzz (issue 9): `SourceReader` (what `caulk db import` reads) on hostile OSV records, Alpine
secdb documents, Debian tracker dumps and DSA/DLA lists: advisories, records skipped and counted,
or a one-line caulk `Error` for the source, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from caulk.vulndb.sources import SourceReader
from tests.support.fuzz import (
    FUZZ,
    HOSTILE_TOKENS,
    clean,
    json_documents,
    pending_on_safeload,
    text_documents,
)

IMPORT = Path(__file__).resolve().parents[2] / "fixtures" / "advisories-import"


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


JSON_SEEDS: dict[str, list[Any]] = {
    "osv.json": [_json(p) for p in sorted((IMPORT / "osv-go").glob("*.json"))]
    + [_json(p) for p in sorted((IMPORT / "debian-osv").glob("*.json"))],
    "main.json": [_json(IMPORT / "alpine-json" / "v3.11" / "main.json")],
    "tracker.json": [_json(IMPORT / "debian-tracker" / "json")],
}
YAML_SEEDS = [p.read_text() for p in sorted((IMPORT / "osv-pypa").rglob("*.yaml"))]
YAML_SEEDS.append((IMPORT / "alpine-yaml" / "v3.8" / "main.yaml").read_text())
LIST_SEED = (IMPORT / "debian-lists" / "DSA.list").read_text()


def _read(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        clean(lambda: list(SourceReader(f"fuzz/{name}", path)))


@pending_on_safeload("items 11, 19")
@FUZZ
@given(
    st.sampled_from(sorted(JSON_SEEDS)).flatmap(
        lambda n: st.tuples(st.just(n), json_documents(JSON_SEEDS[n]))
    )
)
@example(("osv.json", b'{"id": "X", "modified": "2020-01-01T00:00:00Z", "affected": '
          + HOSTILE_TOKENS[0].encode() + b"}"))  # fmt: skip
@example(("osv.json", b'[{"id": "X", "modified": "2020-01-01T00:00:00Z", "database_specific": '
          + b"9" * 5000 + b"}]"))  # fmt: skip
def test_hostile_json_advisories_fail_cleanly(case: tuple[str, bytes]) -> None:
    _read(*case)


ALIAS_HEAD = "id: PYSEC-1\nmodified: 2020-01-01T00:00:00Z\naffected:\n- package: {name: x}\n"
ALIAS_BOMB = ALIAS_HEAD + "  ecosystem_specific:\n" + "".join(
    f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9) if i else 'x'}]\n" for i in range(6)
)  # fmt: skip  # item 11 in small: aliases that expand to 9^5 nodes


@FUZZ
@given(text_documents(YAML_SEEDS))
@example(ALIAS_BOMB)
def test_hostile_yaml_advisories_fail_cleanly(text: str) -> None:
    _read("record.yaml", text.encode("utf-8", "surrogateescape"))


@FUZZ
@given(text_documents([LIST_SEED]))
@example(LIST_SEED.replace("[07 Feb 2023]", "[0 Feb 2023]"))
def test_hostile_debian_lists_fail_cleanly(text: str) -> None:
    _read("DSA.list", text.encode("utf-8", "surrogateescape"))


def test_a_bad_date_in_a_dsa_list_skips_that_advisory_only() -> None:
    """Found by the fuzzer: `[0 Feb 2023]` raised ValueError out of the whole import."""
    text = LIST_SEED.replace("[07 Feb 2023]", "[0 Feb 2023]", 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "DSA.list"
        path.write_text(text)
        reader = SourceReader("DSA.list", path)
        ids = [a.id for a in reader]
    assert "DSA-5343-1" not in ids and "DSA-5139-1" in ids
    assert reader.tally.report().skipped >= 1


def test_yaml_seeds_are_yaml() -> None:
    assert all(isinstance(yaml.safe_load(s), dict | list) for s in YAML_SEEDS)
