"""Which file names are shells, network tools, package managers or compilers/debuggers/
interpreters, and which directories a PATH makes executable: shared by the image checks
(`caulk.check.image.tools`), de-fang (`caulk.harden`) and its startup analysis."""

from __future__ import annotations

import posixpath
import re

__all__ = [
    "DEFAULT_PATH",
    "DEV_TOOLS",
    "NETWORK_TOOLS",
    "PACKAGE_MANAGERS",
    "SHELLS",
    "classify",
    "path_dirs",
    "spellings",
]

DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

SHELLS = frozenset(
    {"sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "lksh", "pdksh", "posh",
     "yash", "tcsh", "csh", "fish", "busybox"}
)  # fmt: skip
NETWORK_TOOLS = frozenset(
    {"nc", "netcat", "ncat", "nc.openbsd", "nc.traditional", "socat", "curl", "wget", "telnet",
     "ssh", "scp", "sftp", "ftp", "tftp", "nmap", "nping", "rsh", "rlogin", "rcp", "rexec",
     "tcpdump", "hping3"}
)  # fmt: skip
PACKAGE_MANAGERS = frozenset(
    {"apt", "apt-get", "aptitude", "dpkg", "apk", "yum", "dnf", "tdnf", "microdnf", "rpm",
     "zypper", "pacman", "pip", "pip3", "easy_install"}
)  # fmt: skip
DEV_TOOLS = frozenset(
    {# compilers, assemblers, linkers and build drivers
     "gcc", "g++", "cc", "c++", "c89", "c99", "cpp", "clang", "clang++", "tcc", "gfortran",
     "as", "ld", "ld.bfd", "ld.gold", "make", "gmake", "cmake", "ninja", "go", "gccgo", "rustc",
     "cargo", "javac", "mvn", "gradle", "dotnet",
     # debuggers and tracers
     "gdb", "gdbserver", "lldb", "strace", "ltrace", "valgrind", "perf", "bpftrace",
     # interpreters
     "perl", "python", "python2", "python3", "ruby", "irb", "php", "node", "nodejs", "lua",
     "luajit", "tclsh", "wish", "java", "jshell", "Rscript", "R", "erl", "guile"}
)  # fmt: skip
_PIP = re.compile(r"pip\d+(?:\.\d+)?")
# versioned names of the same tools: gcc-12, python3.11, perl5.36.0, lua5.4, x86_64-linux-gnu-gcc-12
_VERSIONED = re.compile(r"(?:[a-z0-9_]+-linux-gnu[a-z]*-)?([a-z+]+?)[-]?\d+(?:\.\d+)*")


def classify(name: str) -> str | None:
    """ "shell", "tool", "package-manager", "dev-tool" or None for a file name."""
    if name in SHELLS:
        return "shell"
    if name in NETWORK_TOOLS:
        return "tool"
    if name in PACKAGE_MANAGERS or _PIP.fullmatch(name):
        return "package-manager"
    if name in DEV_TOOLS:
        return "dev-tool"
    versioned = _VERSIONED.fullmatch(name)
    if versioned and versioned.group(1) in DEV_TOOLS and versioned.group(1) not in SHELLS:
        return "dev-tool"
    if name.rsplit("-", 1)[-1] in ("gcc", "g++", "cpp", "ld", "as") and "-linux-" in name:
        return "dev-tool"  # cross/triplet names: x86_64-linux-gnu-gcc
    return None


def spellings(name: str) -> set[str]:
    """python3.11 -> {python3.11, python3, python}, gcc-12 -> {gcc-12, gcc}: so
    `--allow-tool python3` covers python3.11 too."""
    out = {name}
    while re.search(r"[.-]\d+$", name):
        name = re.sub(r"[.-]\d+$", "", name)
        out.add(name)
    found = _VERSIONED.fullmatch(name)
    if found:
        out.add(found.group(1))
    return out


def path_dirs(env: tuple[str, ...]) -> tuple[str, ...]:
    """The default PATH directories plus absolute ones from the config's PATH, normalised."""
    dirs = list(DEFAULT_PATH)
    for item in env:
        if item.startswith("PATH="):
            dirs.extend(d for d in item[5:].split(":") if d.startswith("/"))
    seen: dict[str, None] = {}
    for d in dirs:
        seen.setdefault(posixpath.normpath(d).replace("//", "/"), None)
    return tuple(seen)
