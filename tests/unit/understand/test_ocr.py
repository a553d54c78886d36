"""OcrStage on captions rendered with Noto fonts: four scripts, engines, de-duplication, degrade."""

from __future__ import annotations

import shutil
import subprocess
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand.ocr import Line, OcrStage, dedup, normalise, pick, reread_langs
from reelstack.understand.ocr_tesseract import line_crop, parse_tsv
from reelstack.understand.stage import Post, StageInput

NOTO = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
NOTO_THAI = Path("/usr/share/fonts/truetype/noto/NotoSansThai-Bold.ttf")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
ENGLISH, CHINESE = "Summer sale today only", "今天天气很好"
THAI, VIETNAMESE = "สวัสดีครับ ยินดีต้อนรับ", "Xin chào các bạn, hôm nay"


def _tesseract_langs() -> set[str]:
    if shutil.which("tesseract") is None:
        return set()
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return set(out.stdout.split())


needs_tesseract = pytest.mark.skipif(
    not {"tha", "vie"} <= _tesseract_langs(),
    reason="Thai/Vietnamese need tesseract with tha+vie (bash scripts/system-deps.sh)",
)


def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    if not path.exists():
        pytest.skip(f"font {path} is not installed (fonts-noto-core, fonts-noto-cjk)")
    return ImageFont.truetype(str(path), size)


