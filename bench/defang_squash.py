"""`caulk defang --squash` on a real test image: output layer bytes vs. the input's compressed
bytes (target: at most 1.0, issue 10), and time vs. re-compressing the same content with pigz.

    .venv/bin/python bench/defang_squash.py [--image NAME] [--repeat N] [--record]

- caulk: `python -m caulk.cli.main defang oci:IMAGE --squash -o oci:TMP` end to end (reads the
  image, stages every file, writes the tar once, tries codecs until one is within the input size);
  the codec chosen and every size tried come from its output;
- floor/peer: `pigz -dc LAYER | pigz -6 >OUT` over all layers: decompress and re-gzip the same
  bytes at zlib's default level, with no filesystem work at all.
`--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from common import best, machine, record_row, run, run_shell

_LAYER = re.compile(r"layer    (.+?): (\d+) bytes; input (\d+) bytes compressed \(tried (.*)\)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="bookworm", help="tests/images recipe")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from tests.images.build import ensure_image, layer_blobs

    layout = ensure_image(args.image)
    blobs = layer_blobs(layout)
    input_bytes = sum(b.stat().st_size for b in blobs)
    with tempfile.TemporaryDirectory() as tmp:
        pigz = " ; ".join(f"pigz -dc {b} | pigz -6 >{tmp}/peer.{i}.gz" for i, b in enumerate(blobs))
        floor = best([run_shell(pigz) for _ in range(args.repeat)])
        peer_bytes = sum(p.stat().st_size for p in Path(tmp).glob("peer.*.gz"))
        cmd = [sys.executable, "-m", "caulk.cli.main", "defang", f"oci:{layout}:latest",
               "--squash", "-o", f"oci:{tmp}/out:s"]  # fmt: skip
        caulk = best([run(cmd) for _ in range(args.repeat)])
    match = _LAYER.search(caulk.stdout.decode())
    if match is None:
        raise SystemExit(f"no layer line in caulk's output:\n{caulk.stdout.decode()}")
    codec, out_bytes, tried = match.group(1), int(match.group(2)), match.group(4)
    size_ratio = out_bytes / input_bytes
    time_ratio = caulk.seconds / floor.seconds
    print(f"image {args.image}: input {input_bytes} bytes compressed, {len(blobs)} layer(s)")
    print(f"pigz -dc | pigz -6   {floor.seconds:7.2f} s  {peer_bytes} bytes")
    print(
        f"caulk --squash       {caulk.seconds:7.2f} s  {out_bytes} bytes ({codec}; tried {tried})"
    )
    print(
        f"output / input bytes {size_ratio:.3f} (target <= 1.0); "
        f"caulk / pigz time {time_ratio:.2f}x"
    )
    if args.record:
        record_row(
            "defang_squash",
            f"| {machine()} | defang_squash | {args.image} | {input_bytes} | {peer_bytes} | "
            f"{floor.seconds:.2f} | {out_bytes} | {codec} | {caulk.seconds:.2f} | "
            f"{size_ratio:.3f} | {time_ratio:.2f}x | {caulk.max_rss_kib // 1024} |",
        )
    return 0 if size_ratio <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
