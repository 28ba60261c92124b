"""A realistic `ScanResult` for SBOM and VEX tests: Debian packages with source packages and an
epoch, the same npm package at two paths, a Python package whose name and purl differ in case."""

from __future__ import annotations

from packageurl import PackageURL

from caulk.catalog.interface import Distro, Package
from caulk.match.interface import Vulnerability
from caulk.model import Location, ScanResult, Severity, Target

__all__ = ["APP", "BASE", "sample_result", "sample_vulnerabilities"]

BASE = "sha256:" + "1" * 64  # diff_id of layer 0
APP = "sha256:" + "2" * 64  # diff_id of layer 1
STATUS = Location(path="/var/lib/dpkg/status", layer=0, layer_digest=BASE)


def _deb(name: str, version: str, source: str, source_version: str) -> Package:
    qualifiers = {"arch": "amd64", "distro": "debian-12"}
    if source != name:
        qualifiers["upstream"] = source
    purl = PackageURL("deb", "debian", name, version, qualifiers).to_string()
    return Package(
        name,
        version,
        "deb",
        "Debian:12",
        purl,
        (STATUS,),
        source,
        source_version,
        "amd64",
        found_by="dpkg",
    )


def _lang(kind: str, ecosystem: str, name: str, version: str, path: str, **purl: str) -> Package:
    location = Location(path=path, layer=1, layer_digest=APP)
    text = PackageURL(kind, purl.get("namespace"), purl.get("purl_name", name), version).to_string()
    return Package(name, version, kind, ecosystem, text, (location,), found_by=kind)


def sample_result(packages: bool = True) -> ScanResult:
    items = (
        _deb("bsdutils", "1:2.38.1-5+b1", "util-linux", "2.38.1-5"),
        _deb("libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4"),
        _deb("tzdata", "2024a-0+deb12u1", "tzdata", "2024a-0+deb12u1"),
        _lang(
            "pypi",
            "PyPI",
            "PyYAML",
            "5.1",
            "/usr/local/lib/python3.11/site-packages/PyYAML-5.1.dist-info/METADATA",
            purl_name="pyyaml",
        ),
        _lang("npm", "npm", "minimist", "0.0.8", "/app/node_modules/minimist/package.json"),
        _lang(
            "npm",
            "npm",
            "minimist",
            "0.0.8",
            "/app/node_modules/mkdirp/node_modules/minimist/package.json",
        ),
        _lang(
            "npm",
            "npm",
            "@types/node",
            "20.11.5",
            "/app/node_modules/@types/node/package.json",
            namespace="@types",
            purl_name="node",
        ),
        _lang(
            "golang",
            "Go",
            "golang.org/x/net",
            "v0.17.0",
            "/usr/local/bin/app",
            namespace="golang.org/x",
            purl_name="net",
        ),
    )
    return ScanResult(
        target=Target(
            reference="oci:/images/demo-app:1.0",
            transport="oci",
            digest="sha256:" + "a" * 64,
            config_digest="sha256:" + "b" * 64,
            manifest_digest="sha256:" + "a" * 64,
            tag="1.0",
            os="linux",
            architecture="amd64",
            layer_count=2,
            size=123456,
        ),
        scanned_at="2026-01-01T00:00:00Z",
        caulk_version="0.0.0-test",
        distro=Distro(
            "debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)", eol="2028-06-30"
        ),
        packages=items if packages else None,
    )


def sample_vulnerabilities(result: ScanResult) -> tuple[Vulnerability, ...]:
    """An active Debian finding, an ignored npm one (second copy), a VEX-fixed PyPI one."""
    assert result.packages is not None
    bsdutils, _libc, _tz, pyyaml, _m1, nested, *_ = result.packages
    return (
        Vulnerability(
            id="CVE-2024-28085",
            aliases=("DLA-3782-1",),
            package_name=bsdutils.name,
            package_version=bsdutils.version,
            package_type="deb",
            purl=bsdutils.purl,
            ecosystem="Debian:12",
            severity=Severity.HIGH,
            severity_source="nvd",
            fix_state="fixed",
            fixed_version="2.38.1-5+deb12u1",
            cvss_score=7.8,
            cvss_vector="CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
            cvss_source="nvd",
            epss=0.00043,
            epss_percentile=0.1053,
            cvss=(("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),),
            title="wall: escape sequence injection",
            advisories=("DLA-3782-1",),
            references=("https://security-tracker.debian.org/tracker/CVE-2024-28085",),
            location=bsdutils.locations[0],
            source_package="util-linux",
        ),
        Vulnerability(
            id="CVE-2021-44906",
            aliases=("GHSA-xvch-5gv4-984h",),
            package_name=nested.name,
            package_version=nested.version,
            package_type="npm",
            purl=nested.purl,
            ecosystem="npm",
            severity=Severity.CRITICAL,
            severity_source="ghsa",
            fix_state="fixed",
            fixed_version="0.2.4",
            kev="2026-06-02",
            location=nested.locations[0],
            ignored="ignore file: build-time only",
        ),
        Vulnerability(
            id="CVE-2020-1747",
            aliases=("GHSA-6757-jp84-gxfx", "PYSEC-2020-96"),
            package_name=pyyaml.name,
            package_version=pyyaml.version,
            package_type="pypi",
            purl=pyyaml.purl,
            ecosystem="PyPI",
            severity=Severity.UNKNOWN,
            severity_source="",
            fix_state="fixed",
            fixed_version="5.3.1",
            location=pyyaml.locations[0],
            ignored="VEX fixed: rebuilt with the patched wheel",
        ),
    )
