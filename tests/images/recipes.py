"""What each real test image contains, as data. `build.py` turns a `Recipe` into an OCI layout.

Every byte an image holds is decided here (or by Debian's archive for the mmdebstrap base layers),
so the recipe's hash is the cache key: change a recipe and that image (and the images built on it)
rebuild. Secrets are *test* material generated deterministically (fixed seeds), never real ones.

Images:
- `bookworm`, `bullseye`, `trixie`: mmdebstrap minbase, one layer.
- `bookworm-tools`: bookworm + curl, ca-certificates, netcat-openbsd, python3 in one layer (~50 MB).
- `bookworm-pip-npm`: bookworm + python3, python3-pip, npm in one layer (the vulnerability scan
  benchmark adds old PyPI and npm packages on top, see bench/scan_vulns.py).
- `bookworm-layers`: the bookworm base layer + 4 layers with setuid copies, a hardlink, secrets,
  real whiteouts, overwrites, an opaque directory, apt leftovers and a world-writable dir.
- `bookworm-umoci-insert`: bookworm + one layer written by `umoci insert` (no tar trailer).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

__all__ = [
    "EPOCH",
    "RECIPES",
    "TEST_SECRETS",
    "Entry",
    "LayerSpec",
    "Recipe",
    "recipe",
]

# 2023-11-14T22:13:20Z: every timestamp in every test image.
EPOCH = 1_700_000_000
EPOCH_ISO = "2023-11-14T22:13:20Z"

# Bump when build.py changes how images are made (not what they contain): rebuilds everything.
BUILDER_VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar member of a hand-made layer. `path` is absolute inside the image.

    kind: file | dir | symlink | hardlink | whiteout (hides `path`) | opaque (`path` is the dir).
    `copy_from` takes a regular file's bytes from the image below (path in that image).
    """

    path: str
    kind: str = "file"
    mode: int = 0o644
    data: bytes = b""
    copy_from: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class LayerSpec:
    created_by: str
    entries: tuple[Entry, ...]
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Recipe:
    """An image: either an mmdebstrap `suite` base or an image on top of `base` (another recipe)."""

    name: str
    suite: str | None = None
    include: tuple[str, ...] = ()
    base: str | None = None
    layers: tuple[LayerSpec, ...] = ()
    # Files written into one layer by Debian's `umoci insert` (path -> bytes), target dir below.
    insert: tuple[tuple[str, bytes], ...] = ()
    insert_target: str = ""
    user: str | None = None
    env: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ("/bin/bash",)
    labels: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def key(self) -> str:
        """A short hash of everything that decides the image's bytes (base recipes included)."""
        base_key = RECIPES[self.base].key() if self.base else ""
        blob = json.dumps(
            {"builder": BUILDER_VERSION, "base": base_key, "recipe": asdict(self)},
            sort_keys=True,
            default=lambda b: b.hex() if isinstance(b, bytes) else str(b),
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"caulk test secret: {label}".encode()).digest()


