"""Writing a key pair to disk: `PREFIX.key` private from its first byte, nothing followed.

Each file goes to a new `caulk.localfiles.temp_path` beside it (`O_CREAT|O_EXCL|O_NOFOLLOW`, 0600),
is synced, given its mode, then renamed over the name (`--force`) or hard-linked to it (fails if
the name exists, even as a dangling symlink). An old 0644 `cosign.key` therefore never lends its
mode to the new key, and a symlink planted at the key's name is replaced, never written through.
"""

from __future__ import annotations

import os
from pathlib import Path

from caulk.errors import OperationalError, UsageError
from caulk.localfiles import current_umask, temp_path
from caulk.signing.keys import KeyPair

__all__ = ["write_key_pair"]


def _publish(data: bytes, path: Path, mode: int, *, force: bool) -> None:
    """Write `data` to a new private temp file beside `path` (`O_EXCL|O_NOFOLLOW`, 0600), set
    `mode`, then rename it over `path` (`force`) or hard-link it there (fails if anything, even a
    dangling symlink, has the name). Never writes through a symlink."""
    with temp_path(path.parent, path.name) as tmp:
        with os.fdopen(os.dup(tmp.fd), "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.fchmod(tmp.fd, mode)
        if force:
            tmp.path.replace(path)
        else:
            os.link(tmp.path, path, follow_symlinks=False)


def write_key_pair(pair: KeyPair, prefix: str, *, force: bool = False) -> tuple[Path, Path]:
    """Write `PREFIX.key` (0600) and `PREFIX.pub`; refuse (UsageError) to replace existing names
    unless `force`. Returns both paths."""
    private_path, public_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    try:
        if not force:
            for path in (private_path, public_path):
                if os.path.lexists(path):
                    raise FileExistsError(0, "exists", str(path))
        _publish(pair.private_pem, private_path, 0o600, force=force)
        _publish(pair.public_pem, public_path, 0o644 & ~current_umask(), force=force)
    except FileExistsError as exc:
        where = str(exc.filename2 or exc.filename)  # os.link names the new path second
        message = "refusing to overwrite an existing key (use --force)"
        raise UsageError(message, where=where) from None
    except OSError as exc:
        where = str(exc.filename or private_path.parent)
        raise OperationalError(f"cannot write: {exc.strerror}", where=where) from None
    return private_path, public_path
