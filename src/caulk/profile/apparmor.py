"""An AppArmor profile from an image (Bane's idea, without a hand-written TOML): read anything,
execute only the programs the image holds (`ix`: they stay confined), write only the declared
volumes, /tmp and the usual /dev files, no raw or packet sockets unless asked, no mount,
remount, umount, pivot_root or ptrace, and Docker's default capabilities minus NET_RAW."""

from __future__ import annotations

import logging
import posixpath
import re

from caulk.errors import UsageError
from caulk.fs.interface import LayerView
from caulk.profile.executables import executables
from caulk.profile.interface import AppArmorOptions
from caulk.source.interface import Image

__all__ = ["apparmor_profile", "quote_path"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_SPECIAL = re.compile(r'([*?\[\]{}^,\\"#])')
_PRINTABLE = re.compile(r"^[\x21-\x7e\u00a0-\U0010ffff ]+$")
# Docker's default capability set, without NET_RAW (raw sockets are denied anyway).
_CAPABILITIES = (
    "chown", "dac_override", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
    "net_bind_service", "sys_chroot", "mknod", "audit_write", "setfcap",
)  # fmt: skip
# Paths inside the *container* that stay writable (not host temporary files).
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108
_DEVICES = "/dev/{null,zero,full,random,urandom,tty,ptmx,pts/*,stdin,stdout,stderr}"


def quote_path(path: str) -> str | None:
    """`path` as an AppArmor path token (glob characters escaped, quoted when it has a space),
    or None when it cannot be written (control characters, undecodable bytes)."""
    if any("\udc80" <= c <= "\udcff" for c in path) or not _PRINTABLE.match(path):
        return None
    escaped = _SPECIAL.sub(r"\\\1", path)
    return f'"{escaped}"' if " " in escaped else escaped


def _tree(path: str) -> list[str]:
    base = quote_path(path.rstrip("/") or "/")
    if base is None:
        return []
    inner = base[:-1] if base.endswith('"') else base
    tail = '"' if base.endswith('"') else ""
    return [f"  {inner}/{tail} rw,", f"  {inner}/**{tail} rwkl,"]


def apparmor_profile(image: Image, view: LayerView, options: AppArmorOptions) -> str:
    if not _NAME.match(options.name):
        raise UsageError(f"--name {options.name!r}: use letters, digits, '_', '.', '-'")
    writable = sorted({*SCRATCH_DIRS, *image.config.volumes, *options.writable})
    for path in writable:
        if not path.startswith("/") or posixpath.normpath(path) in ("/", "//"):
            raise UsageError(f"writable path {path!r}: give an absolute directory other than /")
    lines = [
        f"# AppArmor profile for {image.reference}, written by caulk profile apparmor",
        f"# load: apparmor_parser -r FILE; run: docker run --security-opt apparmor={options.name}",
        "#include <tunables/global>",
        "",
        f"profile {options.name} flags=(attach_disconnected,mediate_deleted) {{",
        "  #include <abstractions/base>",
        "",
        *(f"  capability {cap}," for cap in _CAPABILITIES),
        "",
        "  network inet stream,",
        "  network inet6 stream,",
        "  network inet dgram,",
        "  network inet6 dgram,",
        "  network unix,",
        "  network netlink dgram,",
    ]
    if options.raw_network:
        lines += ["  network inet raw,", "  network inet6 raw,", "  network packet,"]
    else:
        lines += ["  deny network raw,", "  deny network packet,"]
    lines += [
        "",
        "  deny mount,",
        "  deny remount,",
        "  deny umount,",
        "  deny pivot_root,",
        "  deny ptrace,",
        "  signal (send,receive) peer=@{profile_name},",
        "  unix,",
        "",
        "  # read anything; write only below",
        "  /** r,",
        f"  {_DEVICES} rw,",
        "  @{PROC}/@{pid}/** r,",
        "  owner @{PROC}/@{pid}/fd/* rw,",
    ]
    for path in writable:
        lines += _tree(path)
    lines += [
        "  deny @{PROC}/sys/** w,",
        "  deny @{PROC}/sysrq-trigger rwklx,",
        "  deny @{PROC}/kcore rwklx,",
        "  deny /sys/** wklx,",
        "",
        "  # the image's executables",
    ]
    skipped = 0
    for path, _ in sorted(executables(view)):
        token = quote_path(path)
        if token is None:
            skipped += 1
            continue
        lines.append(f"  {token} ix,")
    if skipped:
        log.warning("%d executables have names an AppArmor profile cannot hold; left out", skipped)
    lines += ["}", ""]
    return "\n".join(lines)
