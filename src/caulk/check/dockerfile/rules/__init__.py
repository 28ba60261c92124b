"""The built-in Dockerfile checks. Importing this package registers them (see
`context.register_check`)."""

from __future__ import annotations

from caulk.check.dockerfile.rules import (  # noqa: F401 - imported for registration
    guide,
    images,
    instructions,
    labels,
    packages,
    shellrules,
    users,
)

__all__: list[str] = []
