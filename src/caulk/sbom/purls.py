"""Package URLs in SBOMs: purl type → OSV ecosystem, distro qualifiers, source packages, and the
`pkg:oci/…` purl of the scanned image."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packageurl import PackageURL

from caulk.catalog.interface import Distro
from caulk.model import Target

__all__ = [
    "LANGUAGE_ECOSYSTEMS",
    "OS_TYPES",
    "ParsedPurl",
    "distro_from_qualifier",
    "distro_id",
    "full_name",
    "image_purl",
    "os_fallback_ecosystem",
    "parse_purl",
    "split_upstream",
]

LANGUAGE_ECOSYSTEMS: dict[str, str] = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "composer": "Packagist",
}
OS_TYPES = frozenset({"deb", "apk", "rpm"})

# Distro ids as purl namespaces or `distro=` prefixes spell them → os-release IDs.
_DISTRO_IDS = {"redhat": "rhel", "rhel": "rhel", "alma": "almalinux", "amazon": "amzn"}
_FALLBACK = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "redhat": "Red Hat",
    "rhel": "Red Hat",
}
_QUALIFIER = re.compile(r"(?:(?P<id>[a-z][a-z0-9._]*?)-)?(?P<version>\d[\w.+~-]*)")


@dataclass(frozen=True, slots=True)
class ParsedPurl:
    purl: PackageURL
    text: str

    @property
    def type(self) -> str:
        return str(self.purl.type)

    @property
    def qualifiers(self) -> dict[str, str]:
        raw = self.purl.qualifiers
        return dict(raw) if isinstance(raw, dict) else {}

    @property
    def version(self) -> str | None:
        version = self.purl.version
        if not version:
            return None
        epoch = self.qualifiers.get("epoch")
        if epoch and self.type in {"deb", "rpm"} and ":" not in version and epoch != "0":
            return f"{epoch}:{version}"
        return str(version)


def parse_purl(text: str) -> ParsedPurl:
    """Parse a purl; raises ValueError when it is not one."""
    return ParsedPurl(PackageURL.from_string(text.strip()), text.strip())


def full_name(parsed: ParsedPurl) -> str:
    """The package name as advisories spell it: `group:artifact` for Maven, `ns/name` for Go,
    npm scopes and Composer, the bare name otherwise."""
    purl = parsed.purl
    namespace = purl.namespace or ""
    if parsed.type == "maven" and namespace:
        return f"{namespace}:{purl.name}"
    if parsed.type in {"golang", "npm", "composer"} and namespace:
        return f"{namespace}/{purl.name}"
    return str(purl.name)


def distro_from_qualifier(value: str, namespace: str | None) -> Distro | None:
    """`debian-12`, `alpine-3.18.4`, `rhel-9.2` (syft) or `3.16.0` (trivy, with the purl namespace
    naming the distro) → Distro; None when it cannot be read."""
    match = _QUALIFIER.fullmatch(value.strip().lower())
    if match is None:
        return None
    found = distro_id(match.group("id") or namespace or "")
    return Distro(id=found, version_id=match.group("version")) if found else None


def distro_id(name: str) -> str:
    """A purl namespace or `distro=` prefix as an os-release ID (`redhat` → `rhel`)."""
    name = name.strip().lower()
    return _DISTRO_IDS.get(name, name)


def os_fallback_ecosystem(namespace: str | None, purl_type: str) -> str:
    """The ecosystem of an OS package whose distro release is unknown (as the catalogers do)."""
    if namespace and namespace.lower() in _FALLBACK:
        return _FALLBACK[namespace.lower()]
    return {"deb": "Debian", "apk": "Alpine", "rpm": "Red Hat"}[purl_type]


def split_upstream(value: str, purl_type: str) -> tuple[str, str | None]:
    """The `upstream` qualifier → (source name, source version or None): `util-linux`,
    `util-linux@2.36.1-8` (syft) or an rpm `openssl-3.0.7-16.el9.src.rpm`."""
    name, _, version = value.partition("@")
    if purl_type == "rpm" and name.endswith(".src.rpm"):
        parts = name[: -len(".src.rpm")].rsplit("-", 2)
        if len(parts) == 3:
            return parts[0], f"{parts[1]}-{parts[2]}"
    return name, version or None


def image_purl(target: Target) -> str:
    """`pkg:oci/NAME@sha256:…?arch=…&repository_url=…&tag=…` for the scanned image."""
    rest = target.reference.split(":", 1)[1] if target.transport != "registry" else ""
    repository = _registry_repository(target.reference) if target.transport == "registry" else ""
    if repository:
        name = repository.rsplit("/", 1)[-1]
    else:
        base = rest.rstrip("/").split("@", 1)[0]
        base = base.rsplit("/", 1)[-1] or "image"
        name = re.sub(r"\.(tar|tgz|tar\.gz)(:.*)?$", "", base).split(":", 1)[0] or "image"
    qualifiers = {}
    if target.architecture:
        qualifiers["arch"] = target.architecture
    if repository:
        qualifiers["repository_url"] = repository
    if target.tag:
        qualifiers["tag"] = target.tag
    return str(
        PackageURL(
            type="oci",
            name=name.lower(),
            version=target.manifest_digest or target.digest,
            qualifiers=qualifiers or None,
        ).to_string()
    )


def _registry_repository(reference: str) -> str:
    text = reference.removeprefix("registry:").removeprefix("docker://")
    text = text.split("@", 1)[0]
    head, sep, tail = text.rpartition(":")
    if sep and "/" not in tail:
        text = head
    return text.lower()
