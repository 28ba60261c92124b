"""SemVer 2 precedence (spec section 11), npm loose forms, Cargo strictness, Go versions."""

from __future__ import annotations

import pytest

from caulk.match.version import VersionError, scheme_for
from caulk.match.version.golang import go_tag_to_semver

SPEC_ORDER = [  # semver.org 2.0.0 section 11, ascending
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
]


@pytest.mark.parametrize("ecosystem", ["npm", "crates.io", "Go"])
def test_spec_precedence(ecosystem: str) -> None:
    scheme = scheme_for(ecosystem)
    assert sorted(reversed(SPEC_ORDER), key=scheme.key) == SPEC_ORDER


def test_build_metadata_is_ignored() -> None:
    npm = scheme_for("npm")
    assert npm.compare("1.0.0+build.1", "1.0.0+build.2") == 0
    assert npm.compare("1.0.0-rc.1+x", "1.0.0") == -1


@pytest.mark.parametrize(("loose", "strict"), [("v1.2.3", "1.2.3"), ("=1.2.3", "1.2.3")])
def test_npm_loose_forms(loose: str, strict: str) -> None:
    assert scheme_for("npm").compare(loose, strict) == 0
    with pytest.raises(VersionError):
        scheme_for("crates.io").key(loose)


def test_npm_loose_prerelease_without_hyphen() -> None:
    assert scheme_for("npm").compare("1.2.3beta", "1.2.3-beta") == 0


@pytest.mark.parametrize("bad", ["1.2", "1.2.3.4", "01.2.3", "1.2.3-", "latest", "1.2.3-01"])
def test_cargo_rejects_non_semver(bad: str) -> None:
    with pytest.raises(VersionError):
        scheme_for("crates.io").key(bad)


@pytest.mark.parametrize(
    ("tag", "semver"),
    [
        ("go1.21rc2", "1.21.0-rc.2"),
        ("go1.20", "1.20.0"),
        ("go1.19.8", "1.19.8"),
        ("go1.9beta1", "1.9.0-beta.1"),
        ("go1", "1.0.0"),
        ("go1.22.1 X:nocoverageredesign", "1.22.1"),
        ("go1.0", None),
        ("devel go1.22-abc", None),
    ],
)
def test_go_toolchain_tags(tag: str, semver: str | None) -> None:
    assert go_tag_to_semver(tag) == semver


def test_go_module_versions() -> None:
    go = scheme_for("Go")
    assert go.compare("v2.0.0+incompatible", "2.0.0") == 0
    assert go.compare("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0") == -1
    assert go.compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3") == 1
    assert go.compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4") == -1
    assert go.compare("go1.21rc2", "1.21.0-0") == 1
    assert go.compare("go1.21rc2", "go1.21.0") == -1
    with pytest.raises(VersionError):
        go.key("go1.0")
