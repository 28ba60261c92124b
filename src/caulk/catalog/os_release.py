"""Which distribution: /etc/os-release (or /usr/lib/os-release), /etc/debian_version,
/etc/alpine-release, /etc/redhat-release; distroless Debian images carry os-release too.
End-of-life dates are from the distributions' published lifecycles (Debian LTS end, Alpine branch
end, Ubuntu standard support end)."""

from __future__ import annotations

import re
from datetime import date

from caulk.catalog.analyzer import ContentAnalyzer, exact_paths
from caulk.catalog.interface import Distro
from caulk.fs.interface import LayerView

__all__ = ["ANALYZER", "EOL_DATES", "detect_distro"]

_PATHS = (
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    "/etc/redhat-release",
)

# (id, major or major.minor) -> last day of (extended/LTS) support.
EOL_DATES: dict[tuple[str, str], str] = {
    ("debian", "8"): "2020-06-30",
    ("debian", "9"): "2022-06-30",
    ("debian", "10"): "2024-06-30",
    ("debian", "11"): "2026-08-31",
    ("debian", "12"): "2028-06-30",
    ("debian", "13"): "2030-06-30",
    ("alpine", "3.11"): "2021-11-01",
    ("alpine", "3.12"): "2022-05-01",
    ("alpine", "3.13"): "2022-11-01",
    ("alpine", "3.14"): "2023-05-01",
    ("alpine", "3.15"): "2023-11-01",
    ("alpine", "3.16"): "2024-05-23",
    ("alpine", "3.17"): "2024-11-22",
    ("alpine", "3.18"): "2025-05-09",
    ("alpine", "3.19"): "2025-11-01",
    ("alpine", "3.20"): "2026-04-01",
    ("alpine", "3.21"): "2026-11-01",
    ("alpine", "3.22"): "2027-05-01",
    ("ubuntu", "18.04"): "2023-05-31",
    ("ubuntu", "20.04"): "2025-05-31",
    ("ubuntu", "22.04"): "2027-06-01",
    ("ubuntu", "24.04"): "2029-05-31",
}


def _parse_os_release(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _parse(path: str, data: bytes) -> object:
    if path.endswith("os-release"):
        return tuple(sorted(_parse_os_release(data).items()))
    return data.decode("utf-8", "replace").strip()


ANALYZER = ContentAnalyzer("os-release", "1", exact_paths(*_PATHS), _parse, max_size=64 * 1024)


def _eol_key(distro_id: str, version_id: str) -> tuple[str, str]:
    parts = version_id.split(".")
    if distro_id == "debian":
        return distro_id, parts[0]
    return distro_id, ".".join(parts[:2])


def detect_distro(view: LayerView, today: date) -> Distro | None:
    """Distro from the final filesystem; `today` is injected for the EOL flag."""
    fields: dict[str, str] = {}
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        found = view.result("os-release", path)
        if isinstance(found, tuple):
            fields = dict(found)
            break
    debian_version = view.result("os-release", "/etc/debian_version")
    alpine_release = view.result("os-release", "/etc/alpine-release")
    redhat_release = view.result("os-release", "/etc/redhat-release")
    distro_id = fields.get("ID", "")
    version_id = fields.get("VERSION_ID", "")
    if not distro_id:
        if isinstance(alpine_release, str):
            distro_id, version_id = "alpine", alpine_release
        elif isinstance(debian_version, str):
            distro_id = "debian"
        elif isinstance(redhat_release, str):
            distro_id = "rhel"
            match = re.search(r"release (\d+(?:\.\d+)?)", redhat_release)
            version_id = match.group(1) if match else ""
        else:
            return None
    if distro_id == "debian" and not version_id and isinstance(debian_version, str):
        # testing/sid images have no VERSION_ID; debian_version says e.g. "12.4" or "trixie/sid"
        head = debian_version.split(".")[0]
        version_id = head if head.isdigit() else ""
    eol = EOL_DATES.get(_eol_key(distro_id, version_id))
    return Distro(
        id=distro_id,
        version_id=version_id,
        codename=fields.get("VERSION_CODENAME", ""),
        pretty_name=fields.get("PRETTY_NAME", ""),
        id_like=tuple(fields.get("ID_LIKE", "").split()),
        eol=eol,
        is_eol=eol is not None and date.fromisoformat(eol) < today,
    )
