"""Plan and render the demo corpus: creators, posts, media and a JSONL ingest manifest.

The plan is a pure function of the seed (creators, topics, captions, timestamps, violations);
rendering is spread over worker processes. Ground truth — topic, violation label, on-screen and
spoken text, the source asset, which clip a re-upload copies — goes into each post's ``meta``,
so later stages (OCR, ASR, safety, search) can be measured against it.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from reelstack.demo import captions, vocab
from reelstack.demo.assets import TOPICS, available_topics, covers
from reelstack.demo.clips import RenderJob, espeak_available, render

log = logging.getLogger(__name__)

REFERENCE_DATE = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)  # posts spread over 30 days before
VIOLATING_SHARE = {"spam": 0.025, "abuse": 0.02}
REUPLOADS = 5  # copies of the banned clip besides the original
SPEECH_SHARE = 0.35
IMAGE_SHARE = 0.1


@dataclass(slots=True)
class DemoCreator:
    handle: str
    name: str
    language: str
    topics: list[str]


@dataclass(slots=True)
class PlannedPost:
    """One manifest line plus the job that renders its media."""

    entry: dict[str, Any]
    job: RenderJob | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def build_corpus(
    out_dir: Path,
    *,
    posts: int = 320,
    creators: int = 40,
    seed: int = 7,
    titles_path: Path | None = None,
    workers: int = 2,
    progress: bool = True,
    include_bad: bool = False,
) -> Path:
    """Render the corpus into ``out_dir``; returns the path of its ``manifest.jsonl``."""
    out_dir = Path(out_dir)
    (out_dir / "media").mkdir(parents=True, exist_ok=True)
    plan = plan_corpus(out_dir, posts, creators, seed, captions.load_titles(titles_path))
    jobs = [p.job for p in plan if p.job is not None]
    rendered = dict(zip((j.out for j in jobs), _render_all(jobs, workers, progress), strict=True))
    lines = []
    for post in plan:
        if post.job is not None:
            post.entry["meta"] = {**post.meta, **rendered[post.job.out]}
        lines.append(json.dumps(post.entry, ensure_ascii=False))
    if include_bad:
        lines += _bad_entries(out_dir, jobs[0].out if jobs else None)
    manifest = out_dir / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def _render_all(jobs: list[RenderJob], workers: int, progress: bool) -> list[dict[str, Any]]:
    bar = tqdm(total=len(jobs), unit="clip", desc="render", disable=not progress)
    results = []
    if workers <= 1:
        for job in jobs:
            results.append(render(job))
            bar.update()
    else:
        with get_context("spawn").Pool(workers) as pool:
            for result in pool.imap(render, jobs, chunksize=2):
                results.append(result)
                bar.update()
    bar.close()
    return results


# -- planning ------------------------------------------------------------------------------


def make_creators(count: int, rng: random.Random) -> list[DemoCreator]:
    """``count`` creators, languages weighted like the platform's audience, 1–3 home topics."""
    languages = list(vocab.LANGUAGE_WEIGHTS)
    weights = list(vocab.LANGUAGE_WEIGHTS.values())
    topic_names, topic_weights = list(TOPICS), [t.popularity for t in TOPICS.values()]
    used: set[str] = set()
    made = []
    for _ in range(count):
        language = rng.choices(languages, weights)[0]
        stem, name = rng.choice(vocab.NAMES[language])
        handle = f"{stem}{rng.randint(1, 999)}"
        while handle in used:
            handle = f"{stem}{rng.randint(1, 9999)}"
        used.add(handle)
        topics = list(dict.fromkeys(rng.choices(topic_names, topic_weights, k=rng.randint(1, 3))))
        made.append(DemoCreator(handle, name, language, topics))
    return made


def plan_corpus(
    out_dir: Path,
    posts: int,
    creator_count: int,
    seed: int,
    titles: dict[str, list[tuple[str, str]]],
) -> list[PlannedPost]:
    rng = random.Random(seed)
    assets = available_topics()
    creators = make_creators(creator_count, rng)
    plan: list[PlannedPost] = []
    plan += [_ad_post(out_dir, i, creators, assets, rng) for i in range(len(vocab.ADS))]
    plan += _banned_posts(out_dir, creators, assets, rng)
    special = {k: max(1, round(posts * share)) for k, share in VIOLATING_SHARE.items()}
    for kind, count in special.items():
        plan += [_post(out_dir, rng.choice(creators), assets, rng, titles, kind, creators)
                 for _ in range(count)]  # fmt: skip
    while len(plan) < posts:
        creator = rng.choice(creators)
        plan.append(_post(out_dir, creator, assets, rng, titles, None, creators))
    rng.shuffle(plan)
    for number, post in enumerate(plan, start=1):
        post.entry["external_id"] = f"demo-{number:04d}"
        if post.job is not None:
            final = out_dir / "media" / f"demo-{number:04d}{Path(post.job.out).suffix}"
            post.job = _with_out(post.job, str(final))
            post.entry["media"] = f"media/{final.name}"
        post.entry["created_at"] = _timestamp(rng)
    return plan


def _with_out(job: RenderJob, out: str) -> RenderJob:
    values = {name: getattr(job, name) for name in job.__dataclass_fields__}
    return RenderJob(**{**values, "out": out})


def _timestamp(rng: random.Random) -> str:
    when = REFERENCE_DATE - timedelta(seconds=rng.uniform(0, 30 * 86400))
    return when.isoformat().replace("+00:00", "Z")


def _pick_topic(creator: DemoCreator, rng: random.Random, assets: dict) -> str:
    home = [t for t in creator.topics if t in assets]
    if home and rng.random() < 0.85:
        return rng.choice(home)
    return rng.choice(list(assets))


