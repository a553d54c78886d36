"""Captions, hashtags, on-screen text and speech for demo posts, in the creator's language.

Also draws on-screen text, one font per script run (Noto Sans Thai has no Latin digits, the
CJK font no Thai), so burned-in captions in every language render legibly.

Every function takes the caller's ``random.Random`` so the whole corpus stays a pure function of
its seed. Real English titles (MicroLens) make English captions less template-like when the data
folder is present; the built-in templates cover every language without it.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from reelstack.demo import vocab
from reelstack.demo.assets import load_font, script_of

log = logging.getLogger(__name__)

Stamp = tuple[Image.Image, Image.Image, tuple[int, int]]  # RGB patch, alpha mask, position

_TITLE_SKIP = re.compile(
    r"\b(black people|kill|killed|die|dead|death|war|gun|sex|sexy|nude|drunk|zombies?|hell)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Caption:
    """Caption text (hashtags appended as ``#tag``), the tags alone, and the words' source."""

    text: str
    hashtags: list[str]
    source: str  # "template", "microlens:<item id>", "spam", "abuse", "ad", "banned"


def load_titles(path: Path | None) -> dict[str, list[tuple[str, str]]]:
    """Topic → [(item id, title)] from a MicroLens title CSV (a file or a folder holding one).

    Returns {} (and says so) when the path is absent, so the corpus still builds without it.
    """
    if path is None:
        return {}
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    files = [f for f in files if f.is_file()]
    if not files:
        log.warning("demo captions: no title CSV at %s; using built-in templates", path)
        return {}
    patterns = {
        topic: re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)
        for topic, words in vocab.TITLE_KEYWORDS.items()
    }
    by_topic: dict[str, list[tuple[str, str]]] = {topic: [] for topic in patterns}
    for file in files:
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            item_id, _, title = line.partition(",")
            title = title.split("#", 1)[0].strip(" .,!?;:-|")
            if not 3 <= len(title.split()) <= 14 or _TITLE_SKIP.search(title):
                continue
            for topic, pattern in patterns.items():
                if pattern.search(title):
                    by_topic[topic].append((item_id.strip(), title))
    return {topic: rows for topic, rows in by_topic.items() if rows}


def _fill(template: str, topic: str, lang: str, rng: random.Random) -> str:
    subject = vocab.SUBJECT[topic][lang]
    return template.format(s=subject, S=subject[:1].upper() + subject[1:], n=rng.randint(2, 30))


def hashtags(rng: random.Random, topic: str, lang: str) -> list[str]:
    """2–4 tags: a local topic tag, an English one for non-English posts, maybe a generic one."""
    tags = vocab.TAGS[topic]
    chosen = [rng.choice(tags[lang])]
    if lang != "en" or rng.random() < 0.6:
        chosen.append(rng.choice(tags["en"]))
    if rng.random() < 0.7:
        chosen.append(rng.choice(vocab.GENERIC_TAGS[lang]))
    if rng.random() < 0.3:
        chosen.append(rng.choice(tags[lang]))
    return list(dict.fromkeys(chosen))


def compose(text: str, tags: list[str]) -> str:
    """Caption as posted: the words, then the hashtags."""
    return " ".join([text, *(f"#{t}" for t in tags)]).strip()


def topic_caption(
    rng: random.Random, topic: str, lang: str, titles: dict[str, list[tuple[str, str]]]
) -> Caption:
    """An ordinary post's caption; English posts borrow a real title half of the time."""
    tags = hashtags(rng, topic, lang)
    pool = titles.get(topic) if lang == "en" else None
    if pool and rng.random() < 0.5:
        item_id, title = rng.choice(pool)
        text, source = title[:1].upper() + title[1:], f"microlens:{item_id}"
    else:
        text, source = (
            _fill(rng.choice(vocab.CAPTION_TEMPLATES[lang]), topic, lang, rng),
            "template",
        )
    return Caption(compose(text, tags), tags, source)


def overlay_text(rng: random.Random, topic: str, lang: str) -> str:
    """Short on-screen text, as creators burn into their clips."""
    return _fill(rng.choice(vocab.OVERLAY_TEMPLATES[lang]), topic, lang, rng)


def speech_text(rng: random.Random, topic: str, lang: str) -> str:
    """One or two spoken sentences for the clip's voice-over."""
    return _fill(rng.choice(vocab.SPEECH_TEMPLATES[lang]), topic, lang, rng)


def spam_caption(rng: random.Random, lang: str) -> tuple[str, Caption]:
    """(label 'spam' or 'scam', caption) for a money/prize lure in ``lang``."""
    label, text = rng.choice(vocab.SPAM[lang])
    tags = [*rng.sample(vocab.SPAM_TAGS, 2), rng.choice(vocab.GENERIC_TAGS[lang])]
    return label, Caption(compose(text, tags), tags, "spam")


