"""RubyGems, NuGet, Composer, PEP 440 and the ecosystem registry."""

from __future__ import annotations

import pytest
from packaging.version import Version

from caulk.errors import InputError
from caulk.match.version import ECOSYSTEMS, VersionError, scheme_for


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [  # Gem::Version behaviour (rubygems' test_gem_version.rb cases)
        ("1.0", "1.0.0", 0),
        ("1.0.a", "1.0", -1),
        ("1.0.a", "1.0.b", -1),
        ("1.0.a10", "1.0.a9", 1),
        ("1.0.0-1", "1.0.0", -1),  # "-" means ".pre."
        ("1.8.2.a", "1.8.2", -1),
        ("1.0.b1", "1.0.a.2", 1),
        ("0.beta.1", "0.0.beta.1", 0),
        ("0.0.beta", "0.0.beta.1", -1),
        ("5.x", "5.0.0", -1),
        ("1.9.3", "1.9.3.0", 0),
        ("10", "9.9", 1),
    ],
)
def test_rubygems(a: str, b: str, sign: int) -> None:
    assert scheme_for("RubyGems").compare(a, b) == sign


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("1.0", "1.0.0.0", 0),
        ("1.0.0.1", "1.0.0", 1),
        ("1.0.0-beta", "1.0.0-BETA", 0),
        ("1.0.0-alpha.2", "1.0.0-alpha.10", -1),
        ("1.0.0-rc1", "1.0.0", -1),
        ("1.0.0+abc", "1.0.0", 0),
    ],
)
def test_nuget(a: str, b: str, sign: int) -> None:
    assert scheme_for("NuGet").compare(a, b) == sign


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("v1.2", "1.2.0.0", 0),
        ("1.0.0-beta2", "1.0.0", -1),
        ("1.0.0-dev", "1.0.0-alpha1", -1),
        ("1.0.0-alpha1", "1.0.0-beta1", -1),
        ("1.0.0-RC1", "1.0.0", -1),
        ("1.0.0-p1", "1.0.0", 1),
        ("1.0.0-patch2", "1.0.0-pl1", 1),
        ("2.10.0", "2.9.9", 1),
        ("1.0.0-stable", "1.0.0", 0),
    ],
)
def test_composer(a: str, b: str, sign: int) -> None:
    assert scheme_for("Packagist").compare(a, b) == sign


@pytest.mark.parametrize(
    ("ecosystem", "bad"),
    [
        ("Packagist", "dev-main"),
        ("RubyGems", "1.0..0"),
        ("NuGet", "1.0.0.0.0"),
        ("PyPI", "1.0-final-x"),
        ("Maven", "1.0 beta"),
    ],
)
def test_not_understood(ecosystem: str, bad: str) -> None:
    with pytest.raises(VersionError):
        scheme_for(ecosystem).key(bad)


def test_pep440_is_packaging() -> None:
    texts = ["1.0", "1.0.post1", "1.0a1", "1.0.dev3", "1!0.5", "1.0+local", "2.0rc1", "0.9"]
    pep = scheme_for("PyPI")
    assert sorted(texts, key=pep.key) == sorted(texts, key=Version)


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian:11", "dpkg"),
        ("Ubuntu:22.04:LTS", "dpkg"),
        ("Alpine:v3.11", "apk"),
        ("Red Hat:rhel_aus:8.4::appstream", "rpm"),
        ("AlmaLinux:8", "rpm"),
        ("Rocky Linux:9", "rpm"),
        ("openSUSE:Tumbleweed", "rpm"),
        ("PyPI", "pep440"),
        ("Go", "go"),
        ("npm", "npm"),
        ("Maven", "maven"),
        ("RubyGems", "rubygems"),
        ("crates.io", "cargo"),
        ("NuGet", "nuget"),
        ("Packagist", "composer"),
    ],
)
def test_scheme_for(ecosystem: str, scheme: str) -> None:
    assert scheme_for(ecosystem).name == scheme
    assert scheme_for(ecosystem) is scheme_for(ecosystem)  # shared, so keys stay cached


def test_unknown_ecosystem() -> None:
    with pytest.raises(VersionError) as info:
        scheme_for("Hex")
    assert isinstance(info.value, InputError)
    assert "Hex" in str(info.value)
    assert "hex" not in ECOSYSTEMS
