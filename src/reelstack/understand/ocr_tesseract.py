"""The tesseract CLI as the OCR stage's second engine: Thai and Vietnamese text lines.

Tesseract is a Debian package, not a Python one, so it is driven through its command line
(no new dependency) and its version joins the OCR stage version. It only ever sees single
text lines that rapidocr has already found: each is cleaned to black-on-white (``line_crop``),
all of a batch's lines become the pages of one TIFF, and that goes through one ``tesseract``
process per language (``--psm 7``: one line per page), the languages in parallel, by pipes:
nothing is written to disk.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
import subprocess
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

LANGUAGES = ("tha", "vie")
LINE_PX = 48  # crop height; tesseract's Thai read best at 48-64 px high crops in our bench
MAX_WIDTH = 4000
THAI = re.compile(r"[\u0e00-\u0e7f]")


def line_crop(image: Image.Image, box: np.ndarray) -> Image.Image:
    """The text of one line as black on white, ``LINE_PX`` high, background removed.

    Overlay text on a photo defeats tesseract's own binarisation (Thai read at 0.25-0.5
    character similarity from grey crops). Here Otsu splits the crop into bright and dark,
    components touching the crop's edge are dropped as background (rapidocr's boxes leave a
    margin round the text), and whichever polarity keeps more pixels is the text: 0.8 (Thai)
    and 0.87 (Vietnamese) on white, yellow, outlined and boxed captions over photos.
    """
    import cv2  # OpenCV comes with rapidocr, the engine that found the box
    from PIL import Image as PILImage

    (x0, y0), (x1, y1) = box.min(axis=0), box.max(axis=0)
    grey = np.asarray(image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1)).convert("L"))
    width = round(grey.shape[1] * LINE_PX / max(1, grey.shape[0]))
    grey = cv2.resize(grey, (min(MAX_WIDTH, max(1, width)), LINE_PX), interpolation=cv2.INTER_CUBIC)
    _, bright = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    text = max(_off_edge(bright), _off_edge(1 - bright), key=np.count_nonzero)
    return PILImage.fromarray(np.where(text, 0, 255).astype(np.uint8))


def _off_edge(mask: np.ndarray) -> np.ndarray:
    """The glyph-sized components of ``mask`` that do not touch the crop's edge.

    No glyph is as tall as its line's box or much wider than it is tall, so the size limits
    drop a caption's backing box and the joined outline of outlined text.
    """
    import cv2

    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    height = mask.shape[0]
    keep = (stats[:, cv2.CC_STAT_HEIGHT] < 0.9 * height) & (
        stats[:, cv2.CC_STAT_WIDTH] < 1.5 * height
    )
    keep[0] = False  # the label of ~mask
    keep[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = False
    return keep[labels]


class Tesseract:
    """The tesseract CLI (``command``: a name on PATH or a path; None: no tesseract)."""

    def __init__(self, command: str | None = "tesseract", threads: int = 1) -> None:
        self.command = command
        self.threads = threads

    @cached_property
    def path(self) -> str | None:
        return shutil.which(self.command) if self.command else None

    @cached_property
    def version(self) -> str | None:
        """``5.3.0``, from the first line of ``tesseract --version``."""
        if not self.path:
            return None
        out = subprocess.run([self.path, "--version"], capture_output=True, text=True)
        first = (out.stdout or out.stderr).strip().splitlines()[:1]
        return first[0].split()[-1] if first else "unknown"

    @cached_property
    def languages(self) -> frozenset[str]:
        """Which of ``LANGUAGES`` have their traineddata installed."""
        if not self.path:
            return frozenset()
        out = subprocess.run([self.path, "--list-langs"], capture_output=True, text=True)
        return frozenset(set(LANGUAGES) & set(out.stdout.split()))

    def read(self, jobs: dict[str, list[Image.Image]]) -> dict[str, list[tuple[str, float]]]:
        """``{lang: [(text, confidence 0-1) per crop]}`` for ``{lang: line crops}``."""
        env = {**os.environ, "OMP_THREAD_LIMIT": str(self.threads)}
        running = {}
        for lang, crops in jobs.items():
            if crops:
                argv = [str(self.path), "stdin", "stdout", "-l", lang, "--psm", "7", "tsv"]
                pipes = {
                    "stdin": subprocess.PIPE,
                    "stdout": subprocess.PIPE,
                    "stderr": subprocess.PIPE,
                }
                running[lang] = (subprocess.Popen(argv, env=env, **pipes), crops)
        results: dict[str, list[tuple[str, float]]] = {lang: [] for lang in jobs}
        for lang, (proc, crops) in running.items():
            out, err = proc.communicate(pages(crops), timeout=60 + 2 * len(crops))
            if proc.returncode:
                raise RuntimeError(f"tesseract -l {lang} failed: {err.decode()[-300:]}")
            results[lang] = parse_tsv(out.decode("utf-8"), len(crops))
        return results


def pages(crops: list[Image.Image]) -> bytes:
    """The crops as one multi-page TIFF, each with a white margin: one process reads them all.

    One page per line (rather than one stacked page) lets ``--psm 7`` hold each crop to a
    single line; on a stacked page tesseract split rows of Thai marks off as lines of their own.
    """
    from PIL import Image as PILImage

    margin = LINE_PX // 2
    padded = []
    for crop in crops:
        page = PILImage.new("L", (crop.width + 2 * margin, crop.height + 2 * margin), 255)
        page.paste(crop, (margin, margin))
        padded.append(page)
    buffer = io.BytesIO()
    padded[0].save(buffer, "TIFF", save_all=True, append_images=padded[1:], compression="packbits")
    return buffer.getvalue()


def parse_tsv(tsv: str, count: int) -> list[tuple[str, float]]:
    """(text, mean word confidence 0-1) per page of tesseract's TSV output.

    Tesseract splits Thai (written without spaces) into clusters, which join with a space
    only across a gap of a quarter line or more.
    """
    words: list[list[dict[str, str]]] = [[] for _ in range(count)]
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] == "5" and (row["text"] or "").strip() and int(row["page_num"]) <= count:
            words[int(row["page_num"]) - 1].append(row)
    lines = []
    for found in words:
        found.sort(key=lambda w: int(w["left"]))
        text = found[0]["text"] if found else ""
        for a, b in itertools.pairwise(found):
            gap = int(b["left"]) - int(a["left"]) - int(a["width"])
            thai = THAI.match(a["text"][-1]) and THAI.match(b["text"][0])
            text += ("" if thai and gap < 0.25 * LINE_PX else " ") + b["text"]
        conf = float(np.mean([float(w["conf"]) for w in found])) / 100 if found else 0.0
        lines.append((text, conf))
    return lines
