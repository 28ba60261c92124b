"""The contract of `profile/`: confinement profiles written from an image's contents and config,
without running it.

    view = build_view(image, PROFILE_ANALYZERS)
    text = apparmor_profile(image, view, AppArmorOptions(name="myapp"))   # profile/apparmor.py
    doc, proof = seccomp_profile(view)                                     # profile/seccomp.py

AppArmor: read everything, execute only the image's executables, write only declared volumes and
/tmp (plus `writable`), no raw/packet sockets unless `raw_network`, no mount/ptrace.
Seccomp: Docker's default profile shape with a conservative allow-list; a system call is left out
only when `Proof` shows no program in the image can make it (docs/profiles.md)."""

from __future__ import annotations

from dataclasses import dataclass

from caulk.catalog.elfdeps import ElfDepsAnalyzer

__all__ = ["PROFILE_ANALYZERS", "AppArmorOptions", "Proof"]

PROFILE_ANALYZERS = (ElfDepsAnalyzer(),)


@dataclass(frozen=True, slots=True)
class AppArmorOptions:
    name: str = "caulk-image"
    raw_network: bool = False  # allow raw and packet sockets (ping, DHCP clients)
    writable: tuple[str, ...] = ()  # more writable directories besides volumes and /tmp


@dataclass(frozen=True, slots=True)
class Proof:
    """Why each candidate system call was removed or kept."""

    removed: tuple[str, ...]
    kept: tuple[tuple[str, str], ...]  # (syscall, reason)
    blockers: tuple[str, ...]  # image-wide reasons nothing could be removed (static binary…)
