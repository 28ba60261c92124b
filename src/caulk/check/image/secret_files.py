"""The `secrets` file analyzer: private keys, credential files and token patterns in file contents.

It runs during the single pass over every layer (so a file a later layer deleted is still seen).
To stay fast it only reads plausible text files under a size cap: no documentation, locale or
zoneinfo trees, no package databases, no code the distribution ships (Debian's python3-* and node-*
trees, headers), no interpreter standard libraries (python3.X outside
site-/dist-packages, perl, npm's own code), no archives, images, compiled objects; anything with a
NUL byte in its first 8 KiB is treated as binary and skipped. `Hit`s carry redacted values only.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from caulk.check.image.secret_patterns import Hit, find_tokens, redact
from caulk.fs.interface import EntryType, FileEntry
from caulk.safeload import DocumentError, load_json

__all__ = ["SECRETS_ANALYZER", "SSH_KEY_NAMES", "SecretAnalyzer", "scan_text"]

MAX_SIZE = 1024 * 1024
SSH_KEY_NAMES = frozenset(
    {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"}
)
_CREDENTIAL_NAMES = SSH_KEY_NAMES | {".npmrc", ".git-credentials", ".netrc", "_netrc"}
_SKIP_PREFIXES = (
    "/proc/",
    "/sys/",
    "/dev/",
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/zoneinfo/",
    "/usr/share/common-licenses/",
    "/usr/share/mime/",
    "/usr/share/icons/",
    "/usr/share/fonts/",
    "/usr/share/terminfo/",
    "/usr/share/perl/",
    "/usr/share/perl5/",
    "/usr/lib/locale/",
    "/var/lib/dpkg/",
    "/var/cache/debconf/",
    # code the distribution ships (pip and npm install elsewhere: /usr/local, app directories)
    "/usr/include/",
    "/usr/lib/python3/dist-packages/",
    "/usr/share/nodejs/",
    "/usr/lib/nodejs/",
    "/usr/share/javascript/",
)
# Interpreters' own libraries, as the distribution or the official images install them (not
# where applications or their dependencies go: site-packages, dist-packages, app node_modules).
_SKIP_TREES = re.compile(
    r"/usr(?:/local)?/lib/python\d+(?:\.\d+)?/(?!site-packages/|dist-packages/)"
    r"|/usr(?:/local)?/lib/node_modules/(?:npm|corepack)/"
    r"|/usr/lib/[^/]+-linux-gnu[^/]*/perl"
)
_SKIP_SUFFIXES = (
    ".so", ".a", ".o", ".pyc", ".pyo", ".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip", ".jar",
    ".war", ".whl", ".egg", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp", ".woff",
    ".woff2", ".ttf", ".otf", ".mo", ".db", ".sqlite", ".deb", ".rpm", ".apk", ".pdf", ".class",
    ".wasm", ".node", ".bin", ".dat", ".tar",
)  # fmt: skip
_NPM = re.compile(rb"(?m)^\s*(?:\S*:)?(_authToken|_auth|_password)\s*=\s*(?P<secret>\S+)")
_GIT_CRED = re.compile(rb"(?m)^[a-z][a-z0-9+.-]*://[^:/\s@]*:(?P<secret>[^@\s]+)@")
_AWS_SESSION = re.compile(rb"(?mi)^\s*aws_session_token\s*=\s*(?P<secret>\S+)")


def _wanted_path(path: str) -> bool:
    if path.startswith(_SKIP_PREFIXES) or _SKIP_TREES.match(path):
        return False
    name = posixpath.basename(path)
    if name in _CREDENTIAL_NAMES:
        return True
    return not (name.endswith(_SKIP_SUFFIXES) or ".so." in name)


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _credential_file(path: str, data: bytes) -> list[Hit]:
    """Secrets that only the file's name makes recognisable."""
    name = posixpath.basename(path)
    hits: list[Hit] = []

    def add(kind: str, description: str, match: re.Match[bytes]) -> None:
        value = match.group("secret")
        if not value.startswith(b"${"):
            secret = value.decode("utf-8", "replace")
            hits.append(Hit(kind, description, redact(secret), _line(data, match.start())))

    if path.endswith("/.docker/config.json"):
        hits.extend(_docker_auths(data))
    elif path.endswith("/.aws/credentials"):
        for m in _AWS_SESSION.finditer(data):
            add("aws-session-token", "AWS session token", m)
    elif name == ".npmrc":
        for m in _NPM.finditer(data):
            add("npm-token", f"npm registry credential ({m.group(1).decode()})", m)
    elif name == ".git-credentials":
        for m in _GIT_CRED.finditer(data):
            add("git-credentials", "git credential", m)
    elif name in (".netrc", "_netrc"):
        words = data.split()
        for i, word in enumerate(words[:-1]):
            if word == b"password":
                secret = words[i + 1].decode("utf-8", "replace")
                hits.append(Hit("netrc-password", "netrc password", redact(secret)))
    return hits


def _docker_auths(data: bytes) -> list[Hit]:
    try:
        config = load_json(data, where="Docker config")
    except DocumentError as exc:
        raise ValueError(f"invalid Docker config JSON: {exc.message}") from None
    auths = config.get("auths") if isinstance(config, dict) else None
    hits: list[Hit] = []
    if not isinstance(auths, dict):
        return hits
    for registry, value in sorted(auths.items()):
        if not isinstance(value, dict):
            continue
        for key in ("auth", "identitytoken", "password", "registrytoken"):
            secret = value.get(key)
            if isinstance(secret, str) and secret:
                hits.append(
                    Hit("docker-auth", f"Docker registry credential for {registry}", redact(secret))
                )
                break
    return hits


def scan_text(path: str, data: bytes) -> tuple[Hit, ...]:
    """All secrets in one file's contents (already known to be text)."""
    hits = list(find_tokens(data))
    hits.extend(_credential_file(path, data))
    is_key_file = posixpath.basename(path) in SSH_KEY_NAMES and data.strip()
    if is_key_file and not any(h.kind == "private-key" for h in hits):
        text = data.strip().decode("utf-8", "replace")
        hits.append(Hit("ssh-key-file", "SSH private key file", redact(text), 1))
    return tuple(hits)


@dataclass(frozen=True, slots=True)
class SecretAnalyzer:
    name: str = "secrets"
    version: str = "3"
    max_size: int = MAX_SIZE

    def wants(self, entry: FileEntry) -> bool:
        return (
            entry.type is EntryType.FILE
            and 0 < entry.size <= self.max_size
            and _wanted_path(entry.path)
        )

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        if b"\x00" in data[:8192]:
            return None
        hits = scan_text(entry.path, data)
        return hits or None


SECRETS_ANALYZER = SecretAnalyzer()