def frame(lines: list[tuple[str, Path]], background: tuple[int, int, int]) -> Image.Image:
    """A 405 x 720 keyframe (vertical video at keyframe_px=720): white outlined captions."""
    image = Image.new("RGB", (405, 720), background)
    draw = ImageDraw.Draw(image)
    for i in range(0, 720, 8):  # a gradient, so the background is not one flat colour
        draw.line([(0, i), (405, i)], fill=tuple(min(255, c + i // 12) for c in background))
    for row, (text, path) in enumerate(lines):
        draw.text((16, 160 + 90 * row), text, font=font(path, 32), fill="white",
                  stroke_width=2, stroke_fill="black")  # fmt: skip
    return image


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def best_line(value: dict[str, Any], expected: str) -> dict[str, Any]:
    return max(value["lines"], key=lambda line: similarity(line["text"], expected))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"), num_threads=2)
    if registry.missing("ocr-rapidocr"):
        pytest.skip("rapidocr is not installed")
    return registry


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> FileBlobStore:
    return FileBlobStore(tmp_path_factory.mktemp("blobs"))


@pytest.fixture(scope="module")
def stage(registry: ModelRegistry) -> OcrStage:
    return OcrStage(registry, UnderstandSettings(threads=2))


@pytest.fixture(scope="module")
def four_scripts(stage: OcrStage, blobs: FileBlobStore) -> dict[str, Any]:
    lines = [(ENGLISH, NOTO), (CHINESE, NOTO_CJK), (THAI, NOTO_THAI), (VIETNAMESE, NOTO)]
    result = stage.process([stage_input(blobs, frames=[(0.0, frame(lines, (30, 60, 110)))])])[0]
    assert isinstance(result, dict)
    return result


def test_reads_english_and_chinese_with_rapidocr(four_scripts: dict[str, Any]) -> None:
    for expected in (ENGLISH, CHINESE):
        line = best_line(four_scripts, expected)
        assert normalise(line["text"]) == normalise(expected)
        assert line["engine"] == "rapidocr" and line["confidence"] >= 0.9
        assert len(line["box"]) == 4 and all(len(point) == 2 for point in line["box"])
    assert four_scripts["text"].splitlines()[0] == best_line(four_scripts, ENGLISH)["text"]


@needs_tesseract
def test_reads_thai_and_vietnamese_with_tesseract(
    stage: OcrStage, four_scripts: dict[str, Any]
) -> None:
    thai, vietnamese = best_line(four_scripts, THAI), best_line(four_scripts, VIETNAMESE)
    assert similarity(thai["text"], THAI) >= 0.8, thai
    assert similarity(vietnamese["text"], VIETNAMESE) >= 0.8, vietnamese
    assert "ạ" in vietnamese["text"]  # the letter rapidocr drops ("bạn" → "bn")
    assert (thai["engine"], vietnamese["engine"]) == ("tesseract:tha", "tesseract:vie")
    assert four_scripts["engines"] == ["rapidocr", "tesseract:tha", "tesseract:vie"]
    assert four_scripts["notes"] == []
    assert " tesseract==5." in stage.version and stage.version.endswith("/tha+vie")


def test_without_tesseract_keeps_rapidocr_and_says_so(
    registry: ModelRegistry, blobs: FileBlobStore
) -> None:
    stage = OcrStage(registry, UnderstandSettings(), tesseract=None)
    image = frame([(VIETNAMESE, NOTO)], (90, 40, 40))
    value = stage.process([stage_input(blobs, frames=[(0.0, image)])])[0]
    assert isinstance(value, dict)
    assert value["engines"] == ["rapidocr"] and value["lines"]
    assert {line["engine"] for line in value["lines"]} == {"rapidocr"}
    assert len(value["notes"]) == 1 and "not installed" in value["notes"][0]
    assert "tesseract" not in stage.version


def test_same_overlay_in_three_frames_is_one_line(stage: OcrStage, blobs: FileBlobStore) -> None:
    frames = [
        (ts, frame([("Link in bio", NOTO)], colour))
        for ts, colour in ((0.0, (20, 20, 20)), (1.5, (120, 30, 60)), (3.0, (10, 90, 40)))
    ]
    value = stage.process([stage_input(blobs, frames=frames)])[0]
    assert isinstance(value, dict)
    assert [line["text"] for line in value["lines"]] == ["Link in bio"]
    line = value["lines"][0]
    assert (line["ts_first"], line["ts_last"], line["frames"]) == (0.0, 3.0, 3)
    assert value["text"] == "Link in bio"


def test_blank_frame_has_no_text(stage: OcrStage, blobs: FileBlobStore) -> None:
    blank = Image.new("RGB", (405, 720), (200, 200, 200))
    value = stage.process([stage_input(blobs, frames=[(0.0, blank)])])[0]
    assert value == {"text": "", "lines": [], "engines": ["rapidocr"], "notes": []}


def test_batch_keeps_posts_apart_and_fails_only_the_broken_one(
    stage: OcrStage, blobs: FileBlobStore
) -> None:
    good = stage_input(blobs, frames=[(0.5, frame([("Follow for more", NOTO)], (40, 40, 90)))])
    empty = stage_input(blobs, kind="image", frames=[(0.0, Image.new("RGB", (405, 720)))])
    missing = StageInput(
        post=Post(item_id="x", kind="video", media_path=None),
        upstream={"keyframes": {"frames": [{"ts": 0.0, "sha256": "0" * 64}]}},
        blobs=blobs,
    )
    results = stage.process([good, missing, empty])
    assert isinstance(results[1], Exception)
    assert results[0]["text"] == "Follow for more" and results[0]["lines"][0]["ts_first"] == 0.5
    assert results[2]["lines"] == []


def test_low_confidence_lines_are_dropped(registry: ModelRegistry, blobs: FileBlobStore) -> None:
    strict = OcrStage(registry, UnderstandSettings(ocr_min_confidence=1.0), tesseract=None)
    image = frame([(ENGLISH, NOTO)], (30, 60, 110))
    value = strict.process([stage_input(blobs, frames=[(0.0, image)])])[0]
    assert all(line["confidence"] >= 1.0 for line in value["lines"])


# The engine policy and de-duplication, without models.


@pytest.mark.parametrize(
    ("text", "score", "hint", "langs"),
    [
        ("Summer sale", 0.99, None, set()),  # confident Latin: rapidocr's reading stands
        ("今天天气很好", 0.40, "th", set()),  # Chinese stays with rapidocr, whatever else
        ("Xin chào các bn", 0.99, None, {"vie"}),  # Vietnamese letters, nothing foreign
        ("a5anšu āuəušu", 0.93, None, {"tha", "vie"}),  # pseudo-Latin from Thai glyphs
        ("ULNyULULenn", 0.62, None, {"tha", "vie"}),  # plain ASCII but a low score
        ("Gim giá  đc bit", 0.97, None, {"tha", "vie"}),  # a double space: dropped glyphs
        ("", 0.0, None, {"tha", "vie"}),
        ("Best pizza", 0.99, "vie", {"vie"}),  # a Vietnamese post: every line is re-read
        ("Best pizza", 0.99, "tha", {"tha", "vie"}),
    ],
)
def test_reread_policy(text: str, score: float, hint: str | None, langs: set[str]) -> None:
    assert reread_langs(text, score, hint) == langs


def test_pick_prefers_plausible_confident_readings() -> None:
    thai_crop = {"tha": ("สวัสดีครับ", 0.9), "vie": ("a3añnSU", 0.2)}
    assert pick(thai_crop, "a5anšu", trusted=False) == ("tha", "สวัสดีครับ", 0.9)
    # A Thai reading must be Thai; a Vietnamese one must agree with rapidocr, marks aside.
    latin_crop = {"tha": ("Summer อทเห", 0.95), "vie": ("Summer sale", 0.7)}
    assert pick(latin_crop, "Summer sale", trusted=True) == ("vie", "Summer sale", 0.7)
    viet = {"vie": ("Xin chào các bạn", 0.9)}
    assert pick(viet, "Xin chào các bn", trusted=True) == ("vie", "Xin chào các bạn", 0.9)
    assert pick({"vie": ('"2 ` "_ : và', 0.6)}, "Cåm ơn ban đã", trusted=True) is None
    # Over a confident rapidocr reading, a Thai one must be confident too; noise is no text.
    assert pick({"tha": ("ล่ไว สีี", 0.65)}, "Cåm ơn ban đã", trusted=True) is None
    assert pick({"tha": ("ล่ไว สีี", 0.65)}, "ULNyULULenn", trusted=False) is not None
    assert pick({"tha": ("ย ,", 0.83)}, "0", trusted=False) is None


def _line(text: str, ts: float, confidence: float = 0.9, y: float = 0.0) -> Line:
    box = np.array([[0, y], [100, y], [100, y + 20], [0, y + 20]], dtype=np.float32)
    return Line(text, confidence, box, "rapidocr", ts)


def test_dedup_matches_noisy_readings_and_keeps_the_best() -> None:
    lines = [
        _line("SALE 50% OFF", 0.0, 0.91),
        _line("Tap to follow", 0.0, 0.95, y=50),
        _line("SALE 5O% 0FF", 1.0, 0.97),  # OCR noise: still the same overlay
        _line("sale 50% off!", 2.0, 0.80),
        _line("SALE 60% OFF", 3.0, 0.99, y=50),  # new text: numbers matter...
        _line("...", 3.0, 0.99),  # ...punctuation alone is no text
    ]
    unique = dedup(lines)
    assert [u["text"] for u in unique] == ["SALE 5O% 0FF", "Tap to follow", "SALE 60% OFF"]
    assert (unique[0]["ts_first"], unique[0]["ts_last"], unique[0]["frames"]) == (0.0, 2.0, 3)
    assert unique[0]["confidence"] == 0.97


def test_line_crop_is_dark_text_on_white() -> None:
    image = Image.new("RGB", (300, 60), (90, 140, 60))
    ImageDraw.Draw(image).text((20, 12), "Hello", font=font(NOTO, 30), fill="white",
                               stroke_width=2, stroke_fill="black")  # fmt: skip
    crop = np.asarray(line_crop(image, np.array([[5, 2], [200, 2], [200, 58], [5, 58]])))
    assert crop.shape[0] == 48 and set(np.unique(crop)) <= {0, 255}
    assert 0.03 < (crop == 0).mean() < 0.5  # the letters, not the background, are black


def test_parse_tsv_maps_pages_and_joins_thai_clusters() -> None:
    columns = "level page_num block_num par_num line_num word_num left top width height conf text"
    header = columns.replace(" ", "\t")
    rows = [
        "5\t1\t1\t1\t1\t1\t10\t5\t20\t30\t90\tสวัส",
        "5\t1\t1\t1\t1\t2\t31\t5\t20\t30\t80\tดี",
        "5\t1\t1\t1\t1\t3\t80\t5\t20\t30\t70\tครับ",
        "5\t3\t1\t1\t1\t1\t10\t5\t40\t30\t95\tHello",
        "5\t3\t1\t1\t1\t2\t60\t5\t40\t30\t85\tworld",
    ]
    parsed = parse_tsv("\n".join([header, *rows]), count=3)
    assert parsed[0] == ("สวัสดี ครับ", pytest.approx(0.8))
    assert parsed[1] == ("", 0.0)
    assert parsed[2] == ("Hello world", pytest.approx(0.9))
