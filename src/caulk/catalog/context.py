"""The `CatalogContext` of one inventory: built once, passed to every cataloger."""

from __future__ import annotations

from caulk.catalog.apk import owned_files as apk_owned
from caulk.catalog.dpkg import owned_files as dpkg_owned
from caulk.catalog.interface import CatalogContext, Distro
from caulk.catalog.rpm import owned_files as rpm_owned
from caulk.fs.interface import LayerView

__all__ = ["catalog_context"]


def catalog_context(view: LayerView, distro: Distro | None) -> CatalogContext:
    """The context every cataloger reads: `view`, `distro` and the files dpkg, apk or rpm
    installed (language catalogers skip them)."""
    return CatalogContext(
        view=view,
        distro=distro,
        os_owned=dpkg_owned(view) | apk_owned(view) | rpm_owned(view),
    )
