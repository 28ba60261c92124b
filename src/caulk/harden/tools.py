"""What `--remove-shells`, `--remove-tools` and `--remove-package-managers` remove.

The hygiene checks (`caulk.check.image`) report the same programs; these sets are the harden side's
copy until the checks expose theirs (see docs/defang.md). Names are basenames looked up in
executable locations (`PATH_DIRS` plus the image's own `PATH`).
"""

from __future__ import annotations

__all__ = ["BUSYBOX", "PACKAGE_MANAGERS", "PATH_DIRS", "SHELLS", "TOOLS"]

PATH_DIRS: tuple[str, ...] = (
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
)

BUSYBOX = "busybox"

SHELLS: frozenset[str] = frozenset(
    {
        "sh",
        "bash",
        "rbash",
        "dash",
        "ash",
        "zsh",
        "ksh",
        "ksh93",
        "mksh",
        "tcsh",
        "csh",
        "fish",
        BUSYBOX,
    }
)

TOOLS: frozenset[str] = frozenset(
    {
        "nc",
        "netcat",
        "ncat",
        "nc.openbsd",
        "nc.traditional",
        "socat",
        "curl",
        "wget",
        "telnet",
        "ssh",
        "scp",
        "sftp",
        "ftp",
        "tftp",
        "nmap",
    }
)

PACKAGE_MANAGERS: frozenset[str] = frozenset(
    {"apt", "apt-get", "dpkg", "apk", "yum", "dnf", "rpm", "microdnf", "pip", "pip3"}
)