def _ec_key_pem(label: str) -> bytes:
    """A real P-256 private key (traditional OpenSSL PEM, as `openssl ecparam -genkey` writes)."""
    scalar = int.from_bytes(_seed(label), "big") % (2**255)
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _ed25519_key_pem(label: str) -> bytes:
    """A real Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(_seed(label))
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _token(label: str, alphabet: str, length: int) -> str:
    digest = _seed(label) + _seed(label + "/2")
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


_UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# The fake secrets, by name, so tests can assert a scanner found exactly these.
TEST_SECRETS: dict[str, str] = {
    "aws_access_key_id": "AKIA" + _token("aws-id", _UPPER32, 16),
    "aws_secret_access_key": _token("aws-secret", _B62 + "+/", 40),
    "github_token": "ghp_" + _token("github", _B62, 36),
    "npm_token": "npm_" + _token("npm", _B62, 36),
    "env_aws_secret": _token("env-aws-secret", _B62 + "+/", 40),
    "env_db_password": "Pw-" + _token("db", _B62, 20),
}

_S = TEST_SECRETS


def _aws_credentials() -> bytes:
    return (
        "[default]\n"
        f"aws_access_key_id = {_S['aws_access_key_id']}\n"
        f"aws_secret_access_key = {_S['aws_secret_access_key']}\n"
        "region = eu-west-1\n"
    ).encode()


def _docker_config() -> bytes:
    import base64

    auth = base64.b64encode(b"caulk-ci:" + _S["env_db_password"].encode()).decode()
    return json.dumps({"auths": {"registry.example.invalid": {"auth": auth}}}, indent=2).encode()


def _apt_leftovers() -> tuple[Entry, ...]:
    """What `apt-get update && apt-get install -d` leaves when nobody cleans up."""
    lists = "/var/lib/apt/lists/mirror.example.invalid_debian_dists_bookworm"
    packages = "".join(
        f"Package: {name}\nVersion: {ver}\nArchitecture: amd64\nFilename: pool/main/{name[0]}/"
        f"{name}/{name}_{ver}_amd64.deb\nSize: {size}\n\n"
        for name, ver, size in (
            ("curl", "7.88.1-10+deb12u8", 315824),
            ("netcat-openbsd", "1.219-1", 41232),
            ("wget", "1.21.3-1+b2", 984692),
        )
    ).encode()
    release = b"Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\n"
    return (
        Entry(f"{lists}_InRelease", data=release),
        Entry(f"{lists}_main_binary-amd64_Packages", data=packages),
        Entry("/var/lib/apt/lists/lock", mode=0o640),
        Entry("/var/cache/apt/pkgcache.bin", data=b"\x98\xfe\x76\x12" + bytes(4092)),
        Entry("/var/cache/apt/srcpkgcache.bin", data=b"\x98\xfe\x76\x12" + bytes(2044)),
        Entry(
            "/var/cache/apt/archives/netcat-openbsd_1.219-1_amd64.deb",
            data=b"!<arch>\ndebian-binary   " + bytes(4096),
        ),
        Entry("/var/cache/apt/archives/lock", mode=0o640),
        Entry("/root/.cache/pip/http-v2/a/b/c/d/e/abcdef0123456789", data=bytes(2048)),
    )


_BIG = hashlib.shake_256(b"caulk big file").digest(1 << 20)  # 1 MiB, deleted in layer 3

_LAYER_ADD = LayerSpec(
    created_by=(
        "/bin/sh -c curl -fsSL https://install.example.invalid/setup.sh | sh"
        " && cp /usr/bin/dash /usr/local/bin/rootshell && chmod 4755 /usr/local/bin/rootshell"
    ),
    entries=(
        Entry("/usr/local/bin/rootshell", mode=0o4755, copy_from="/usr/bin/dash"),
        Entry("/usr/local/bin/rootshell-link", kind="hardlink", target="/usr/local/bin/rootshell"),
        Entry("/usr/local/bin/groupcat", mode=0o2755, copy_from="/usr/bin/cat"),
        Entry("/usr/local/bin/sh2", kind="symlink", target="/usr/bin/dash", mode=0o777),
        Entry("/root", kind="dir", mode=0o700),
        Entry("/root/.ssh", kind="dir", mode=0o700),
        Entry("/root/.ssh/id_ecdsa", mode=0o600, data=_ec_key_pem("id_ecdsa")),
        Entry("/root/.aws", kind="dir", mode=0o700),
        Entry("/root/.aws/credentials", mode=0o600, data=_aws_credentials()),
        Entry("/root/.docker", kind="dir", mode=0o700),
        Entry("/root/.docker/config.json", mode=0o600, data=_docker_config()),
        Entry(
            "/app/.npmrc", data=f"//npm.example.invalid/:_authToken={_S['npm_token']}\n".encode()
        ),
        Entry(
            "/app/settings.py",
            data=f'DEBUG = False\nGITHUB_TOKEN = "{_S["github_token"]}"\n'.encode(),
        ),
        Entry("/etc/ssl/private", kind="dir", mode=0o710),
        Entry("/etc/ssl/private/server.key", mode=0o600, data=_ed25519_key_pem("server.key")),
        Entry("/opt/data/big.bin", data=_BIG),
        Entry("/opt/data/config.txt", data=b"mode=first\n"),
        Entry("/opt/olddir/a.txt", data=b"a" * 10_000),
        Entry("/opt/olddir/sub/b.txt", data=b"b" * 20_000),
        Entry("/opt/cache/stale-1.bin", data=b"1" * 30_000),
        Entry("/opt/cache/stale-2.bin", data=b"2" * 40_000),
        Entry("/srv/shared", kind="dir", mode=0o777),
        Entry("/srv/shared/notes.txt", mode=0o666, data=b"anyone can write me\n"),
        Entry("/srv/sticky", kind="dir", mode=0o1777),
    ),
)

_LAYER_DELETE = LayerSpec(
    created_by=(
        "/bin/sh -c rm -rf /etc/ssl/private/server.key /opt/data/big.bin /opt/olddir /usr/bin/chfn"
        " && echo mode=second > /opt/data/config.txt && chmod 0755 /usr/bin/newgrp"
    ),
    entries=(
        Entry("/etc/ssl/private/server.key", kind="whiteout"),
        Entry("/opt/data/big.bin", kind="whiteout"),
        Entry("/opt/olddir", kind="whiteout"),
        Entry("/usr/bin/chfn", kind="whiteout"),
        Entry("/opt/data/config.txt", data=b"mode=second\n"),
        Entry("/usr/bin/newgrp", mode=0o755, copy_from="/usr/bin/newgrp"),
        Entry("/etc/motd", data=b"Welcome to a caulk test image.\n"),
    ),
)

_LAYER_OPAQUE = LayerSpec(
    created_by="ADD https://downloads.example.invalid/cache.tar.gz /opt/cache/",
    entries=(
        Entry("/opt/cache", kind="opaque"),
        Entry("/opt/cache/fresh.txt", data=b"fresh\n"),
    ),
)

_LAYER_APT = LayerSpec(
    created_by=(
        "/bin/sh -c apt-get update && apt-get install -y --download-only netcat-openbsd"
        " && pip download requests"
    ),
    entries=_apt_leftovers(),
)

_PATH = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)

_RECIPES: tuple[Recipe, ...] = (
    Recipe("bookworm", suite="bookworm", env=_PATH, description="Debian 12 minbase"),
    Recipe("bullseye", suite="bullseye", env=_PATH, description="Debian 11 minbase"),
    Recipe("trixie", suite="trixie", env=_PATH, description="Debian 13 minbase"),
    Recipe(
        "bookworm-tools",
        suite="bookworm",
        include=("curl", "ca-certificates", "netcat-openbsd", "python3"),
        env=_PATH,
        description="Debian 12 minbase + curl, netcat, python3 (one layer, ~50 MB gz)",
    ),
    Recipe(
        "bookworm-pip-npm",
        suite="bookworm",
        include=("python3", "python3-pip", "npm"),
        env=_PATH,
        description="Debian 12 minbase + python3, pip, npm (Debian's nodejs and node-* packages)",
    ),
    Recipe(
        "bookworm-layers",
        base="bookworm",
        layers=(_LAYER_ADD, _LAYER_DELETE, _LAYER_OPAQUE, _LAYER_APT),
        user="0:0",
        env=(
            f"AWS_SECRET_ACCESS_KEY={_S['env_aws_secret']}",
            f"DB_PASSWORD={_S['env_db_password']}",
            "APP_MODE=production",
        ),
        labels=(("org.opencontainers.image.title", "caulk bookworm-layers test image"),),
        description="multi-layer: setuid, secrets, whiteouts, opaque dir, apt leftovers",
    ),
    Recipe(
        "bookworm-umoci-insert",
        base="bookworm",
        insert=(("hello.txt", b"inserted by umoci insert\n"), ("data.bin", bytes(3000))),
        insert_target="/opt/inserted",
        description="bookworm + a layer by `umoci insert` (tar lacks the end-of-archive trailer)",
    ),
)

RECIPES: dict[str, Recipe] = {r.name: r for r in _RECIPES}


def recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise KeyError(f"no test image recipe {name!r}; known: {', '.join(RECIPES)}") from None
