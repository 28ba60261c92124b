"""Sign + verify latency, cosign-compatible signatures, against openssl as the floor.

    .venv/bin/python bench/sign_verify.py [--repeat N] [--record]

Measured in one run (best of N, wall-clock):
- the floor: `openssl dgst -sha256 -sign` + `-verify` of the same payload (two processes);
- caulk in-process: decrypting cosign.key (scrypt N=2^15), sign_image + verify_image on an OCI
  layout and on the real local registry (distribution 2.8);
- caulk CLI end to end (`caulk sign` / `caulk verify` against the registry: interpreter start,
  key decryption, HTTP round trips).
`--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, record_row
from tests.support import synth
from tests.support.registry import RegistryServer

from caulk.registry.options import RegistryOptions
from caulk.signing.keys import generate_key_pair, load_private_key, load_public_key
from caulk.signing.sign import sign_image, verify_image


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()
    repeat = args.repeat
    with tempfile.TemporaryDirectory(prefix="caulk-bench-sign-") as tmp_name:
        tmp = Path(tmp_name)
        pair = generate_key_pair(b"bench")
        (tmp / "cosign.key").write_bytes(pair.private_pem)
        (tmp / "cosign.pub").write_bytes(pair.public_pem)
        key = load_private_key(pair.private_pem, lambda: b"bench", where="cosign.key")
        public = load_public_key(pair.public_pem, where="cosign.pub")
        from cryptography.hazmat.primitives import serialization

        (tmp / "plain.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        layout = synth.oci_layout(tmp / "img", [synth.tar([synth.file("/a", b"bench")])])
        ref = f"oci:{layout}:latest"
        sign_image(ref, key, identity="registry.example/bench/app")
        payload = next(
            p for p in (layout / "blobs" / "sha256").iterdir() if b"critical" in p.read_bytes()
        )

        def openssl() -> None:
            subprocess.run(
                [
                    "openssl",
                    "dgst",
                    "-sha256",
                    "-sign",
                    tmp / "plain.pem",
                    "-out",
                    tmp / "s",
                    payload,
                ],
                check=True,
            )
            subprocess.run(
                [
                    "openssl",
                    "dgst",
                    "-sha256",
                    "-verify",
                    tmp / "cosign.pub",
                    "-signature",
                    tmp / "s",
                    payload,
                ],
                check=True,
                capture_output=True,
            )

        floor = best(openssl, repeat)
        unlock = best(
            lambda: load_private_key(pair.private_pem, lambda: b"bench", where="k"), repeat
        )
        layout_sv = best(
            lambda: (
                sign_image(ref, key, identity="registry.example/bench/app"),
                verify_image(ref, public),
            ),
            repeat,
        )
        with RegistryServer.start(tmp / "registry") as registry:
            trusted = RegistryOptions(insecure=frozenset({registry.host}))
            remote = f"{registry.host}/bench/app:1.0"
            subprocess.run(
                [
                    "skopeo",
                    "copy",
                    "-q",
                    "--dest-tls-verify=false",
                    f"oci:{layout}:latest",
                    f"docker://{remote}",
                ],
                check=True,
            )
            registry_sv = best(
                lambda: (
                    sign_image(remote, key, registry=trusted),
                    verify_image(remote, public, registry=trusted),
                ),
                repeat,
            )
            env = {**os.environ, "CAULK_PASSWORD": "bench"}
            cli = [sys.executable, "-m", "caulk.cli.main"]
            common = ["--key"]

            def cli_sign() -> None:
                subprocess.run(
                    [
                        *cli,
                        "sign",
                        remote,
                        *common,
                        tmp / "cosign.key",
                        "--insecure-registry",
                        registry.host,
                    ],
                    check=True,
                    env=env,
                    capture_output=True,
                )

            def cli_verify() -> None:
                subprocess.run(
                    [
                        *cli,
                        "verify",
                        remote,
                        *common,
                        tmp / "cosign.pub",
                        "--insecure-registry",
                        registry.host,
                    ],
                    check=True,
                    env=env,
                    capture_output=True,
                )

            cli_s = best(cli_sign, max(2, repeat // 2))
            cli_v = best(cli_verify, max(2, repeat // 2))
    rows = [
        ("openssl sign+verify (2 processes, floor)", floor, None),
        ("cosign.key decryption (scrypt N=2^15)", unlock, None),
        ("sign+verify, OCI layout, in-process", layout_sv, layout_sv / floor),
        ("sign+verify, registry, in-process", registry_sv, registry_sv / floor),
        ("caulk sign CLI (registry, incl. unlock)", cli_s, None),
        ("caulk verify CLI (registry)", cli_v, None),
        ("caulk sign + verify CLI", cli_s + cli_v, (cli_s + cli_v) / floor),
    ]
    print(f"machine: {machine()}")
    for label, seconds, ratio in rows:
        extra = f"  ({ratio:.2f}x floor)" if ratio is not None else ""
        print(f"{label:<42}: {seconds * 1000:8.1f} ms{extra}")
    if args.record:
        cells = []  # ms, each followed by its ratio to the floor when it has one
        for _label, seconds, ratio in rows:
            cells.append(f"{seconds * 1000:.1f}")
            if ratio is not None:
                cells.append(f"{ratio:.2f}x")
        record_row("sign_verify", "| " + " | ".join([machine(), *cells]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
