"""One `CatalogContext` per inventory: every cataloger gets the same one, with the files the OS
package managers installed computed once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from caulk.catalog import ALL_CATALOGERS, CatalogContext, analyzers_for, build_inventory
from caulk.catalog.context import catalog_context
from caulk.catalog.interface import Package
from caulk.fs.interface import FileAnalyzer
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

METADATA = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n\n"
SITE = "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info"
STATUS = (
    b"Package: python3-yaml\nStatus: install ok installed\nVersion: 6.0-3\nArchitecture: all\n\n"
)


@dataclass
class Recorder:
    """A cataloger that finds nothing and keeps the context it was given."""

    name: str
    version: str = "1"
    analyzers: tuple[FileAnalyzer, ...] = ()
    seen: list[CatalogContext] = field(default_factory=list)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        self.seen.append(ctx)
        return ()


def _layer() -> bytes:
    return synth.tar(
        [
            synth.file("/etc/os-release", b'ID=debian\nVERSION_ID="12"\n'),
            synth.file("/var/lib/dpkg/status", STATUS),
            synth.file("/var/lib/dpkg/info/python3-yaml.list", f"{SITE}/METADATA\n".encode()),
            synth.file(f"{SITE}/METADATA", METADATA),
        ]
    )


def test_every_cataloger_gets_the_same_context() -> None:
    view = view_from_layers([index(_layer(), 0, analyzers_for(ALL_CATALOGERS))])
    first, second = Recorder("first"), Recorder("second")
    inventory = build_inventory(view, date(2026, 1, 1), (first, *ALL_CATALOGERS, second))
    assert len(first.seen) == len(second.seen) == 1
    ctx = first.seen[0]
    assert second.seen[0] is ctx and ctx.view is view
    assert ctx.distro == inventory.distro and ctx.distro is not None and ctx.distro.id == "debian"
    assert f"{SITE}/METADATA" in ctx.os_owned
    assert [(p.type, p.name) for p in inventory.packages] == [("deb", "python3-yaml")]


def test_a_view_without_package_manager_databases_owns_nothing() -> None:
    layer = synth.tar([synth.file("/app/x.py", b"print(1)\n")])
    view = view_from_layers([index(layer, 0, analyzers_for(ALL_CATALOGERS))])
    assert catalog_context(view, None) == CatalogContext(view, None, frozenset())
