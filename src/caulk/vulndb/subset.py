"""Builds the embedded default advisory set (`caulk/data/advisories/`) from full advisory checkouts.

    python -m caulk.vulndb.subset /path/to/shared/data/advisories src/caulk/data/advisories

Deterministic: the same input gives byte-identical zips (sorted members, fixed timestamps), so the
embedded data's hash (the key of the cached default database) only changes when the data does.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

import yaml

__all__ = ["DEBIAN_SOURCES", "GO_MODULE_PREFIXES", "PYPI_PROJECTS", "build_subset"]

PYPI_PROJECTS = (
    "aiohttp", "certifi", "cryptography", "django", "flask", "idna", "jinja2", "lxml", "numpy",
    "paramiko", "pillow", "pip", "pyyaml", "requests", "setuptools", "sqlparse", "tornado",
    "urllib3", "werkzeug", "wheel",
)  # fmt: skip
GO_MODULE_PREFIXES = (
    "stdlib", "toolchain", "golang.org/x/", "github.com/docker/", "github.com/opencontainers/",
    "github.com/containerd/", "gopkg.in/yaml", "google.golang.org/", "github.com/gogo/protobuf",
    "go.opentelemetry.io/", "github.com/klauspost/compress", "github.com/sirupsen/logrus",
    "github.com/spf13/", "github.com/evanw/esbuild", "github.com/distribution/",
)  # fmt: skip
# Source packages of Debian minbase images (bullseye/bookworm) plus curl, ca-certificates,
# netcat-openbsd, python3 and openssh: what the demo and test images install.
DEBIAN_SOURCES = frozenset(
    {
        "acl", "adduser", "apt", "attr", "audit", "base-files", "base-passwd", "bash", "brotli",
        "bzip2", "ca-certificates", "cdebconf", "coreutils", "curl", "cyrus-sasl2", "dash",
        "db5.3", "debconf", "debianutils", "diffutils", "dpkg", "e2fsprogs", "expat", "findutils",
        "gcc-10", "gcc-12", "gdbm", "glibc", "gmp", "gnupg2", "gnutls28", "grep", "gzip",
        "hostname", "init-system-helpers", "keyutils", "krb5", "libcap-ng", "libcap2", "libffi",
        "libgcrypt20", "libgpg-error", "libidn2", "libpsl", "libseccomp", "libselinux",
        "libsemanage", "libsepol", "libssh", "libssh2", "libtasn1-6", "libtirpc", "libunistring",
        "libxcrypt", "libxml2", "libzstd", "lz4", "mawk", "mpdecimal", "ncurses", "netcat-openbsd",
        "nettle", "nghttp2", "openldap", "openssh", "openssl", "p11-kit", "pam", "pcre2", "pcre3",
        "perl", "python3.9", "python3.11", "readline", "rtmpdump", "sed", "shadow", "sqlite3",
        "systemd", "sysvinit", "tar", "tzdata", "util-linux", "xxhash", "xz-utils", "zlib",
    }
)  # fmt: skip
ALPINE_RELEASES = ("v3.3", "v3.4", "v3.5", "v3.6", "v3.7", "v3.8", "v3.9", "v3.10", "v3.11")
_EPOCH = (2020, 1, 1, 0, 0, 0)


def _zip(out: Path, members: Iterable[tuple[str, bytes]]) -> int:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in sorted(members):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.stat().st_size


def _pypa(root: Path) -> list[tuple[str, bytes]]:
    return [
        (f"{project}/{f.name}", f.read_bytes())
        for project in PYPI_PROJECTS
        for f in sorted((root / "pypa" / "vulns" / project).glob("*.yaml"))
    ]


def _names(record: dict[str, object]) -> set[str]:
    affected = record.get("affected") or []
    assert isinstance(affected, list)
    return {str((a.get("package") or {}).get("name", "")) for a in affected}


def _go(root: Path) -> list[tuple[str, bytes]]:
    out = []
    for f in sorted((root / "go-vulndb").glob("GO-*.json")):
        data = f.read_bytes()
        if any(n.startswith(GO_MODULE_PREFIXES) for n in _names(json.loads(data))):
            out.append((f.name, data))
    return out


def _debian(root: Path) -> list[tuple[str, bytes]]:
    out = []
    for f in sorted((root / "debian-osv").glob("*.json")):
        data = f.read_bytes()
        if _names(json.loads(data)) & DEBIAN_SOURCES:
            # Re-serialise compactly: the converted records are indented.
            out.append((f.name, json.dumps(json.loads(data), separators=(",", ":")).encode()))
    return out


def _alpine(root: Path) -> list[tuple[str, bytes]]:
    out = []
    for release in ALPINE_RELEASES:
        for f in sorted((root / "alpine-secdb" / release).glob("*.yaml")):
            yaml.safe_load(f.read_bytes())  # refuse to embed a broken file
            out.append((f"{release}/{f.name}", f.read_bytes()))
    return out


def build_subset(shared: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, members in (
        ("pypa.zip", _pypa(shared)),
        ("go-vulndb.zip", _go(shared)),
        ("debian-osv.zip", _debian(shared)),
        ("alpine-secdb.zip", _alpine(shared)),
    ):
        sizes[name] = _zip(out / name, members)
        print(f"{name}: {len(members)} documents, {sizes[name]} bytes")
    return sizes


if __name__ == "__main__":
    if len(sys.argv) != 3 or not re.search(r"advisories/?$", sys.argv[1]):
        sys.exit("usage: python -m caulk.vulndb.subset SHARED/data/advisories OUT_DIR")
    build_subset(Path(sys.argv[1]), Path(sys.argv[2]))
