"""npm packages: every `node_modules/**/package.json` (each nested copy is its own package, at its
own path), the application's own project (a `package.json` outside `node_modules` with a name and a
version, e.g. `/app/package.json`: syft and trivy list it too) and `package-lock.json` entries
(lockfile v1-v3) whose installed copy is not in the image. Copies installed by an OS package
(Debian's node-* packages) are reported as that package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, location_of, parse_json
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import FileAnalyzer
from caulk.model import Location, Unknown

__all__ = ["NpmCataloger", "parse_lockfile", "parse_package_json", "parse_project_json"]

_INSTALLED = re.compile(r"/node_modules/(@[^/]+/)?[^/@][^/]*/package\.json$")
_LOCKFILE = re.compile(r"/package-lock\.json$")


def parse_package_json(_path: str, data: bytes) -> tuple[str, str] | None:
    doc = parse_json(_path, data)
    if not isinstance(doc, dict):
        raise ValueError("package.json is not a JSON object")
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        raise ValueError("package.json without a string name and version")
    return name, version


def parse_project_json(path: str, data: bytes) -> tuple[str, str] | None:
    """An application's own package.json: a package when it has a name and a version (many
    private projects have neither, and are no package); None otherwise, never an error."""
    try:
        return parse_package_json(path, data)
    except ValueError:
        return None


def _lock_v1(deps: dict[str, Any], prefix: str) -> Iterator[tuple[str, str, str]]:
    for name, info in deps.items():
        if not isinstance(info, dict) or not isinstance(info.get("version"), str):
            continue
        path = f"{prefix}node_modules/{name}"
        yield path, name, info["version"]
        nested = info.get("dependencies")
        if isinstance(nested, dict):
            yield from _lock_v1(nested, path + "/")


def parse_lockfile(_path: str, data: bytes) -> tuple[tuple[str, str, str], ...]:
    """(install path relative to the lockfile dir, name, version) for every locked package."""
    doc = parse_json(_path, data)
    if not isinstance(doc, dict):
        raise ValueError("package-lock.json is not a JSON object")
    out: list[tuple[str, str, str]] = []
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for path, info in packages.items():
            if not path or not isinstance(info, dict) or info.get("link"):
                continue
            version = info.get("version")
            name = info.get("name") or path.rsplit("node_modules/", 1)[-1]
            if isinstance(version, str) and isinstance(name, str):
                out.append((path, name, version))
    elif isinstance(doc.get("dependencies"), dict):
        out.extend(_lock_v1(doc["dependencies"], ""))
    return tuple(out)


PACKAGE_JSON = ContentAnalyzer(
    "npm-package-json", "1", lambda p: _INSTALLED.search(p) is not None, parse_package_json, 4 << 20
)
PROJECT_JSON = ContentAnalyzer(
    "npm-project-json",
    "1",
    lambda p: p.endswith("/package.json") and "/node_modules/" not in p,
    parse_project_json,
    4 << 20,
)
LOCKFILE = ContentAnalyzer(
    "npm-lockfile",
    "1",
    lambda p: _LOCKFILE.search(p) is not None and "/node_modules/" not in p,
    parse_lockfile,
    32 << 20,
)


def _purl(name: str, version: str) -> str:
    namespace, _, short = name.rpartition("/")
    return PackageURL(
        type="npm", namespace=namespace or None, name=short, version=version
    ).to_string()


class NpmCataloger:
    name = "npm"
    version = "2"
    analyzers: tuple[FileAnalyzer, ...] = (PACKAGE_JSON, PROJECT_JSON, LOCKFILE)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view = ctx.view
        owned = ctx.os_owned
        for entry, result in view.results(PACKAGE_JSON.name):
            if not isinstance(result, tuple) or entry.path in owned:
                continue
            name, version = result
            location = location_of(view, entry)
            yield self._package(name, version, location)
        for entry, result in view.results(PROJECT_JSON.name):
            if isinstance(result, tuple) and entry.path not in owned:
                name, version = result
                yield self._package(name, version, location_of(view, entry))
        for entry, result in view.results(LOCKFILE.name):
            if not isinstance(result, tuple):
                continue
            base = entry.path.rsplit("/", 1)[0]
            for install_path, name, version in result:
                if view.get(f"{base}/{install_path}/package.json") is not None:
                    continue  # the installed copy is catalogued itself
                location = location_of(view, entry, field=install_path)
                yield self._package(name, version, location)

    def _package(self, name: str, version: str, location: Location) -> Package:
        return Package(
            name=name,
            version=version,
            type="npm",
            ecosystem="npm",
            purl=_purl(name, version),
            locations=(location,),
            found_by=self.name,
        )
