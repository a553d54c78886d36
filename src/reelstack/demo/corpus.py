"""Plan and render the demo corpus: creators, posts, media and a JSONL ingest manifest.

The plan is a pure function of the seed (creators, topics, captions, timestamps, violations);
rendering is spread over worker processes. Ground truth — topic, violation label, on-screen and
spoken text, the source asset, which post a re-upload copies — goes into each post's ``meta``,
so later stages (OCR, ASR, safety, search) can be measured against it.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from reelstack.demo import captions, vocab
from reelstack.demo.assets import TOPICS, available_topics, covers
from reelstack.demo.clips import RenderJob, espeak_available, render

log = logging.getLogger(__name__)

REFERENCE_BASE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
SPAN_DAYS = 30  # posts are spread over this many days before the reference date
VIOLATING_SHARE = {"spam": 0.025, "abuse": 0.02}  # plus the banned clip and its re-uploads
SPEECH_SHARE = 0.35
IMAGE_SHARE = 0.1
REUPLOAD_SIZES = ((288, 512), (270, 480), (306, 544))


@dataclass(slots=True)
class DemoCreator:
    handle: str
    name: str
    language: str
    topics: list[str]
    activity: float = 1.0  # relative posting rate: a few creators post most


@dataclass(slots=True)
class PlannedPost:
    """One manifest line, the job that renders its media (None for text posts), ground truth."""

    entry: dict[str, Any]
    job: RenderJob | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    created: datetime = REFERENCE_BASE
    copies: PlannedPost | None = None  # the banned original a re-upload copies


def reference_date(seed: int) -> datetime:
    """Where the corpus's timeline ends: fixed per seed, never the wall clock, so it reproduces."""
    return REFERENCE_BASE + timedelta(days=seed % 31)


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
    text_share: float = 0.0,
) -> Path:
    """Render the corpus into ``out_dir``; returns the path of its ``manifest.jsonl``.

    ``include_bad`` adds three broken media files (beyond ``posts``) to show per-item ingest errors;
    ``text_share`` makes that share of posts text-only (no media; some spam then too).
    """
    out_dir = Path(out_dir)
    (out_dir / "media").mkdir(parents=True, exist_ok=True)
    titles = captions.load_titles(titles_path)
    plan = plan_corpus(out_dir, posts, creators, seed, titles, text_share)
    jobs = [p.job for p in plan if p.job is not None]
    rendered = _render_all(jobs, workers, progress)
    lines = []
    for post in plan:
        facts = rendered[post.job.out] if post.job is not None else {}
        post.entry["meta"] = {**post.meta, **facts}
        if post.job is not None and not facts["has_audio"]:  # no espeak-ng, or it failed
            post.entry["meta"]["speech_text"] = None
        lines.append(json.dumps(post.entry, ensure_ascii=False))
    if include_bad:
        videos = [j.out for j in jobs if not j.is_still]
        lines += _bad_entries(out_dir, videos[0] if videos else None, seed)
    manifest = out_dir / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def _render_one(job: RenderJob) -> tuple[str, dict[str, Any]]:
    try:
        return job.out, render(job)
    except Exception as exc:  # name the file: a bare worker traceback does not
        raise RuntimeError(f"rendering {job.out} from {job.source} failed: {exc}") from exc


def _render_all(jobs: list[RenderJob], workers: int, progress: bool) -> dict[str, dict[str, Any]]:
    """Output path → render facts. Spawned workers: safe even when the caller runs threads."""
    bar = tqdm(total=len(jobs), unit="file", desc="demo media", disable=not progress)
    results: dict[str, dict[str, Any]] = {}
    longest_first = sorted(jobs, key=lambda j: (j.is_still, -j.duration))
    if workers <= 1:
        for job in longest_first:
            results[job.out] = _render_one(job)[1]
            bar.update()
    else:
        with get_context("spawn").Pool(min(workers, max(1, len(jobs)))) as pool:
            for out, result in pool.imap_unordered(_render_one, longest_first):
                results[out] = result
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
    for rank in range(count):
        language = rng.choices(languages, weights)[0]
        stem, name = rng.choice(vocab.NAMES[language])
        handle = f"{stem}{rng.randint(1, 999)}"
        while handle in used:
            handle = f"{stem}{rng.randint(1, 9999)}"
        used.add(handle)
        topics = list(dict.fromkeys(rng.choices(topic_names, topic_weights, k=rng.randint(1, 3))))
        made.append(DemoCreator(handle, name, language, topics, activity=1 / (rank + 1) ** 0.7))
    return made


