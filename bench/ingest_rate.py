"""Ingest throughput on this machine: posts per second by kind, through the real ingest path.

    .venv/bin/python bench/ingest_rate.py [--videos 60] [--images 60] [--texts 2000]

Prints the protocol, the machine and the figures; asserts nothing. The baseline is the cost of
writing the same bytes to disk (sha256 + copy), the floor any ingest pays.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import tempfile
import time
from pathlib import Path

from reelstack.config import Settings
from reelstack.ingest.manifest import PostSpec
from reelstack.runtime.platform import Platform
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.media import make_image, make_video


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f} /s  ({seconds * 1000 / max(count, 1):6.2f} ms each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=60)
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reelstack-bench-"))
    videos = [
        make_video(work / f"v{n}.mp4", seconds=8, size=(360, 640), fps=15, seed=n)
        for n in range(args.videos)
    ]
    images = [make_image(work / f"i{n}.jpg", size=(720, 1280), seed=n) for n in range(args.images)]
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"protocol: fresh SQLite data dir; {args.videos} H.264 360x640 8 s clips, "
        f"{args.images} 720x1280 JPEGs, {args.texts} text posts; one process"
    )

    blobs = FileBlobStore(work / "baseline")
    started = time.perf_counter()
    for path in videos + images:
        with path.open("rb") as handle:
            blobs.put_stream(handle)
    elapsed = time.perf_counter() - started
    print(f"baseline (sha256 + fsync'd copy only): {_rate(len(videos) + len(images), elapsed)}")

    with Platform.open(Settings(data_dir=work / "data")) as rs:
        for label, paths in (("video", videos), ("image", images)):
            started = time.perf_counter()
            for n, path in enumerate(paths):
                result = rs.ingest.ingest_file(PostSpec(creator=f"c{n % 40}"), path)
                assert result.status == "ingested", result
            print(f"ingest {label:5}: {_rate(len(paths), time.perf_counter() - started)}")
        started = time.perf_counter()
        for n in range(args.texts):
            rs.ingest.ingest(PostSpec(creator=f"c{n % 40}", caption=f"post {n} #bench"), None, "b")
        print(f"ingest text : {_rate(args.texts, time.perf_counter() - started)}")
        started = time.perf_counter()
        for path in videos:
            rs.ingest.ingest(PostSpec(creator="dup"), io.BytesIO(path.read_bytes()), "dup")
        print(f"duplicate   : {_rate(len(videos), time.perf_counter() - started)}")


if __name__ == "__main__":
    main()
