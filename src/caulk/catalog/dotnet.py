""".NET dependencies: `*.deps.json` next to an application or library; every `libraries` entry of
type `package` (`"Name/1.2.3": {"type": "package", ...}`) is a NuGet package. `project` entries
(the application itself) and `reference`/`runtimepack` entries are not."""

from __future__ import annotations

from typing import Any

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, parse_json
from caulk.catalog.langfile import Found, LanguageFileCataloger

__all__ = ["CATALOGER", "parse_deps_json"]


def parse_deps_json(_path: str, data: bytes) -> tuple[Found, ...]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid JSON (not UTF-8: {exc.reason})") from None
    doc: Any = parse_json(_path, text)
    libraries = doc.get("libraries") if isinstance(doc, dict) else None
    if not isinstance(libraries, dict):
        raise ValueError("deps.json without a `libraries` object")
    out = []
    for key, info in libraries.items():
        if not isinstance(info, dict) or info.get("type") != "package":
            continue
        name, sep, version = key.partition("/")
        if not sep or not name or not version:
            raise ValueError(f"library {key!r} is not NAME/VERSION")
        out.append(Found(name, version, field=f"libraries.{key}"))
    return tuple(out)


ANALYZER = ContentAnalyzer(
    "dotnet-deps", "1", lambda p: p.endswith(".deps.json"), parse_deps_json, 16 << 20
)
CATALOGER = LanguageFileCataloger(
    "dotnet",
    "1",
    ANALYZER,
    "nuget",
    "NuGet",
    lambda f: PackageURL(type="nuget", name=f.name, version=f.version).to_string(),
)
