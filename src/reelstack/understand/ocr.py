"""OCR stage: the on-screen text of every keyframe, de-duplicated across frames.

Engine policy. rapidocr (PP-OCR) finds text lines in any script but recognises only Chinese
and Latin letters: Thai comes out as pseudo-Latin ("aanšu", "ULNyULULenn") scored 0.4-0.85,
and Vietnamese loses the letters with a dot below or a hook ("bạn" → "bn") while keeping a
high score. Real Latin and Chinese lines score >= 0.95. So rapidocr detects and reads every
keyframe (detection per frame, recognition batched over all frames of the batch) and
tesseract re-reads only the lines whose rapidocr reading gives them away; English, Chinese and
Malay/Indonesian frames (plain ASCII, which rapidocr reads well) never pay for it:

- a line with Chinese/Japanese/Korean characters keeps rapidocr's reading;
- a score under ``REREAD_BELOW``, an empty reading, a double space (a dropped glyph) or letters
  that are neither ASCII nor Vietnamese → tesseract ``tha`` and ``vie``;
- Vietnamese letters and nothing foreign → tesseract ``vie``;
- a post declared Thai or Vietnamese (``Post.language``) sends every other line too.

The more confident plausible reading then replaces rapidocr's (`pick`): a ``tha`` reading must
be mostly Thai, a ``vie`` one must agree with rapidocr's once diacritics are stripped (it is
there to restore the marks rapidocr drops), and either must reach ``ocr_min_confidence``.

Boxes on one row are merged before re-reading (rapidocr splits Vietnamese lines where it
drops glyphs). Without tesseract the stage keeps rapidocr's readings and says so in ``notes``.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.understand.ocr_tesseract import LANGUAGES, THAI, Tesseract, line_crop
from reelstack.understand.stage import Stage, StageInput

if TYPE_CHECKING:
    from PIL import Image

    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

RAPIDOCR = "rapidocr"
REREAD_BELOW = 0.9  # rapidocr score under which a non-Chinese line is re-read
MATCH_RATIO = 0.8  # normalised similarity at which two readings are the same overlay
AGREE_RATIO = 0.7  # diacritic-free similarity a Vietnamese re-reading needs with rapidocr's
THAI_OVER = 0.85  # tesseract confidence a Thai reading needs to replace a confident rapidocr one
VIET = frozenset("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
HINTS = {"th": "tha", "tha": "tha", "vi": "vie", "vie": "vie"}


@dataclass
class Line:
    """One line read in one keyframe; ``langs``: tesseract languages that should re-read it."""

    text: str
    confidence: float
    box: np.ndarray  # (4, 2) corners in keyframe pixels
    engine: str
    ts: float
    langs: frozenset[str] = frozenset()


def reread_langs(text: str, score: float, hint: str | None = None) -> frozenset[str]:
    """The tesseract languages that should re-read a rapidocr line (empty: keep its reading)."""
    if CJK.search(text):
        return frozenset()
    langs = {hint, "vie"} if hint else set()
    letters = [c for c in text.lower() if c.isalpha()]
    if (
        score < REREAD_BELOW
        or not text.strip()
        or "  " in text.strip()
        or any(not c.isascii() and c not in VIET for c in letters)
    ):
        langs |= set(LANGUAGES)
    elif any(c in VIET for c in letters):
        langs.add("vie")
    return frozenset(langs)


def normalise(text: str) -> str:
    """Letters, digits and marks only, case-folded: what stays equal across OCR noise."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] in "LNM")


