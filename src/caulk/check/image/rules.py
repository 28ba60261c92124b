"""The image hygiene rules (CK-IMG-…): stable IDs, severities, titles and remediation.

IDs never change meaning; a retired rule keeps its number. Each has `docs/rules/<ID>.md`.
"""

from __future__ import annotations

from caulk.check.rules import Rule, register
from caulk.model import Severity

__all__ = [
    "ADD_REMOTE",
    "CACHE_LEFTOVERS",
    "DEV_TOOL",
    "DUPLICATE_ID",
    "EMPTY_PASSWORD",
    "FILE_CAPABILITIES",
    "HIDDEN_BYTES",
    "LOW_EFFICIENCY",
    "MUTABLE_REFERENCE",
    "NETWORK_TOOL",
    "NO_HEALTHCHECK",
    "PACKAGE_MANAGER",
    "PIPE_TO_SHELL",
    "ROOT_USER",
    "SECRET_IN_CONFIG",
    "SECRET_IN_FILE",
    "SETUID",
    "SHELL",
    "SUDO_IN_HISTORY",
    "UNKNOWN_USER",
    "USER_WASTED_PERCENT",
    "WASTED_BYTES",
    "WORLD_WRITABLE",
]

_CAT = "image"

SETUID = register(
    Rule(
        "CK-IMG-001",
        Severity.MEDIUM,
        "SETUID/SETGID file",
        "Clear the bits in the Dockerfile"
        " (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`) or run `caulk defang`;"
        " keep only binaries the container really needs.",
        _CAT,
    )
)
SHELL = register(
    Rule(
        "CK-IMG-002",
        Severity.LOW,
        "Shell in the image",
        "Build a final stage without a shell (distroless, scratch + static binary), or remove it"
        " with `caulk defang --remove-shells`; use `--allow-tool` if the entrypoint needs it.",
        _CAT,
    )
)
NETWORK_TOOL = register(
    Rule(
        "CK-IMG-003",
        Severity.MEDIUM,
        "Network or attack tool in the image",
        "Remove download/remote-access tools after use (multi-stage build, `apt-get purge`),"
        " or allow-list the tool if the application calls it.",
        _CAT,
    )
)
PACKAGE_MANAGER = register(
    Rule(
        "CK-IMG-004",
        Severity.LOW,
        "Package manager in the image",
        "Install packages in a build stage and copy only the result into the final stage, or"
        " remove the package manager in the last layer.",
        _CAT,
    )
)
ROOT_USER = register(
    Rule(
        "CK-IMG-005",
        Severity.MEDIUM,
        "Container runs as root",
        "Add a non-root user and end the Dockerfile with `USER <uid>`"
        " (numeric, e.g. `USER 10001`).",
        _CAT,
    )
)
UNKNOWN_USER = register(
    Rule(
        "CK-IMG-006",
        Severity.MEDIUM,
        "USER not found in /etc/passwd",
        "Create the user in the image (`useradd`/`adduser`) or use a numeric `USER uid:gid`.",
        _CAT,
    )
)
SECRET_IN_FILE = register(
    Rule(
        "CK-IMG-007",
        Severity.CRITICAL,
        "Secret in an image file",
        "Revoke the credential now, then rebuild without it: use build secrets"
        " (`RUN --mount=type=secret`) instead of COPY; deleting it in a later layer does not"
        " remove it.",
        _CAT,
    )
)
SECRET_IN_CONFIG = register(
    Rule(
        "CK-IMG-008",
        Severity.HIGH,
        "Secret in image config or history",
        "Revoke the credential, then pass it at run time (orchestrator secrets, mounted files)"
        " instead of `ENV`/`ARG`; build arguments are recorded in the image history.",
        _CAT,
    )
)
CACHE_LEFTOVERS = register(
    Rule(
        "CK-IMG-009",
        Severity.LOW,
        "Package-manager cache left in the image",
        "Clean in the same RUN that installs (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`,"
        " `pip install --no-cache-dir`, `dnf clean all`) or use a cache mount.",
        _CAT,
    )
)
WORLD_WRITABLE = register(
    Rule(
        "CK-IMG-010",
        Severity.MEDIUM,
        "World-writable path without sticky bit",
        "Remove the write bit for others (`chmod o-w PATH`), or add the sticky bit to shared"
        " directories (`chmod +t DIR`).",
        _CAT,
    )
)
ADD_REMOTE = register(
    Rule(
        "CK-IMG-011",
        Severity.MEDIUM,
        "ADD of a remote URL",
        "Download in a RUN step that verifies a checksum or signature (or `ADD --checksum=…`),"
        " and COPY local files.",
        _CAT,
    )
)
PIPE_TO_SHELL = register(
    Rule(
        "CK-IMG-012",
        Severity.MEDIUM,
        "Download piped into a shell",
        "Download to a file, verify its checksum or signature, then run it.",
        _CAT,
    )
)
MUTABLE_REFERENCE = register(
    Rule(
        "CK-IMG-013",
        Severity.LOW,
        "Image referenced by a mutable tag",
        "Reference the image by digest (`name@sha256:…`), or at least by an immutable version tag.",
        _CAT,
    )
)
LOW_EFFICIENCY = register(
    Rule(
        "CK-IMG-014",
        Severity.LOW,
        "Image efficiency below threshold",
        "Avoid rewriting or deleting in later layers what earlier layers added: combine RUN steps,"
        " use multi-stage builds.",
        _CAT,
    )
)
WASTED_BYTES = register(
    Rule(
        "CK-IMG-015",
        Severity.LOW,
        "Too many wasted bytes",
        "Delete temporary files in the same RUN that creates them; use multi-stage builds.",
        _CAT,
    )
)
USER_WASTED_PERCENT = register(
    Rule(
        "CK-IMG-016",
        Severity.LOW,
        "Too much of the added bytes wasted",
        "Delete temporary files in the same RUN that creates them; use multi-stage builds.",
        _CAT,
    )
)
HIDDEN_BYTES = register(
    Rule(
        "CK-IMG-017",
        Severity.INFO,
        "Bytes hidden by deleted directories or opaque whiteouts",
        "Delete directories in the same RUN that creates them; a later `rm -rf` hides the bytes"
        " but every layer is still shipped.",
        _CAT,
    )
)
FILE_CAPABILITIES = register(
    Rule(
        "CK-IMG-018",
        Severity.MEDIUM,
        "File with capabilities",
        "Remove the capabilities (`setcap -r FILE`, or drop them with the package's own"
        " post-install step) and grant what the process needs at run time"
        " (`--cap-add`, Kubernetes `securityContext.capabilities`), or allow-list the path.",
        _CAT,
    )
)
DEV_TOOL = register(
    Rule(
        "CK-IMG-019",
        Severity.LOW,
        "Compiler, debugger or interpreter in the image",
        "Build in an earlier stage and copy only the artefacts into the final one; remove"
        " debuggers; allow-list (`--allow-tool`) the interpreter the application runs on.",
        _CAT,
    )
)
EMPTY_PASSWORD = register(
    Rule(
        "CK-IMG-020",
        Severity.HIGH,
        "Account with an empty password",
        "Lock the account (`passwd -l NAME` or `usermod -p '*' NAME`) or delete it.",
        _CAT,
    )
)
DUPLICATE_ID = register(
    Rule(
        "CK-IMG-021",
        Severity.MEDIUM,
        "Duplicate UID or GID",
        "Give every user in /etc/passwd and every group in /etc/group its own numeric ID.",
        _CAT,
    )
)
NO_HEALTHCHECK = register(
    Rule(
        "CK-IMG-022",
        Severity.INFO,
        "No HEALTHCHECK in the image config",
        "Add `HEALTHCHECK CMD <probe>` to the Dockerfile (or `HEALTHCHECK NONE` to say there is"
        " none on purpose, e.g. when the orchestrator probes the container).",
        _CAT,
    )
)
SUDO_IN_HISTORY = register(
    Rule(
        "CK-IMG-023",
        Severity.MEDIUM,
        "sudo in the image history",
        "Do not use sudo while building: RUN already runs as the current USER; switch with USER"
        " and remove sudo from the final image.",
        _CAT,
    )
)
