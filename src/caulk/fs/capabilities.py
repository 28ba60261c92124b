"""File capabilities: the `security.capability` xattr (a `vfs_cap_data`, carried in layer tars as
the PAX record `SCHILY.xattr.security.capability`) as text, exactly as libcap's `getcap` prints it
(`cap_net_raw=ep`, `cap_sys_admin=ip cap_setuid,cap_net_raw+p`, `=ep cap_bpf-ep`…).

Layout (linux/capability.h): a little-endian u32 `magic_etc` (revision in the top byte, bit 0 =
effective), then (permitted, inheritable) u32 pairs: one pair for revision 1, two for revisions 2
and 3 (bits 32-63); revision 3 adds the u32 root UID of the owning user namespace.
"""

from __future__ import annotations

import struct

__all__ = ["CAP_NAMES", "CapabilityError", "decode_capabilities"]

CAP_NAMES = (
    "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
    "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
    "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
    "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
    "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
    "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
    "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
    "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
    "cap_checkpoint_restore",
)  # fmt: skip
_EFF, _INH, _PER = 1, 2, 4
_SIZES = {1: 12, 2: 20, 3: 24}


class CapabilityError(ValueError):
    """The xattr is not a vfs_cap_data libcap would accept."""


def _flags(e: int, i: int, p: int) -> str:
    return ("e" if e & _EFF else "") + ("i" if i & _INH else "") + ("p" if p & _PER else "")


def decode_capabilities(raw: bytes) -> str:
    """`getcap`'s text for a raw `security.capability` value. Raises CapabilityError."""
    if len(raw) < 4:
        raise CapabilityError(f"security.capability is {len(raw)} bytes, too short")
    (magic,) = struct.unpack_from("<I", raw)
    revision = magic >> 24
    if revision not in _SIZES or len(raw) != _SIZES[revision]:
        raise CapabilityError(
            f"security.capability revision {revision} with {len(raw)} bytes is not a vfs_cap_data"
        )
    if magic & 0x00FFFFFE:
        raise CapabilityError(f"security.capability has unknown flags {magic & 0xFFFFFF:#x}")
    words = struct.unpack_from("<" + "I" * (2 if revision == 1 else 4), raw, 4)
    permitted = words[0] | (words[2] << 32 if revision > 1 else 0)
    inheritable = words[1] | (words[3] << 32 if revision > 1 else 0)
    effective = permitted | inheritable if magic & 1 else 0
    text = _to_text(permitted, inheritable, effective)
    if revision == 3:
        (rootid,) = struct.unpack_from("<I", raw, 20)
        if rootid:
            text += f" [rootid={rootid}]"
    return text


def _to_text(permitted: int, inheritable: int, effective: int) -> str:
    """libcap's cap_to_text: the most common state over the known capabilities becomes the
    `=…` default, every other state lists its capabilities with `+`/`-` adjustments (the first
    one folded into `name=…` when the default is empty)."""
    known = max(len(CAP_NAMES), (permitted | inheritable | effective).bit_length())

    def state(n: int) -> int:
        return (
            (_EFF if effective >> n & 1 else 0)
            | (_INH if inheritable >> n & 1 else 0)
            | (_PER if permitted >> n & 1 else 0)
        )

    histo = [0] * 8
    for n in range(known):
        histo[state(n)] += 1
    m = 7
    for t in range(6, -1, -1):
        if histo[t] >= histo[m]:
            m = t
    base = "=" + _flags(m, m, m)
    parts: list[str] = []
    for t in range(7, -1, -1):
        if t == m or not histo[t]:
            continue
        names = ",".join(
            CAP_NAMES[n] if n < len(CAP_NAMES) else str(n) for n in range(known) if state(n) == t
        )
        text = names
        up = t & ~m
        if up:
            op = "+"
            if base == "=" and not parts:
                base, op = "", "="
            text += op + _flags(up, up, up)
        down = ~t & m
        if down:
            text += "-" + _flags(down, down, down)
        parts.append(text)
    return " ".join(([base] if base else []) + parts)
