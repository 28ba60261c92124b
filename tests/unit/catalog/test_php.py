"""Composer's installed.json in both formats (generated here in Composer's layout: no real PHP
project can be fetched from the registries this machine reaches), ownership and junk."""

from __future__ import annotations

import json

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.langfile import Found
from caulk.catalog.php import ANALYZER, CATALOGER, parse_installed_json
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

PACKAGES = [
    {
        "name": "guzzlehttp/guzzle",
        "version": "7.4.1",
        "version_normalized": "7.4.1.0",
        "type": "library",
        "license": ["MIT"],
        "install-path": "../guzzlehttp/guzzle",
    },
    {"name": "symfony/polyfill-mbstring", "version": "v1.24.0", "license": "MIT"},
    {"name": "laravel/framework", "version": "dev-master", "license": ["MIT"]},
]
V1 = json.dumps(PACKAGES).encode()
V2 = json.dumps({"packages": PACKAGES, "dev": True, "dev-package-names": []}).encode()


def test_composer_1_and_2_formats() -> None:
    expected = (
        Found("guzzlehttp/guzzle", "7.4.1", "guzzlehttp/guzzle", ("MIT",)),
        Found("symfony/polyfill-mbstring", "v1.24.0", "symfony/polyfill-mbstring", ("MIT",)),
        Found("laravel/framework", "dev-master", "laravel/framework", ("MIT",)),
    )
    assert parse_installed_json("x", V1) == expected
    assert parse_installed_json("x", V2) == expected
    with pytest.raises(ValueError, match="without a package list"):
        parse_installed_json("x", b'{"packages": 3}')
    with pytest.raises(ValueError, match="without a string name"):
        parse_installed_json("x", b'[{"name": "a/b"}]')
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_installed_json("x", b"\x89PNG\r\n")


def test_cataloger() -> None:
    layer = synth.tar(
        [
            synth.file("/var/www/vendor/composer/installed.json", V2),
            synth.file("/srv/other/vendor/composer/installed.json", b"{broken"),
        ]
    )
    li = index(layer, 0, (ANALYZER,))
    items = list(CATALOGER.catalog(catalog_context(view_from_layers([li]), None)))
    assert [
        (p.name, p.purl, p.ecosystem, p.locations[0].field)
        for p in items
        if not isinstance(p, Unknown)
    ] == [
        (
            "guzzlehttp/guzzle",
            "pkg:composer/guzzlehttp/guzzle@7.4.1",
            "Packagist",
            "guzzlehttp/guzzle",
        ),
        (
            "symfony/polyfill-mbstring",
            "pkg:composer/symfony/polyfill-mbstring@v1.24.0",
            "Packagist",
            "symfony/polyfill-mbstring",
        ),
        (
            "laravel/framework",
            "pkg:composer/laravel/framework@dev-master",
            "Packagist",
            "laravel/framework",
        ),
    ]
    assert [u.location.path for u in li.unknowns] == ["/srv/other/vendor/composer/installed.json"]