def strip_marks(text: str) -> str:
    """``normalise`` without diacritics: what rapidocr and tesseract share on Vietnamese."""
    decomposed = unicodedata.normalize("NFD", normalise(text).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def similar(a: str, b: str, ratio: float) -> bool:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= ratio and matcher.ratio() >= ratio


def pick(
    readings: dict[str, tuple[str, float]], rapid: str, trusted: bool
) -> tuple[str, str, float] | None:
    """The most confident plausible reading as ``(lang, text, confidence)``, or None.

    A ``tha`` reading must be mostly Thai and, over a ``trusted`` (confidently Latin)
    rapidocr reading, confident (``THAI_OVER``). A ``vie`` reading must agree with rapidocr's
    once diacritics are stripped: it is there to restore the marks rapidocr drops, and where
    rapidocr read garbage (photos, Thai), tesseract's Latin guess is no better. Fewer than two
    letters is noise (a textured background read as a Thai letter).
    """
    best = None
    for lang, (text, conf) in readings.items():
        letters = [c for c in text if c.isalpha()]
        thai = sum(bool(THAI.match(c)) for c in letters) / max(1, len(letters))
        if lang == "tha":
            plausible = thai >= 0.5 and (conf >= THAI_OVER or not trusted)
        else:
            plausible = thai == 0 and similar(strip_marks(text), strip_marks(rapid), AGREE_RATIO)
        if len(letters) >= 2 and plausible and (best is None or conf > best[2]):
            best = (lang, text.strip(), conf)
    return best


def dedup(lines: list[Line]) -> list[dict[str, Any]]:
    """One entry per distinct text: its most confident reading, first/last timestamps."""
    unique: list[dict[str, Any]] = []
    keys: list[str] = []
    for line in sorted(lines, key=lambda x: (x.ts, float(x.box[:, 1].min()), x.box[0, 0])):
        key = normalise(line.text)
        if not key:
            continue
        index = next((i for i, k in enumerate(keys) if similar(k, key, MATCH_RATIO)), None)
        if index is None:
            keys.append(key)
            unique.append({"ts_first": line.ts, "ts_last": line.ts, "frames": 0})
            index = len(unique) - 1
        entry = unique[index]
        entry["ts_first"] = min(entry["ts_first"], line.ts)
        entry["ts_last"] = max(entry["ts_last"], line.ts)
        entry["frames"] += 1
        if line.confidence > entry.get("confidence", -1.0):
            keys[index] = key
            entry.update(
                text=line.text.strip(),
                confidence=round(float(line.confidence), 4),
                box=[[round(float(x), 1), round(float(y), 1)] for x, y in line.box],
                engine=line.engine,
            )
    order = ("text", "confidence", "box", "ts_first", "ts_last", "frames", "engine")
    return [{k: entry[k] for k in order} for entry in unique]


def merge_rows(lines: list[Line]) -> list[list[Line]]:
    """Group boxes that sit on one text row (overlapping in y, close in x), left to right."""
    groups: list[list[Line]] = []
    for line in sorted(lines, key=lambda x: float(x.box[:, 0].min())):
        top, bottom = float(line.box[:, 1].min()), float(line.box[:, 1].max())
        for group in groups:
            points = np.concatenate([m.box for m in group])
            g_top, g_bottom = float(points[:, 1].min()), float(points[:, 1].max())
            overlap = min(bottom, g_bottom) - max(top, g_top)
            gap = float(line.box[:, 0].min() - points[:, 0].max())
            tall = max(bottom - top, g_bottom - g_top)
            if overlap >= 0.5 * min(bottom - top, g_bottom - g_top) and gap <= tall:
                group.append(line)
                break
        else:
            groups.append([line])
    return groups


def bounding_quad(boxes: list[np.ndarray]) -> np.ndarray:
    (x0, y0), (x1, y1) = np.concatenate(boxes).min(axis=0), np.concatenate(boxes).max(axis=0)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def rapidocr_read(engine: Any, images: list[np.ndarray]) -> list[list[tuple[Any, str, float]]]:
    """(box, text, score) per detected line of each BGR image, low scores and empties included.

    Runs RapidOCR's steps rather than ``__call__``, which drops unreadable lines (the Thai
    ones we re-read) and takes per-call options by mutating the shared engine; recognition
    runs once over every frame's line crops.
    """
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import map_boxes_to_original

    boxes, crops = [], []
    for image in images:
        prepared, record = engine.preprocess_img(image)
        try:
            found, detected = engine.detect_and_crop(prepared, record)
            if engine.use_cls:
                found, _ = engine.cls_and_rotate(found)
        except RapidOCRError:  # nothing detected
            boxes.append(np.zeros((0, 4, 2), np.float32))
            continue
        boxes.append(map_boxes_to_original(detected.boxes, record, *image.shape[:2]))
        crops += found
    recognised = engine.recognize_txt(crops) if crops else None
    results, start = [], 0
    for frame_boxes in boxes:
        end = start + len(frame_boxes)
        texts = recognised.txts[start:end] if recognised else ()
        scores = recognised.scores[start:end] if recognised else ()
        results.append(list(zip(frame_boxes, texts, map(float, scores), strict=True)))
        start = end
    return results


class OcrStage(Stage):
    """Keyframes → ``{"text", "lines", "engines", "notes"}`` (policy: module docstring).

    Each line: ``text``, ``confidence`` (0-1), ``box`` (4 corners in keyframe pixels),
    ``ts_first``/``ts_last`` (seconds), ``frames`` (how many keyframes show it) and ``engine``
    (``rapidocr`` or ``tesseract:<lang>``). ``tesseract``: the CLI to use (None: none).
    """

    name = "ocr"
    requires = ("keyframes",)
    applies_to = frozenset({"video", "image"})
    models = ("ocr-rapidocr",)
    code_version = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        tesseract: str | None = "tesseract",
    ) -> None:
        super().__init__(registry, settings)
        self.tesseract = Tesseract(tesseract, threads=1)

    @cached_property
    def version(self) -> str:
        """Tesseract is no registry model: its version and language packs join the version."""
        version = super().version
        if self.tesseract.languages:
            langs = "+".join(sorted(self.tesseract.languages))
            version += f" tesseract=={self.tesseract.version}/{langs}"
        return version

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        engine = self.registry.load("ocr-rapidocr")
        frames: list[tuple[int, float, Image.Image]] = []
        failed: dict[int, BaseException] = {}
        for index, inp in enumerate(batch):
            try:
                frames += [(index, ts, image) for ts, image in inp.keyframes()]
            except Exception as exc:  # a missing or unreadable keyframe fails this post only
                failed[index] = exc
        found = rapidocr_read(engine, [np.asarray(image)[:, :, ::-1] for _, _, image in frames])
        per_frame = []
        for (index, ts, _), lines in zip(frames, found, strict=True):
            language = (batch[index].post.language or "").lower().replace("_", "-")
            hint = HINTS.get(language.split("-")[0])
            per_frame.append([Line(text, score, np.asarray(box, np.float32), RAPIDOCR, ts,
                                   reread_langs(text, score, hint))
                              for box, text, score in lines])  # fmt: skip
        notes = self._reread(frames, per_frame)
        values: list[dict[str, Any] | BaseException] = []
        for index in range(len(batch)):
            mine = [line for (i, _, _), lines in zip(frames, per_frame, strict=True)
                    if i == index for line in lines]  # fmt: skip
            values.append(failed[index] if index in failed else self._value(mine, list(notes)))
        return values

    def _reread(
        self, frames: list[tuple[int, float, Image.Image]], per_frame: list[list[Line]]
    ) -> list[str]:
        """Swap flagged rows for tesseract's reading, in place; returns notes for the values."""
        jobs: dict[str, list[Image.Image]] = {lang: [] for lang in self.tesseract.languages}
        rows = []  # (frame index, members, box, {lang: index in jobs[lang]})
        for f, ((_, _, image), lines) in enumerate(zip(frames, per_frame, strict=True)):
            for members in merge_rows([line for line in lines if not CJK.search(line.text)]):
                langs = frozenset().union(*(m.langs for m in members)) & self.tesseract.languages
                if langs:
                    box = bounding_quad([m.box for m in members])
                    crop = line_crop(image, box)
                    rows.append((f, members, box, {lang: len(jobs[lang]) for lang in langs}))
                    for lang in langs:
                        jobs[lang].append(crop)
        try:
            results = self.tesseract.read(jobs) if rows else {}
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            return [f"tesseract failed, rapidocr's readings kept: {exc}"]
        for f, members, box, slots in rows:
            rapid = " ".join(m.text for m in members)
            trusted = all(m.confidence >= REREAD_BELOW for m in members)
            best = pick({lang: results[lang][slot] for lang, slot in slots.items()}, rapid, trusted)
            if best is not None and best[2] >= self.settings.ocr_min_confidence:
                lang, text, conf = best
                per_frame[f] = [x for x in per_frame[f] if all(x is not m for m in members)]
                per_frame[f].append(Line(text, conf, box, f"tesseract:{lang}", members[0].ts))
        return []

    def _value(self, lines: list[Line], notes: list[str]) -> dict[str, Any]:
        missing = sorted(set(LANGUAGES) - self.tesseract.languages)
        if missing:
            flagged = sum(bool(line.langs - self.tesseract.languages) for line in lines)
            notes.append(f"tesseract {'/'.join(missing)} not installed: {flagged} line(s) that "
                         "look Thai or Vietnamese keep rapidocr's reading")  # fmt: skip
        kept = [line for line in lines if line.confidence >= self.settings.ocr_min_confidence]
        unique = dedup(kept)
        return {
            "text": "\n".join(entry["text"] for entry in unique),
            "lines": unique,
            "engines": sorted({RAPIDOCR} | {line.engine for line in lines}),
            "notes": notes,
        }