def _counts(posts: int) -> tuple[int, int, dict[str, int]]:
    """(ads, re-uploads of the banned clip, other violations) for a corpus of ``posts``."""
    ads = 0 if posts < 10 else 2 if posts < 100 else 3 if posts < 250 else 4
    violations = {k: max(1, round(posts * s)) for k, s in VIOLATING_SHARE.items()}
    if posts < 20:  # too small to spare posts for violations
        return ads, 0, {}
    if posts < 40:  # spam and abuse, but not a whole group of re-uploads
        return ads, 0, violations
    return ads, 3 if posts < 100 else 4 if posts < 250 else 5, violations


def plan_corpus(
    out_dir: Path,
    posts: int,
    creator_count: int,
    seed: int,
    titles: dict[str, list[tuple[str, str]]],
    text_share: float = 0.0,
) -> list[PlannedPost]:
    """Every post of the corpus, in time order, with its render job; renders nothing."""
    rng = random.Random(seed)
    assets = available_topics()
    creators = make_creators(max(2, creator_count), rng)
    end = reference_date(seed)
    if not espeak_available():
        log.warning("demo corpus: espeak-ng not found; clips will be silent (no speech track)")
    for lang in vocab.LANGUAGES:
        if not covers(lang):
            log.warning("demo corpus: no font for %r text; its on-screen text is English", lang)
    ads, reuploads, violations = _counts(posts)
    plan = [_ad_post(i, assets, rng) for i in range(ads)]
    if reuploads:
        plan += _banned_posts(creators, assets, rng, reuploads)
    for kind, count in violations.items():
        plan += [_post(rng.choice(creators), assets, rng, titles, kind, creators, text_share)
                 for _ in range(count)]  # fmt: skip
    while len(plan) < posts:
        creator = _pick_creator(creators, rng)
        plan.append(_post(creator, assets, rng, titles, None, creators, text_share))
    for post in plan:
        post.created = end - timedelta(seconds=round(rng.uniform(0, SPAN_DAYS * 86400)))
    for post in plan:  # a re-upload comes after the clip it copies
        if post.copies is not None and post.created <= post.copies.created:
            post.created = post.copies.created + timedelta(hours=rng.uniform(1, 72))
    plan.sort(key=lambda p: p.created)
    for number, post in enumerate(plan, start=1):
        post.entry["external_id"] = f"demo-{number:04d}"
        post.entry["created_at"] = post.created.isoformat().replace("+00:00", "Z")
        if post.job is not None:
            final = out_dir / "media" / f"demo-{number:04d}{Path(post.job.out).suffix}"
            post.job = replace(post.job, out=str(final))
            post.entry["media"] = f"media/{final.name}"
    for post in plan:
        if post.copies is not None:
            post.meta["reupload_of"] = post.copies.entry["external_id"]
    return plan


def _pick_creator(creators: list[DemoCreator], rng: random.Random) -> DemoCreator:
    """Language first, so the corpus mixes languages as the audience does whoever posts most;
    then a creator of that language, weighted by how active they are."""
    language = rng.choices(list(vocab.LANGUAGE_WEIGHTS), list(vocab.LANGUAGE_WEIGHTS.values()))[0]
    pool = [c for c in creators if c.language == language] or creators
    return rng.choices(pool, [c.activity for c in pool])[0]


