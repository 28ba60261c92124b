"""dpkg ordering against the real `dpkg --compare-versions` on thousands of real version pairs."""

from __future__ import annotations

import pytest

from caulk.errors import InputError
from caulk.match.version import VersionError, scheme_for
from tests.unit.match.corpora import pairs, run_text

DPKG = scheme_for("Debian:12")
CORPUS = pairs("dpkg-pairs.txt")


def test_corpus_is_large_and_varied() -> None:
    versions = {v for a, b, _ in CORPUS for v in (a, b)}
    assert len(CORPUS) > 4000
    assert sum(":" in v for v in versions) > 200
    assert sum("~" in v for v in versions) > 300
    assert sum("+" in v for v in versions) > 300
    assert {sign for _, _, sign in CORPUS} == {-1, 0, 1}


def test_every_recorded_pair_matches_dpkg() -> None:
    wrong = [(a, b, want) for a, b, want in CORPUS if DPKG.compare(a, b) != want]
    assert wrong == []


@pytest.mark.tools("dpkg")
def test_recorded_answers_are_the_real_dpkg_answers() -> None:
    script = (
        'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo "-1"; '
        'elif dpkg --compare-versions "$a" eq "$b"; then echo "0"; else echo "1"; fi; done'
    )
    sample = CORPUS[::4]  # the generator ran them all; re-check a quarter live (~2.5 s)
    live = run_text(["sh", "-c", script], "".join(f"{a} {b}\n" for a, b, _ in sample)).split()
    assert [int(x) for x in live] == [DPKG.compare(a, b) for a, b, _ in sample]


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("1.36-2.1~deb10u2", "1.36-2.1", -1),
        ("1:2.31.1-0.4", "2.31.1-0.4", 1),
        ("2.31.1-0.4", "1:0", -1),
        ("1.0~rc1", "1.0", -1),
        ("1.0~~", "1.0~", -1),
        ("1.0", "1.0-0", 0),
        ("0:1.0", "1.0", 0),
        ("1.0a", "1.0+", -1),  # letters sort before non-letters
        ("1.0+b1", "1.0", 1),
        ("1.001", "1.1", 0),
        ("1.2.3-1ubuntu0.1", "1.2.3-1", 1),
    ],
)
def test_traps(a: str, b: str, sign: int) -> None:
    assert DPKG.compare(a, b) == sign
    assert DPKG.compare(b, a) == -sign


@pytest.mark.parametrize("bad", ["", "a1.0", "1.0-", "x:1.0", "1.0 2", "1.0-1_2", "1.0-ä"])
def test_not_understood(bad: str) -> None:
    with pytest.raises(VersionError) as info:
        DPKG.key(bad)
    assert isinstance(info.value, InputError)
    assert "not understood" in str(info.value)
