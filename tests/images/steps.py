"""The build steps: mmdebstrap base images, hand-made layers, `umoci insert`, config; all logged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.images.layers import write_layer_tar
from tests.images.layout import read_files
from tests.images.recipes import EPOCH, EPOCH_ISO, Recipe

__all__ = ["BuildError", "build_base", "build_derived", "run_logged"]

_DPKG_SLIM = (
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
)
_MERGED_USR_HOOK = "/usr/share/mmdebstrap/hooks/maybe-merged-usr"


class BuildError(RuntimeError):
    """A build step failed; the message ends with the tail of the build log."""


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "LC_ALL": "C.UTF-8", "TZ": "UTC"}


def run_logged(cmd: Sequence[str | Path], logfile: Path, **kw: object) -> None:
    with open(logfile, "ab") as out:
        out.write(("$ " + " ".join(map(str, cmd)) + "\n").encode())
        out.flush()
        proc = subprocess.run(list(map(str, cmd)), stderr=out, env=_env(), check=False, **kw)  # type: ignore[call-overload]
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-15:]
        raise BuildError(f"{cmd[0]} failed (exit {proc.returncode}):\n" + "\n".join(tail))


def _umoci_config(layout: Path, r: Recipe, logfile: Path, *, base: bool) -> None:
    img = f"{layout}:latest"
    hist = ("--history.created", EPOCH_ISO)
    common = ("umoci", "config", "--image", img, "--created", EPOCH_ISO, *hist)
    if base:
        cmd_args = [a for c in r.cmd for a in ("--config.cmd", c)]
        run_logged(
            [
                *common,
                "--os",
                "linux",
                "--architecture",
                "amd64",
                *cmd_args,
                "--history.created_by",
                f"CMD {json.dumps(list(r.cmd))}",
            ],
            logfile,
        )
    if r.env:
        env_args = [a for e in r.env for a in ("--config.env", e)]
        run_logged([*common, *env_args, "--history.created_by", "ENV " + " ".join(r.env)], logfile)
    for key, value in r.labels:
        run_logged(
            [
                *common,
                "--config.label",
                f"{key}={value}",
                "--history.created_by",
                f"LABEL {key}={json.dumps(value)}",
            ],
            logfile,
        )
    if r.user is not None:
        run_logged(
            [*common, "--config.user", r.user, "--history.created_by", f"USER {r.user}"], logfile
        )


def build_base(r: Recipe, work: Path, logfile: Path) -> Path:
    assert r.suite is not None
    rootfs = work / "rootfs.tar"
    include = [f"--include={','.join(r.include)}"] if r.include else []
    with open(rootfs, "wb") as out, open(logfile, "ab") as errlog:
        deb = subprocess.Popen(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                "--architectures=amd64",
                f"--hook-dir={_MERGED_USR_HOOK}",
                *_DPKG_SLIM,
                *include,
                r.suite,
                "-",
            ],
            stdout=subprocess.PIPE,
            stderr=errlog,
            env=_env(),
        )
        flt = subprocess.run(
            ["mmtarfilter", "--path-exclude=/dev/*"],
            stdin=deb.stdout,
            stdout=out,
            stderr=errlog,
            env=_env(),
            check=False,
        )
        assert deb.stdout is not None
        deb.stdout.close()
        if deb.wait() != 0 or flt.returncode != 0:
            tail = logfile.read_text(errors="replace").splitlines()[-15:]
            raise BuildError(f"mmdebstrap {r.suite} failed:\n" + "\n".join(tail))
    layout = work / "oci"
    run_logged(["umoci", "init", "--layout", layout], logfile)
    run_logged(["umoci", "new", "--image", f"{layout}:latest"], logfile)
    what = f"mmdebstrap --variant=minbase {r.suite}" + (
        f" +{','.join(r.include)}" if r.include else ""
    )
    run_logged(
        [
            "umoci",
            "raw",
            "add-layer",
            "--image",
            f"{layout}:latest",
            "--history.created",
            EPOCH_ISO,
            "--history.created_by",
            what,
            rootfs,
        ],
        logfile,
    )
    rootfs.unlink()
    _umoci_config(layout, r, logfile, base=True)
    return layout


def build_derived(r: Recipe, base_layout: Path, work: Path, logfile: Path) -> Path:
    """`r`'s layers on a copy of `base_layout` (the image `r.base`), in `work/oci`."""
    layout = work / "oci"
    shutil.copytree(base_layout, layout)
    img = f"{layout}:latest"
    copies = sorted({e.copy_from for s in r.layers for e in s.entries if e.copy_from})
    files, dir_modes = read_files(base_layout, copies)
    for i, spec in enumerate(r.layers):
        tar_path = work / f"layer{i}.tar"
        write_layer_tar(spec, files, dir_modes, tar_path, work / f"stage{i}")
        dir_modes.update({e.path: e.mode for e in spec.entries if e.kind == "dir"})
        run_logged(
            [
                "umoci",
                "raw",
                "add-layer",
                "--image",
                img,
                "--history.created",
                EPOCH_ISO,
                "--history.created_by",
                spec.created_by,
                "--history.comment",
                spec.comment,
                tar_path,
            ],
            logfile,
        )
        tar_path.unlink()
    if r.insert:
        src = work / "insert-src"
        src.mkdir()
        for name, data in r.insert:
            (src / name).write_bytes(data)
            os.utime(src / name, (EPOCH, EPOCH))
        os.utime(src, (EPOCH, EPOCH))
        run_logged(
            [
                "umoci",
                "insert",
                "--image",
                img,
                "--history.created",
                EPOCH_ISO,
                "--history.created_by",
                f"umoci insert {r.insert_target}",
                src,
                r.insert_target,
            ],
            logfile,
        )
    _umoci_config(layout, r, logfile, base=False)
    return layout