def abuse_caption(rng: random.Random, lang: str, target: str | None) -> Caption:
    """A mildly insulting caption, aimed at another creator when one is given (harassment)."""
    text = rng.choice(vocab.ABUSE[lang])
    if target:
        text = f"@{target} {text}"
    return Caption(text, [], "abuse")


def banned_caption(rng: random.Random, lang: str) -> Caption:
    """Caption of the pirated clip and its re-uploads."""
    tags = ["movie", rng.choice(vocab.GENERIC_TAGS[lang])]
    return Caption(compose(vocab.BANNED_CAPTIONS[lang], tags), tags, "banned")


def ad_fields(index: int) -> tuple[str, str, Caption, dict, str | None]:
    """(topic, language, caption, ad object, ad-policy label or None) of the index-th demo ad."""
    topic, lang, advertiser, text, landing, claims, cta, label = vocab.ADS[index % len(vocab.ADS)]
    tags = ["ad", vocab.TAGS[topic][lang][0]]
    ad = {
        "advertiser": advertiser,
        "landing_page_text": landing,
        "claims": list(claims),
        "call_to_action": cta,
    }
    return topic, lang, Caption(compose(text, tags), tags, "ad"), ad, label


# --- drawing captions on screen ----------------------------------------------------------------


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, chunk) runs so each chunk is drawn with a font that has it."""
    runs: list[tuple[str, str]] = []
    for char in text:
        script = script_of(char) or (runs[-1][0] if runs else "latin")
        if runs and runs[-1][0] == script:
            runs[-1] = (script, runs[-1][1] + char)
        else:
            runs.append((script, char))
    return runs


def _width(text: str, px: int) -> float:
    return sum(load_font(script, px).getlength(chunk) for script, chunk in _runs(text))


def _wrap(text: str, px: int, max_width: float) -> list[str]:
    """Greedy wrap; CJK breaks between any characters, other scripts at spaces."""
    units: list[str] = []
    for word in text.split(" "):
        pieces = list(word) if word and all(script_of(c) == "cjk" for c in word) else [word]
        units.extend(pieces)
        units[-1] += " "
    lines: list[str] = []
    for unit in units:
        if lines and _width(lines[-1] + unit.rstrip(), px) <= max_width:
            lines[-1] += unit
        else:
            lines.append(unit)
    return [line.strip() for line in lines if line.strip()]


def text_stamp(text: str, size: tuple[int, int], rng: random.Random, px: int) -> Stamp:
    """Render caption-style text once into an RGBA patch placed on every frame."""
    width, height = size
    lines = _wrap(text, px, width * 0.84)[:4]
    line_h = round(px * 1.45)
    pad = px // 2
    box_w = round(max(_width(line, px) for line in lines)) + 2 * pad
    box_h = line_h * len(lines) + pad
    patch = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(patch)
    style = rng.choice(("outline", "label", "shade"))
    fill, stroke = (255, 255, 255, 255), (0, 0, 0, 255)
    if style == "label":
        draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(255, 255, 255, 235))
        fill, stroke = (15, 15, 15, 255), (255, 255, 255, 255)
    elif style == "shade":
        draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(0, 0, 0, 150))
    for i, line in enumerate(lines):
        x = (box_w - _width(line, px)) / 2
        baseline = pad // 2 + i * line_h + round(px * 1.1)
        for script, chunk in _runs(line):
            font = load_font(script, px)
            draw.text(
                (x, baseline), chunk, font=font, fill=fill, anchor="ls",
                stroke_width=max(1, px // 12), stroke_fill=stroke,
            )  # fmt: skip
            x += font.getlength(chunk)
    y = round(height * rng.choice((0.12, 0.42, 0.66)))
    box_w, box_h = min(box_w, width), min(box_h, height - y)
    patch = patch.crop((0, 0, box_w, box_h))
    return patch.convert("RGB"), patch.getchannel("A"), ((width - box_w) // 2, y)


def watermark_stamp(handle: str, size: tuple[int, int]) -> Stamp:
    px = max(11, size[0] // 22)
    font = load_font("latin", px)
    patch = Image.new("RGBA", (round(font.getlength(handle)) + 8, px + 8), (0, 0, 0, 0))
    ImageDraw.Draw(patch).text(
        (4, 2), handle, font=font, fill=(255, 255, 255, 200), stroke_width=1,
        stroke_fill=(0, 0, 0, 160),
    )  # fmt: skip
    return patch.convert("RGB"), patch.getchannel("A"), (8, size[1] - patch.height - 10)