def _pick_topic(creator: DemoCreator, rng: random.Random, assets: dict[str, list[Path]]) -> str:
    home = [t for t in creator.topics if t in assets]
    if home and rng.random() < 0.85:
        return rng.choice(home)
    names = list(assets)
    return rng.choices(names, [TOPICS[t].popularity for t in names])[0]


def _job(
    asset: Path, rng: random.Random, overlays: tuple[str, ...], watermark: str,
    speech: tuple[str, str] | None, still: bool,
) -> RenderJob:  # fmt: skip
    video_source = asset.suffix == ".mp4"
    long_clip = rng.random() < 0.15
    return RenderJob(
        out="pending" + (rng.choice((".jpg", ".jpg", ".png")) if still else ".mp4"),
        source=str(asset),
        size=(540, 960) if still else (288, 512),
        duration=round(rng.uniform(12.0, 15.0) if long_clip else rng.uniform(5.0, 12.0), 1),
        fps=15 if video_source else 12,
        seed=rng.randrange(1 << 30),
        overlays=overlays,
        watermark=watermark,
        speech=speech,
    )


def _overlay_language(lang: str, rng: random.Random) -> str:
    """Mostly the post's language, sometimes English; English where no font can draw it."""
    return lang if covers(lang) and rng.random() < 0.85 else "en"


def _post(
    creator: DemoCreator,
    assets: dict[str, list[Path]],
    rng: random.Random,
    titles: dict[str, list[tuple[str, str]]],
    violation: str | None,
    creators: list[DemoCreator],
    text_share: float,
) -> PlannedPost:
    lang, topic = creator.language, _pick_topic(creator, rng, assets)
    target = None
    overlay_lang = _overlay_language(lang, rng)
    overlays = tuple(
        captions.overlay_text(rng, topic, overlay_lang) for _ in range(rng.randint(1, 2))
    )
    if violation == "spam":
        violation, caption = captions.spam_caption(rng, lang)
        if rng.random() < 0.5 and overlay_lang == lang:  # the lure burned into the clip too
            overlays = (caption.text.split(" #")[0],)
    elif violation == "abuse":
        others = [c.handle for c in creators if c.handle != creator.handle]
        target = rng.choice(others) if others and rng.random() < 0.6 else None
        caption = captions.abuse_caption(rng, lang, target)
    else:
        caption = captions.topic_caption(rng, topic, lang, titles)
    spam = violation in ("spam", "scam")
    text_only = rng.random() < (0.4 if spam and text_share > 0 else text_share)
    asset = rng.choice(assets[topic])
    still = rng.random() < IMAGE_SHARE
    speech = None
    if not still and espeak_available() and rng.random() < SPEECH_SHARE:
        speech = (captions.speech_text(rng, topic, lang), vocab.ESPEAK_VOICES[lang])
    job = _job(asset, rng, overlays, f"@{creator.handle}", speech, still)
    kind = "text" if text_only else "image" if still else "video"
    extra = {"target": target} if target else {}
    meta = _meta(topic, violation, kind, caption.source, None if text_only else job, overlay_lang,
                 **extra)  # fmt: skip
    return PlannedPost(_entry(creator, caption), None if text_only else job, meta)


