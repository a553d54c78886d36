"""What this machine has: system tools, fonts, models and the data directory's state.

Used by ``reelstack doctor`` and by features that degrade when something is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reelstack.runtime.platform import Platform

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    needed_for: str


def _tool(name: str, needed_for: str, version_flag: str = "-version") -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, False, "not installed (apt-get install " + name + ")", needed_for)
    try:
        out = subprocess.run(
            [path, version_flag], capture_output=True, text=True, timeout=10, check=False
        )
        first = (out.stdout or out.stderr).strip().splitlines()[:1]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, False, f"{path} does not run: {exc}", needed_for)
    return Check(name, True, first[0] if first else path, needed_for)


def find_font(*patterns: str) -> Path | None:
    """The first installed font file whose name matches one of ``patterns`` (glob)."""
    for folder in FONT_DIRS:
        for pattern in patterns:
            for found in sorted(folder.rglob(pattern)) if folder.is_dir() else ():
                return found
    return None


def _font(script: str, patterns: tuple[str, ...], package: str) -> Check:
    found = find_font(*patterns)
    detail = str(found) if found else f"no font found (apt-get install {package})"
    return Check(f"font: {script}", found is not None, detail, "on-screen text in demo clips")


def system_checks() -> list[Check]:
    return [
        _tool("ffmpeg", "command-line media tools (PyAV bundles its own decoders)"),
        _tool("espeak-ng", "speech tracks in demo clips", "--version"),
        _tool("tesseract", "OCR for Thai, Vietnamese, Malay", "--version"),
        _font("Latin/Vietnamese", ("NotoSans-Regular.ttf", "DejaVuSans.ttf"), "fonts-noto-core"),
        _font("Chinese", ("NotoSansCJK-Regular.ttc",), "fonts-noto-cjk"),
        _font("Thai", ("NotoSansThai-Regular.ttf", "Loma.ttf"), "fonts-noto-core"),
    ]


def model_checks(platform: Platform) -> list[Check]:
    checks = []
    for info in platform.models.status():
        detail = info.version if info.available else (info.reason or "unavailable")
        checks.append(Check(f"model: {info.name}", info.available, detail, info.task))
    return checks


def data_summary(platform: Platform) -> dict[str, Any]:
    store = platform.store
    return {
        "data_dir": str(Path(platform.settings.data_dir).resolve()),
        "store": store.url,
        "items": store.count_items(),
        "events": store.count_events(),
        "demo": bool(platform.is_demo),
    }


def report(platform: Platform) -> dict[str, Any]:
    checks = system_checks() + model_checks(platform)
    return {"checks": [asdict(c) for c in checks], "data": data_summary(platform)}
