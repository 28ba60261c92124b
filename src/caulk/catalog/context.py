"""Files that an OS package manager (dpkg, apk, rpm) installed: language catalogers skip them, so
a package is reported once, as the OS package that shipped it."""

from __future__ import annotations

from caulk.catalog.apk import owned_files as apk_owned
from caulk.catalog.dpkg import owned_files as dpkg_owned
from caulk.catalog.rpm import owned_files as rpm_owned
from caulk.fs.interface import LayerView

__all__ = ["os_owned_files"]


def os_owned_files(view: LayerView) -> frozenset[str]:
    return dpkg_owned(view) | apk_owned(view) | rpm_owned(view)