def _meta(
    topic: str, violation: str | None, kind: str, caption_source: str, job: RenderJob | None,
    overlay_language: str = "en", **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    """Ground truth for one post: what it shows, says and violates, and where that came from."""
    meta = {"topic": topic, "violation": violation, "kind": kind,
            "caption_source": caption_source, "reupload_of": None, **extra}  # fmt: skip
    if job is not None:
        meta |= {
            "asset": Path(job.source).name,
            "overlay_text": list(job.overlays),
            "overlay_language": overlay_language,
            "speech_text": job.speech[0] if job.speech else None,
        }
    return meta


def _entry(creator: DemoCreator, caption: captions.Caption, lang: str | None = None) -> dict:
    return {
        "caption": caption.text,
        "hashtags": caption.hashtags,
        "creator": creator.handle,
        "creator_name": creator.name,
        "language": lang or creator.language,
    }


def _banned_posts(
    creators: list[DemoCreator], assets: dict[str, list[Path]], rng: random.Random, copies: int
) -> list[PlannedPost]:
    """A pirated clip and re-uploads of it: same frames, slightly cropped, brighter or darker,
    resized and re-encoded — byte-different but perceptually near-identical."""
    source = next((p for p in assets.get("animation", []) if p.suffix == ".mp4"), None)
    source = source or next(p for paths in assets.values() for p in paths)
    uploaders = rng.sample(creators, min(len(creators), copies + 1))
    base = RenderJob(
        out="pending.mp4", source=str(source), duration=8.0, fps=15,
        seed=rng.randrange(1 << 30), overlays=(vocab.BANNED_OVERLAY,),
        watermark=f"@{uploaders[0].handle}",
    )  # fmt: skip
    posts: list[PlannedPost] = []
    for number, creator in enumerate(uploaders):
        job = base
        if number:
            job = replace(
                base, zoom_extra=round(rng.uniform(0.02, 0.08), 3),
                gain=round(rng.uniform(0.9, 1.1), 3), size=REUPLOAD_SIZES[number % 3],
                crf=rng.choice((26, 28, 30, 32)),
            )  # fmt: skip
        topic = "animation" if source.suffix == ".mp4" else "misc"
        meta = _meta(topic, "reupload", "video", "banned", job, banned_original=number == 0)
        caption = captions.banned_caption(rng, creator.language)
        original = posts[0] if posts else None
        posts.append(PlannedPost(_entry(creator, caption), job, meta, copies=original))
    return posts


def _ad_post(index: int, assets: dict[str, list[Path]], rng: random.Random) -> PlannedPost:
    topic, lang, caption, ad, label = captions.ad_fields(index)
    topic = topic if topic in assets else next(iter(assets))
    slug = "".join(ch for ch in ad["advertiser"].lower() if ch.isalnum())
    advertiser = DemoCreator(f"ad_{slug}", ad["advertiser"], lang, [topic])
    overlay = caption.text.split(" #")[0]
    job = _job(rng.choice(assets[topic]), rng, (overlay,), "", None, still=False)
    meta = _meta(topic, None, "video", "ad", job, lang, ad_violation=label)
    return PlannedPost({**_entry(advertiser, caption, lang), "ad": ad}, job, meta)


def _bad_entries(out_dir: Path, good_clip: str | None, seed: int) -> list[str]:
    """Deliberately broken media, for demonstrating per-item ingest errors."""
    bad = out_dir / "media" / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    files = {"notes.mp4": b"not a video, just text with an .mp4 name\n"}
    if good_clip:
        data = Path(good_clip).read_bytes()
        files["truncated.mp4"] = _cut_in_header(data)
    files["garbage.jpg"] = b"\xff\xd8\xff\xe0" + random.Random(seed).randbytes(2048)
    entries = []
    for number, (name, data) in enumerate(files.items(), start=1):
        (bad / name).write_bytes(data)
        entry = {
            "media": f"media/bad/{name}",
            "caption": f"broken upload {number}",
            "creator": "broken_uploader",
            "language": "en",
            "created_at": reference_date(seed).isoformat().replace("+00:00", "Z"),
            "external_id": f"demo-bad-{number}",
            "meta": {"bad": True, "violation": None, "topic": None},
        }
        entries.append(json.dumps(entry))
    return entries


def _cut_in_header(mp4: bytes) -> bytes:
    """An upload broken off inside the ``moov`` box, so even the header cannot be parsed."""
    offset = 0
    while offset + 8 <= len(mp4):
        size, kind = int.from_bytes(mp4[offset : offset + 4], "big"), mp4[offset + 4 : offset + 8]
        if kind == b"moov":
            return mp4[: offset + size // 2]
        if size < 8:
            break
        offset += size
    return mp4[: len(mp4) // 3]
