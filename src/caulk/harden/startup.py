"""The programs an image runs by itself: what its config's Entrypoint, Cmd and Healthcheck need,
resolved inside the image (the image's own PATH, symlinks followed in the view, never the host).

- The program of Entrypoint (or of Cmd when there is no Entrypoint) is needed. With an
  Entrypoint, Cmd's first word is needed too when it names an executable of the image (entrypoint
  scripts usually `exec "$@"`).
- A shell run with `-c SCRIPT` (the shell form `/bin/sh -c "…"`, Healthcheck `CMD-SHELL`) needs
  the shell and every command of the script that is not a shell builtin (`exec X` needs X).
- A small script starting with `#!` needs its interpreter (one level deep).

`startup_needs` lists them; `unmet_needs` pairs each with the removal that would delete it."""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from caulk.check.dockerfile.shell import SHELLS, analyze
from caulk.check.dockerfile.words import iter_words, unquote
from caulk.errors import ImageFormatError
from caulk.fs.interface import EntryType, LayerView
from caulk.fs.toolnames import DEFAULT_PATH
from caulk.harden.content import read_member
from caulk.harden.paths import normalise, real_path
from caulk.harden.plan import Removal
from caulk.harden.removals import is_removed
from caulk.source.interface import Image, ImageConfig

__all__ = ["Need", "image_path_dirs", "startup_needs", "unmet_needs"]

log = logging.getLogger(__name__)

_SHEBANG_MAX = 64 * 1024  # larger files are not scripts worth reading again
_BUILTINS = frozenset(
    {":", ".", "[", "alias", "break", "cd", "command", "continue", "echo", "eval", "exit",
     "export", "false", "getopts", "hash", "printf", "pwd", "read", "readonly", "return", "set",
     "shift", "source", "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias",
     "unset", "wait", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for",
     "case", "esac", "in", "{", "}", "!", "[["}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Need:
    """A program the image runs at start. `names` are the image paths that reach it (the spelled
    path, symlinks on the way, the final file): removing any of them breaks the start."""

    source: str  # "Entrypoint", "Cmd", "Healthcheck"
    program: str  # as written in the config or the script
    names: tuple[str, ...]  # real paths, first the spelled one, last the file
    via: str = ""  # "" | "sh -c script" | "#! of /path"

    @property
    def path(self) -> str:
        return self.names[-1]


def image_path_dirs(config: ImageConfig) -> tuple[str, ...]:
    """The image's own PATH (the config's `PATH=`), else the default one."""
    for item in config.env:
        if item.startswith("PATH="):
            return tuple(d for d in item[5:].split(":") if d.startswith("/"))
    return DEFAULT_PATH


def _chain(view: LayerView, spelled: str) -> tuple[str, ...] | None:
    """Real paths from `spelled` through each symlink to the final executable file."""
    names: list[str] = []
    current = real_path(view, spelled)
    for _ in range(40):
        if current is None:
            return None
        entry = view.get(current)
        if entry is None:
            return None
        names.append(current)
        if entry.type is not EntryType.SYMLINK:
            ok = entry.type in (EntryType.FILE, EntryType.HARDLINK)
            return tuple(names) if ok else None
        target = entry.link or ""
        base = "/" if target.startswith("/") else posixpath.dirname(current)
        current = real_path(view, posixpath.join(base, target))
    return None


def resolve_program(
    view: LayerView, word: str, dirs: Iterable[str], workdir: str = "/"
) -> tuple[str, ...] | None:
    """The chain of real paths of a command word (`/bin/sh`, `nginx`, `./run`), or None."""
    if "/" in word:
        return _chain(view, normalise(posixpath.join(workdir or "/", word)))
    for directory in dirs:
        chain = _chain(view, posixpath.join(directory, word))
        if chain is not None:
            entry = view.get(chain[-1])
            if entry is not None and entry.mode & 0o111:
                return chain
    return None


def _shebang(image: Image, view: LayerView, path: str) -> list[str]:
    entry = view.get(path)
    if entry is None or entry.type is not EntryType.FILE or not 2 < entry.size <= _SHEBANG_MAX:
        return []
    try:
        data = read_member(image, entry.layer, path, max_size=_SHEBANG_MAX)
    except ImageFormatError as exc:  # written through a symlinked directory: not worth a search
        log.debug("cannot read %s for its #! line: %s", path, exc)
        return []
    if not data.startswith(b"#!"):
        return []
    line = data[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    if line and posixpath.basename(line[0]) == "env" and len(line) > 1:
        return [w for w in line[1:] if not w.startswith("-")][:1]
    return line[:1]


def _script_words(script: str) -> Iterator[str]:
    """Command words of a shell script (`exec X` gives X), builtins left out."""
    parsed = analyze(script)
    for command in parsed.commands:
        first = next(iter_words(script[command.start :]), None)
        word = unquote(first[0]) if first else command.name
        if command.name == "exec" and command.args:
            word = command.args[0]
        if posixpath.basename(word) in _BUILTINS or "$" in word:
            continue
        yield word


@dataclass
class _Collector:
    image: Image
    view: LayerView
    dirs: tuple[str, ...]
    workdir: str
    found: list[Need]

    def add(self, source: str, word: str, via: str = "", *, required: bool = True) -> None:
        chain = resolve_program(self.view, word, self.dirs, self.workdir)
        if chain is None:
            if required:
                log.debug("%s program %r not found in the image", source, word)
            return
        if any(n.names == chain and n.source == source for n in self.found):
            return
        self.found.append(Need(source, word, chain, via))
        if not via:  # one level of #!
            for interpreter in _shebang(self.image, self.view, chain[-1]):
                self.add(source, interpreter, f"#! of {chain[-1]}")

    def argv(self, source: str, argv: tuple[str, ...], *, required: bool = True) -> None:
        if not argv:
            return
        self.add(source, argv[0], required=required)
        program = posixpath.basename(argv[0])
        if program in SHELLS and len(argv) >= 3 and argv[1].startswith("-") and "c" in argv[1]:
            for word in _script_words(argv[2]):
                self.add(source, word, f"{program} -c script")


def startup_needs(image: Image, view: LayerView) -> tuple[Need, ...]:
    config = image.config
    collector = _Collector(image, view, image_path_dirs(config), config.working_dir, [])
    if config.entrypoint:  # the runtime runs Entrypoint + Cmd (`["/bin/sh", "-c"]` + script)
        collector.argv("Entrypoint", (*config.entrypoint, *(config.cmd or ())))
        collector.argv("Cmd", config.cmd or (), required=False)
    else:
        collector.argv("Cmd", config.cmd or ())
    check = config.healthcheck or ()
    if check and check[0] == "CMD":
        collector.argv("Healthcheck", check[1:])
    elif check and check[0] == "CMD-SHELL" and len(check) > 1:
        collector.argv("Healthcheck", ("/bin/sh", "-c", check[1]))
    return tuple(collector.found)


def unmet_needs(needs: Iterable[Need], removals: Iterable[Removal]) -> list[tuple[Need, Removal]]:
    """Each need some removal deletes (any of its names, or a directory above one)."""
    by_path = {r.path: r for r in removals}
    removed = set(by_path)
    unmet = []
    for need in needs:
        for name in need.names:
            if is_removed(name, removed):
                hit = name
                while hit not in by_path:
                    hit = posixpath.dirname(hit)
                unmet.append((need, by_path[hit]))
                break
    return unmet
