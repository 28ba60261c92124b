"""caulk.profile — AppArmor and seccomp profiles written from an image (docs/profiles.md)."""

from caulk.profile.apparmor import apparmor_profile
from caulk.profile.interface import PROFILE_ANALYZERS, AppArmorOptions, Proof
from caulk.profile.seccomp import seccomp_profile

__all__ = ["PROFILE_ANALYZERS", "AppArmorOptions", "Proof", "apparmor_profile", "seccomp_profile"]
