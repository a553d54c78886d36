"""Understanding cost per stage on demo clips, beside a naive baseline in the same run.

    .venv/bin/python bench/understand.py [--data reelstack-data] [--clips 12] [--naive 3]

Protocol: clips are the demo corpus's videos (build it with `reelstack demo --no-serve`).
Pipeline: every stage for one clip at a time (per-stage ms per video: median and p90), then
the same clips in batches of `batch_size` (videos per minute). Naive baseline on a few clips:
decode every frame, OCR every frame, classify every frame one call at a time. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import statistics
import tempfile
import time
from pathlib import Path

import av

from reelstack.config import Settings
from reelstack.runtime.platform import Platform
from reelstack.storage.blobs import FileBlobStore
from reelstack.understand.pipeline import Pipeline
from reelstack.understand.service import default_stages
from reelstack.understand.stage import Post


def _clips(data: Path, count: int) -> list[Path]:
    manifest = data / "demo-corpus" / "manifest.jsonl"
    if not manifest.is_file():
        raise SystemExit(f"no demo corpus in {data}: run `reelstack demo --data {data} --no-serve`")
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    videos = [manifest.parent / r["media"] for r in rows if r.get("media", "").endswith(".mp4")]
    return videos[:count]


def _post(path: Path) -> Post:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else None
        has_audio = bool(container.streams.audio)
    return Post(None, "video", path, duration_s=duration, has_audio=has_audio)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pipeline_figures(platform: Platform, clips: list[Path]) -> None:
    stages = default_stages(platform.models, platform.settings.understand)
    per_stage: dict[str, list[float]] = {s.name: [] for s in stages}
    with tempfile.TemporaryDirectory() as tmp:
        one = Pipeline(stages, FileBlobStore(Path(tmp)), None, batch_size=1)
        one.run_posts([("warm-up", _post(clips[0]))])  # model loads are not per-video cost
        for clip in clips:
            report, _ = one.run_posts([(str(clip), _post(clip))])
            for name in per_stage:
                per_stage[name].append(report.seconds.get(name, 0.0) * 1000)
        print("per-stage ms per video (one clip at a time):")
        for name, values in per_stage.items():
            print(f"  {name:<11} median {statistics.median(values):8.1f}   "
                  f"p90 {_percentile(values, 0.9):8.1f}")  # fmt: skip
        size = platform.settings.understand.batch_size
        batched = Pipeline(stages, FileBlobStore(Path(tmp) / "b"), None, batch_size=size)
        started = time.perf_counter()
        batched.run_posts([(str(c), _post(c)) for c in clips])
        elapsed = time.perf_counter() - started
        print(f"batched (batch_size={size}): {len(clips) / elapsed * 60:.1f} videos/minute")


def naive_figures(platform: Platform, clips: list[Path]) -> None:
    """Decode every frame, OCR every frame, classify every frame with one call each."""
    ocr = platform.models.load("ocr-rapidocr")
    net = platform.models.load("image-efficientnet-lite0")
    frames_total, started = 0, time.perf_counter()
    for clip in clips:
        with av.open(str(clip)) as container:
            for frame in container.decode(video=0):
                image = frame.to_image()
                ocr(frame.to_ndarray(format="rgb24"))
                net([image])
                frames_total += 1
    elapsed = time.perf_counter() - started
    print(f"naive baseline: {elapsed / len(clips) * 1000:.0f} ms per video "
          f"({frames_total / len(clips):.0f} frames each), "
          f"{len(clips) / elapsed * 60:.1f} videos/minute")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("reelstack-data"))
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--naive", type=int, default=3, help="clips for the naive baseline")
    args = parser.parse_args()
    clips = _clips(args.data, args.clips)
    print(f"machine: {host.machine()} {os.cpu_count()} cores, Python {host.python_version()}")
    print(f"data: {len(clips)} demo clips from {args.data} (vertical, 5-15 s, 12 fps)")
    with Platform.open(Settings(data_dir=args.data)) as platform:
        pipeline_figures(platform, clips)
        naive_figures(platform, clips[: args.naive])


if __name__ == "__main__":
    main()
