"""AsrStage on speech synthesised by espeak-ng and muxed into mp4s (H.264 + AAC) with PyAV."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from difflib import SequenceMatcher
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.media import make_video
from reelstack.testing.understand import stage_input
from reelstack.understand.asr import SAMPLE_RATE, AsrStage, decode_audio, loudest_dbfs
from reelstack.understand.stage import StageError

ENGLISH = "Hello world, this is a test"
# espeak-ng's Indonesian is rough: Whisper base takes this sentence for Thai (0.79) unless the
# post declares its language, which is the case tested here (see AsrStage.language).
INDONESIAN = "Selamat pagi semua, terima kasih sudah menonton video ini"


def mux(path: Path, pcm: np.ndarray, rate: int, fps: int = 10) -> Path:
    """An mp4 with a small H.264 video track and ``pcm`` (int16 mono) as its AAC audio."""
    import av

    seconds = pcm.size / rate
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 112, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = container.add_stream("aac", rate=rate)
        audio.layout = "mono"
        for index in range(max(1, int(seconds * fps))):
            pixels = np.full((112, 64, 3), index * 7 % 255, dtype=np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        for start in range(0, pcm.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + 1024].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    return path


def speech_video(directory: Path, name: str, sentence: str, voice: str) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to synthesise speech (apt-get install espeak-ng)")
    wav = directory / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), sentence], check=True)
    with wave.open(str(wav)) as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    pad = np.zeros(rate // 2, dtype=np.int16)  # half a second of quiet either side
    return mux(directory / f"{name}.mp4", np.concatenate([pad, pcm, pad]), rate)


def word_overlap(expected: str, heard: str) -> float:
    """The share of expected words that appear (spelt within 80%) in what was heard."""
    words = [w.strip(".,!?").lower() for w in heard.split()]
    wanted = [w.strip(".,!?").lower() for w in expected.split()]
    found = sum(any(SequenceMatcher(None, w, h).ratio() >= 0.8 for h in words) for w in wanted)
    return found / len(wanted)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("asr-media")


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> FileBlobStore:
    return FileBlobStore(tmp_path_factory.mktemp("blobs"))


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> AsrStage:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"), num_threads=2)
    if not registry.info("asr-whisper-base").available:
        pytest.skip(registry.info("asr-whisper-base").reason)
    return AsrStage(registry, UnderstandSettings())


def unloaded_stage(tmp_path: Path) -> AsrStage:
    """A stage on a fresh registry, so ``is_loaded`` tells whether it loaded Whisper."""
    return AsrStage(ModelRegistry(cache_dir=tmp_path / "models"), UnderstandSettings())


def run(stage: AsrStage, blobs: FileBlobStore, path: Path, **post: Any) -> dict[str, Any]:
    result = stage.process([stage_input(blobs, media_path=path, **post)])[0]
    assert isinstance(result, dict), result
    return result


def test_english_speech(stage: AsrStage, blobs: FileBlobStore, media: Path) -> None:
    value = run(stage, blobs, speech_video(media, "english", ENGLISH, "en"))
    assert value["silent"] is False
    assert word_overlap(ENGLISH, value["text"]) >= 0.7, value["text"]
    assert (value["language"], value["language_source"]) == ("en", "audio")
    assert value["language_probability"] > 0.5
    assert value["segments"] and all(s["start"] < s["end"] for s in value["segments"])
    assert value["text"] == " ".join(s["text"] for s in value["segments"])
    assert 2.0 < value["duration_s"] < 4.0 and value["truncated"] is False


def test_indonesian_speech_with_declared_language(
    stage: AsrStage, blobs: FileBlobStore, media: Path
) -> None:
    path = speech_video(media, "indonesian", INDONESIAN, "id")
    value = run(stage, blobs, path, language="id")
    assert value["language"] == "id" and 0.0 < value["language_probability"] < 1.0
    assert word_overlap(INDONESIAN, value["text"]) >= 0.7, value["text"]


def test_no_audio_stream_is_silent_without_the_model(tmp_path: Path, blobs: FileBlobStore) -> None:
    stage = unloaded_stage(tmp_path)
    path = make_video(tmp_path / "mute.mp4", seconds=2)
    started = time.perf_counter()
    value = run(stage, blobs, path, duration_s=2.0)
    assert time.perf_counter() - started < 0.5
    assert value["silent"] is True and value["reason"] == "no audio stream"
    assert (value["text"], value["segments"], value["language"]) == ("", [], None)
    assert not stage.registry.is_loaded("asr-whisper-base")


def test_silent_audio_track_is_silent(tmp_path: Path, blobs: FileBlobStore) -> None:
    stage = unloaded_stage(tmp_path)
    hiss = (np.random.default_rng(0).normal(0, 30, 16_000 * 2)).astype(np.int16)  # -61 dBFS
    value = run(stage, blobs, mux(tmp_path / "quiet.mp4", hiss, 16_000))
    assert value["silent"] is True and "dBFS" in value["reason"]
    assert 1.9 < value["duration_s"] < 2.3
    assert not stage.registry.is_loaded("asr-whisper-base")


def test_decoding_is_bounded_and_resampled(tmp_path: Path) -> None:
    rate = 22_050
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(rate * 3) / rate)).astype(np.int16)
    path = mux(tmp_path / "tone.mp4", tone, rate)
    full = decode_audio(path, max_seconds=60)
    assert full is not None and full[1] is False
    assert abs(full[0].size / SAMPLE_RATE - 3.0) < 0.1 and full[0].dtype == np.float32
    assert loudest_dbfs(full[0]) == pytest.approx(20 * np.log10(8000 / 32768 / np.sqrt(2)), abs=1)
    head = decode_audio(path, max_seconds=1.0)
    assert head is not None and head[0].size == SAMPLE_RATE and head[1] is True
    assert loudest_dbfs(np.zeros(100, np.float32)) == float("-inf")


def test_broken_media_fails_only_its_post(tmp_path: Path, blobs: FileBlobStore) -> None:
    stage = unloaded_stage(tmp_path)
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    mute = make_video(tmp_path / "mute.mp4", seconds=1)
    inputs = [stage_input(blobs, media_path=p) for p in (corrupt, None, mute)]
    results = stage.process(inputs)
    assert isinstance(results[0], StageError) and "corrupt.mp4" in str(results[0])
    assert isinstance(results[1], StageError)
    assert isinstance(results[2], dict) and results[2]["silent"] is True


def test_model_comes_from_settings(tmp_path: Path) -> None:
    registry = ModelRegistry(cache_dir=tmp_path)
    stage = AsrStage(registry, UnderstandSettings(asr_model="asr-whisper-tiny-en"))
    assert stage.models == ("asr-whisper-tiny-en",) and stage.model_name == "asr-whisper-tiny-en"
    if registry.info("asr-whisper-tiny-en").available:
        assert stage.version == f"asr/1 {registry.version('asr-whisper-tiny-en')}"
    assert AsrStage(registry, UnderstandSettings()).models == ("asr-whisper-base",)
