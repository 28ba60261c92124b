"""Ruby gemspecs: real installed-gem specifications (Debian's ruby-rack and ruby-mustermann, as
RubyGems writes them), ownership by OS packages, and junk."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.dpkg import LIST_ANALYZER
from caulk.catalog.langfile import Found
from caulk.catalog.ruby import ANALYZER, CATALOGER, parse_gemspec
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog" / "ruby"
RACK = (FIXTURES / "rack-2.2.22.gemspec").read_bytes()


def test_real_gemspecs() -> None:
    assert parse_gemspec("x", RACK) == (Found("rack", "2.2.22", licenses=("MIT",)),)
    mustermann = (FIXTURES / "mustermann-3.0.0.gemspec").read_bytes()
    assert parse_gemspec("x", mustermann) == (Found("mustermann", "3.0.0", licenses=("MIT",)),)


def test_other_spellings_and_junk() -> None:
    text = (
        b"Gem::Specification.new do |spec|\n  spec.name    = %q{json}\n"
        b'  spec.version = Gem::Version.new("2.6.1")\nend\n'
    )
    assert parse_gemspec("x", text) == (Found("json", "2.6.1"),)
    # a computed version: the stub line RubyGems writes first still names it
    stub = b"# stub: nokogiri 1.13.0 x86_64-linux lib\n"
    stub += b"Gem::Specification.new do |s|\n  s.name = N\nend\n"
    assert parse_gemspec("x", stub) == (Found("nokogiri", "1.13.0"),)
    with pytest.raises(ValueError, match="without a literal name"):
        parse_gemspec("x", b"Gem::Specification.new do |s|\n  s.name = NAME\nend\n")
    with pytest.raises(ValueError, match="binary"):
        parse_gemspec("x", b"\x7fELF\x02\x01\x01\x00\x00")


def test_cataloger() -> None:
    layer = synth.tar(
        [
            synth.file("/usr/local/bundle/specifications/rack-2.2.22.gemspec", RACK),
            synth.file("/usr/lib/ruby/gems/3.1.0/specifications/default/rack-2.2.22.gemspec", RACK),
            synth.file(
                "/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec", RACK
            ),
            synth.file(
                "/var/lib/dpkg/info/ruby-rack.list",
                b"/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec\n",
            ),
            synth.file("/app/specifications/bad.gemspec", b"\0\0\0\0"),
            synth.file("/app/rack.gemspec", RACK),  # a source checkout, not an installed gem
        ]
    )
    li = index(layer, 0, (ANALYZER, LIST_ANALYZER))
    items = list(CATALOGER.catalog(catalog_context(view_from_layers([li]), None)))
    assert sorted(
        (p.locations[0].path, p.purl, p.ecosystem) for p in items if not isinstance(p, Unknown)
    ) == [
        (
            "/usr/lib/ruby/gems/3.1.0/specifications/default/rack-2.2.22.gemspec",
            "pkg:gem/rack@2.2.22",
            "RubyGems",
        ),
        ("/usr/local/bundle/specifications/rack-2.2.22.gemspec", "pkg:gem/rack@2.2.22", "RubyGems"),
    ]
    assert [u.location.path for u in li.unknowns] == ["/app/specifications/bad.gemspec"]