def _job(
    asset: Path, rng: random.Random, overlays: tuple[str, ...], watermark: str,
    speech: tuple[str, str] | None, still: bool,
) -> RenderJob:  # fmt: skip
    suffix = ".jpg" if still else ".mp4"
    return RenderJob(
        out=f"pending{suffix}",
        source=str(asset),
        duration=round(rng.uniform(5.0, 15.0), 1),
        seed=rng.randrange(1 << 30),
        overlays=overlays,
        watermark=watermark,
        speech=speech,
    )


def _post(
    out_dir: Path,
    creator: DemoCreator,
    assets: dict[str, list[Path]],
    rng: random.Random,
    titles: dict[str, list[tuple[str, str]]],
    violation: str | None,
    creators: list[DemoCreator],
) -> PlannedPost:
    lang, topic = creator.language, _pick_topic(creator, rng, assets)
    if violation == "spam":
        label, caption = captions.spam_caption(rng, lang)
        violation = label
    elif violation == "abuse":
        target = rng.choice([c.handle for c in creators if c.handle != creator.handle])
        caption = captions.abuse_caption(rng, lang, target if rng.random() < 0.6 else None)
    else:
        caption = captions.topic_caption(rng, topic, lang, titles)
    asset = rng.choice(assets[topic])
    still = asset.suffix != ".mp4" and rng.random() < IMAGE_SHARE
    overlay_lang = lang if covers(lang) else "en"
    overlays = tuple(
        captions.overlay_text(rng, topic, overlay_lang) for _ in range(rng.randint(1, 2))
    )
    speech = None
    if not still and espeak_available() and rng.random() < SPEECH_SHARE:
        speech = (captions.speech_text(rng, topic, lang), vocab.ESPEAK_VOICES[lang])
    job = _job(asset, rng, overlays, f"@{creator.handle}", speech, still)
    meta = {
        "topic": topic,
        "violation": violation,
        "asset": asset.name,
        "caption_source": caption.source,
        "overlay_text": list(overlays),
        "speech_text": speech[0] if speech else None,
    }
    return PlannedPost(_entry(creator, caption), job, meta)


def _entry(creator: DemoCreator, caption: captions.Caption, lang: str | None = None) -> dict:
    return {
        "caption": caption.text,
        "hashtags": caption.hashtags,
        "creator": creator.handle,
        "creator_name": creator.name,
        "language": lang or creator.language,
    }


def _banned_posts(
    out_dir: Path, creators: list[DemoCreator], assets: dict[str, list[Path]], rng: random.Random
) -> list[PlannedPost]:
    """A pirated clip and re-uploads of it: same frames, slightly cropped, brighter or darker."""
    source = next((p for p in assets.get("animation", []) if p.suffix == ".mp4"), None)
    source = source or next(p for paths in assets.values() for p in paths)
    base = RenderJob(
        out="pending.mp4", source=str(source), duration=8.0, seed=rng.randrange(1 << 30),
        overlays=(vocab.BANNED_OVERLAY,),
    )  # fmt: skip
    uploaders = rng.sample(creators, min(len(creators), REUPLOADS + 1))
    posts = []
    for copy, creator in enumerate(uploaders):
        variant = base if copy == 0 else RenderJob(
            out=base.out, source=base.source, duration=base.duration, seed=base.seed,
            overlays=base.overlays, zoom_extra=rng.uniform(0.02, 0.08),
            gain=rng.uniform(0.9, 1.1), size=rng.choice([(288, 512), (270, 480)]),
        )  # fmt: skip
        caption = captions.banned_caption(rng, creator.language)
        meta = {
            "topic": "animation",
            "violation": "reupload",
            "asset": source.name,
            "caption_source": "banned",
            "overlay_text": [vocab.BANNED_OVERLAY],
            "speech_text": None,
            "reupload_of": None if copy == 0 else "banned-original",
            "banned_clip": "banned-original",
        }
        posts.append(PlannedPost(_entry(creator, caption), variant, meta))
    return posts


def _ad_post(
    out_dir: Path,
    index: int,
    creators: list[DemoCreator],
    assets: dict[str, list[Path]],
    rng: random.Random,
) -> PlannedPost:
    topic, lang, caption, ad, label = captions.ad_fields(index)
    topic = topic if topic in assets else next(iter(assets))
    advertiser = DemoCreator(
        handle=f"ad_{ad['advertiser'].lower().replace(' ', '')}",
        name=ad["advertiser"],
        language=lang,
        topics=[topic],
    )
    job = _job(rng.choice(assets[topic]), rng, (caption.text.split("#")[0].strip(),), "", None,
               still=False)  # fmt: skip
    meta = {
        "topic": topic,
        "violation": label,
        "asset": Path(job.source).name,
        "caption_source": "ad",
        "overlay_text": list(job.overlays),
        "speech_text": None,
    }
    entry = {**_entry(advertiser, caption, lang), "ad": ad}
    return PlannedPost(entry, job, meta)


def _bad_entries(out_dir: Path, good_clip: str | None) -> list[str]:
    """Deliberately broken media, for demonstrating per-item ingest errors."""
    bad = out_dir / "media" / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    (bad / "notes.mp4").write_text("not a video, just text with an .mp4 name\n")
    entries = [{"media": "media/bad/notes.mp4", "creator": "broken", "caption": "bad file"}]
    if good_clip:
        data = Path(good_clip).read_bytes()
        (bad / "truncated.mp4").write_bytes(data[: len(data) // 2])
        entries.append(
            {"media": "media/bad/truncated.mp4", "creator": "broken", "caption": "truncated"}
        )
    return [json.dumps({**e, "meta": {"bad": True}}) for e in entries]
