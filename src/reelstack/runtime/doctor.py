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


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    needed_for: str


def _tool(name: str, needed_for: str, version_flag: str, package: str) -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, False, f"not installed (apt-get install {package})", needed_for)
    try:
        out = subprocess.run(
            [path, version_flag], capture_output=True, text=True, timeout=10, check=False
        )
        first = (out.stdout or out.stderr).strip().splitlines()[:1]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, False, f"{path} does not run: {exc}", needed_for)
    return Check(name, True, first[0] if first else path, needed_for)


_FONT_PACKAGES = {"latin": "fonts-noto-core", "cjk": "fonts-noto-cjk", "thai": "fonts-noto-core"}


def _font_checks() -> list[Check]:
    from reelstack.demo.assets import find_fonts  # the demo's renderer is what needs fonts

    checks = []
    for script, ref in find_fonts().items():
        detail = ref.path if ref else f"no font found (apt-get install {_FONT_PACKAGES[script]})"
        checks.append(Check(f"font: {script}", ref is not None, detail, "text in demo clips"))
    return checks


def system_checks() -> list[Check]:
    return [
        _tool("ffmpeg", "command-line media tools (PyAV bundles its own)", "-version", "ffmpeg"),
        _tool("espeak-ng", "speech tracks in demo clips", "--version", "espeak-ng"),
        _tool(
            "tesseract",
            "OCR for Thai, Vietnamese, Malay",
            "--version",
            "tesseract-ocr tesseract-ocr-tha tesseract-ocr-vie tesseract-ocr-msa",
        ),
        *_font_checks(),
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
