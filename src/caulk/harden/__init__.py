"""caulk.harden — write de-fanged images.

    plan = defang(image, view, DefangOptions(remove_shells=True, user=DEFAULT_USER))
    written = write_defanged(image, plan, "oci:out:latest")

`view` should be built with `DEFANG_ANALYZERS` (else /etc/passwd and /etc/group are re-read)."""

from caulk.harden.defang import DEFANG_ANALYZERS, defang
from caulk.harden.keep import KEEP_ANALYZERS, parse_profile
from caulk.harden.options import (
    DEFAULT_USER,
    DefangOptions,
    KeepSpec,
    UserSpec,
    created_from_epoch,
)
from caulk.harden.plan import ClearedFile, DefangPlan, LayerMember, MemberKind, Removal
from caulk.harden.write import write_defanged

__all__ = [
    "DEFANG_ANALYZERS",
    "DEFAULT_USER",
    "KEEP_ANALYZERS",
    "ClearedFile",
    "DefangOptions",
    "DefangPlan",
    "KeepSpec",
    "LayerMember",
    "MemberKind",
    "Removal",
    "UserSpec",
    "created_from_epoch",
    "defang",
    "parse_profile",
    "write_defanged",
]
