"""Hash banks: catching the demo's re-uploads, false matches, and lookup speed.

    .venv/bin/python bench/hashbank.py [--seeds 29 31 37] [--others 60] [--work DIR]

Protocol. For each seed, the demo corpus is planned with its own functions (320 posts, as
`reelstack demo` does) and rendered with its own renderer: the banned clip, its re-uploads
(zoomed 2-8 %, brighter or darker, resized, re-encoded) and the first ``--others`` other
videos of the plan (spoken audio left out: hashing ignores it). Every clip is hashed as the
Understand stages hash an upload. Each seed's banned clip is banked (``add_media``) and every
clip of every seed is matched against each bank. Two kinds of non-copies are counted apart:
the other demo clips (other posts, among them other cuts of the same film under other
captions) and the other seeds' banned clips (the same film and the same "FULL MOVIE FREE"
overlay in another cut: the same pirated footage, though not a re-upload of this clip).
History, so the figures can be read honestly: distances and variants were chosen on seeds 3,
7, 11 and 19; seeds 1, 2 and 5 then showed a false match, which the time alignment of the zoom
tier removed; seeds 13, 17, 23 and 29, 31, 37 were first run after that.

Compared: plain vPDQ (``understand.hashes.video_match``: 31 bits, 70 % of both sides), the bank
without its zoom variants, and the bank as built. Then lookups per second for one PDQ hash
against 1k and 100k banked hashes: the FAISS index against numpy brute force (both exact).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from reelstack.config import IngestSettings, UnderstandSettings
from reelstack.core.records import BankEntry, HashBank
from reelstack.demo.clips import render
from reelstack.demo.corpus import plan_corpus
from reelstack.models.registry import ModelRegistry
from reelstack.safety.banks import BankIndex, HashBankService
from reelstack.safety.banks.index import FaissRows, NumpyRows, import_faiss
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.registry import open_store
from reelstack.understand.hashes import video_match


def render_seed(work: Path, seed: int, others: int) -> dict[str, Path]:
    """name -> clip: ``b0`` the banned original, ``b1``... its re-uploads, ``o*`` the others."""
    folder = work / f"seed{seed}"
    plan = plan_corpus(folder, 320, 40, seed, {})
    banned = [p.job for p in plan if p.meta.get("violation") == "reupload"]
    rest = [p.job for p in plan if p.job is not None and not p.job.is_still
            and p.meta.get("violation") != "reupload"][:others]  # fmt: skip
    jobs = {f"b{n}": job for n, job in enumerate(banned)}
    jobs |= {f"o{n}": replace(job, speech=None) for n, job in enumerate(rest)}
    clips = {}
    for name, job in jobs.items():
        out = folder / f"{name}.mp4"
        if not out.is_file():
            render(replace(job, out=str(out)))
        clips[f"{seed}:{name}"] = out
    return clips


def without_variants(entry: BankEntry) -> BankEntry:
    frames = [{**f, "variants": []} for f in entry.frames]
    return replace(entry, frames=frames)


def matching_figures(seeds: list[int], others: int, work: Path) -> None:
    clips: dict[str, Path] = {}
    started = time.perf_counter()
    for seed in seeds:
        clips |= render_seed(work, seed, others)
    print(f"rendered {len(clips)} clips in {time.perf_counter() - started:.0f} s ({work})")
    store = open_store("memory://")
    registry = ModelRegistry(cache_dir=work / "models")
    service = HashBankService(store, FileBlobStore(work / "blobs"), registry,
                              UnderstandSettings(), IngestSettings())  # fmt: skip
    started = time.perf_counter()
    hashes = {}
    for name, path in clips.items():
        media = service.hasher.hash_file(path, variants=False)
        frames = [{k: f[k] for k in ("ts", "hash", "quality")} for f in media.frames]
        hashes[name] = {"md5": media.md5, "pdq": frames, "frames": len(frames)}
    seconds = (time.perf_counter() - started) / len(clips)
    print(f"hashed as Understand does (keyframes + PDQ): {seconds:.2f} s per clip")
    banks = {}
    for seed in seeds:
        started = time.perf_counter()
        service.create_bank(f"seed{seed}", actor="bench")
        banks[seed] = service.add_media(f"seed{seed}", clips[f"{seed}:b0"], actor="bench").entry
        took = time.perf_counter() - started
        rows = sum(1 + len(f["variants"]) for f in banks[seed].frames)
        print(f"banked seed {seed}: {len(banks[seed].frames)} keyframes, {rows} PDQ rows, "
              f"{took:.1f} s")  # fmt: skip

    methods = ["plain vPDQ (31 bits, 70 %)", "bank without variants", "bank (as built)"]
    groups = ("re-uploads", "other clips", "other banned cuts")
    strong = {(m, g): 0 for m in methods for g in groups}
    weak = {(m, g): 0 for m in methods for g in groups}
    total = dict.fromkeys(groups, 0)
    tiers: dict[str, int] = {}
    for seed, entry in banks.items():
        bank = [HashBank(name=entry.bank)]
        plain = BankIndex(bank, [without_variants(entry)])
        full = BankIndex(bank, [entry])
        for name, value in hashes.items():
            if name == f"{seed}:b0":
                continue
            group = groups[0] if name.startswith(f"{seed}:b") else groups[1]
            group = groups[2] if ":b" in name and group != groups[0] else group
            total[group] += 1
            found = {
                methods[0]: [1.0] if video_match(value, hashes[f"{seed}:b0"]).is_match else [],
                methods[1]: [h.score for h in plain.match_video(value)],
                methods[2]: [h.score for h in full.match_video(value)],
            }
            for method, scores in found.items():
                strong[method, group] += bool(scores) and max(scores) >= 0.9
                weak[method, group] += bool(scores)
                if scores and group != groups[0] and method == methods[2]:
                    print(f"  {group}: bank of seed {seed} matched {name} at {max(scores)}")
            if group == groups[0]:
                for h in full.match_video(value):
                    tiers[h.tier] = tiers.get(h.tier, 0) + 1
    print(f"\nseeds {seeds}: {total[groups[0]]} re-uploads; clip x bank pairs: "
          f"{total[groups[1]]} with other demo clips, {total[groups[2]]} with other seeds' "
          "banned clips (the same film and overlay, another cut)")  # fmt: skip
    print("matched at >= 0.9 (disable band); in brackets: any match, review band included")
    print(f"{'method':<28} " + " ".join(f"{g:>22}" for g in groups))
    for m in methods:
        cells = []
        for g in groups:
            n = max(1, total[g])
            cells.append(f"{strong[m, g] / n:>6.1%} ({weak[m, g] / n:>5.1%})".rjust(22))
        print(f"{m:<28} " + " ".join(cells))
    print(f"tiers of the re-uploads' matches (bank as built): {tiers}")


def speed_figures(sizes: tuple[int, ...] = (1_000, 100_000), queries: int = 1000) -> None:
    rng = np.random.default_rng(0)
    print(f"\nlookups of one PDQ hash (threshold 31), {queries} queries one at a time:")
    print(f"{'banked hashes':>14} {'FAISS q/s':>12} {'numpy q/s':>12} {'speed-up':>9}")
    faiss = import_faiss()
    for size in sizes:
        codes = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
        probe = codes[rng.integers(0, size, queries)].copy()
        probe[:, :2] ^= rng.integers(0, 256, size=(queries, 2), dtype=np.uint8)  # near copies
        rates = []
        for rows in (FaissRows(codes, faiss), NumpyRows(codes)):
            rows.range(probe[:1], 31)  # warm-up
            started = time.perf_counter()
            for q in probe:
                rows.range(q[None], 31)
            rates.append(queries / (time.perf_counter() - started))
        print(f"{size:>14,} {rates[0]:>12,.0f} {rates[1]:>12,.0f} {rates[0] / rates[1]:>8.1f}x")
    codes = rng.integers(0, 256, size=(100_000, 32), dtype=np.uint8)
    entries = [BankEntry(id=f"e{n:06d}", bank="b", signal_type="pdq", signal=c.tobytes().hex())
               for n, c in enumerate(codes)]  # fmt: skip
    for backend in ("faiss", "numpy"):
        index = BankIndex([HashBank(name="b")], entries, backend=backend)  # type: ignore[arg-type]
        started = time.perf_counter()
        for c in codes[:200]:
            index.match("pdq", c.tobytes().hex())
        rate = 200 / (time.perf_counter() - started)
        print(f"BankIndex.match at 100,000 entries, {backend}: {rate:,.0f} q/s (incl. Python)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[29, 31, 37])
    parser.add_argument("--others", type=int, default=60, help="other videos per seed")
    parser.add_argument("--work", type=Path, default=Path("/tmp/reelstack-bench-hashbank"))
    args = parser.parse_args()
    print(f"{host.processor() or host.machine()}, {os.cpu_count()} CPUs, Python "
          f"{host.python_version()}")  # fmt: skip
    matching_figures(args.seeds, args.others, args.work)
    speed_figures()


if __name__ == "__main__":
    main()
