"""ASR stage: the speech in a video as a transcript with timed segments and its language.

Audio is decoded with PyAV straight to 16 kHz mono float32 (what Whisper consumes), capped at
``asr_max_seconds``, and never written to disk. Silent videos are the common case on a
short-video platform (music is dubbed later, or there is no audio track) and are settled
before the model is loaded: no audio stream, or no 100 ms window louder than ``silence_dbfs``,
gives ``{"silent": true}``. Whisper runs through faster-whisper (CTranslate2, int8 on CPU,
threads fixed by the registry when it loads the model). faster-whisper has no batching across
files (its ``BatchedInferencePipeline`` batches the 30 s chunks of one file), so a batch is a
loop over its posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.understand.stage import PerItemStage, StageError, StageInput

if TYPE_CHECKING:
    from pathlib import Path

    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

SAMPLE_RATE = 16_000  # Whisper's input rate
WINDOW = SAMPLE_RATE // 10  # 100 ms: the loudness of speech shows in any one of them
HINT_UNLESS = 0.9  # Whisper's language probability above which a declared language is ignored
HINT_MIN = 0.01  # the least probability Whisper must give a declared language to take it


def decode_audio(path: Path, max_seconds: float) -> tuple[np.ndarray, bool] | None:
    """The first ``max_seconds`` of the first audio stream as 16 kHz mono float32 in [-1, 1],
    and whether the stream went on past them.

    None when the file has no audio stream; `StageError` when it cannot be decoded.
    """
    import av

    limit = int(max_seconds * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    got, truncated = 0, False
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    got += chunks[-1].size
                if got >= limit:
                    truncated = True
                    break
            else:
                chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except av.FFmpegError as exc:
        raise StageError(f"cannot decode the audio of {path.name}: {exc}") from exc
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return np.ascontiguousarray(audio[:limit], dtype=np.float32), truncated


def loudest_dbfs(audio: np.ndarray) -> float:
    """The RMS level of the loudest 100 ms window, in dB relative to full scale."""
    if audio.size == 0:
        return float("-inf")
    usable = audio[: audio.size - audio.size % WINDOW] if audio.size >= WINDOW else audio
    windows = usable.reshape(-1, min(WINDOW, usable.size)).astype(np.float64)
    rms = float(np.sqrt((windows**2).mean(axis=1)).max())
    return 20 * np.log10(rms) if rms > 0 else float("-inf")


class AsrStage(PerItemStage):
    """Video → ``{"silent", "language", "language_probability", "text", "segments", ...}``.

    Also ``duration_s`` (seconds of audio analysed), ``truncated`` (the audio went on past
    ``asr_max_seconds``), ``language_source`` (``audio``, ``post`` or ``model``: see
    `language`) and ``reason`` for silent posts (no audio stream, too quiet, or no speech
    found). ``beam_size=1`` (greedy) transcribed our clips as well as 5, 15-25% faster;
    ``vad`` lets Whisper skip non-speech (Silero VAD, bundled with faster-whisper), which
    also curbs the text Whisper invents over music and noise.
    """

    name = "asr"
    applies_to = frozenset({"video"})
    models = ("asr-whisper-base",)  # the default; each instance takes ``settings.asr_model``
    code_version = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        beam_size: int = 1,
        vad: bool = True,
        silence_dbfs: float = -50.0,
    ) -> None:
        super().__init__(registry, settings)
        self.models = (settings.asr_model,)  # type: ignore[misc]  # chosen in settings
        self.beam_size = beam_size
        self.vad = vad
        self.silence_dbfs = silence_dbfs

    def process_one(self, inp: StageInput) -> dict[str, Any]:
        post = inp.post
        if post.media_path is None:
            raise StageError("the post has no media file to take audio from")
        decoded = decode_audio(post.media_path, self.settings.asr_max_seconds)
        if decoded is None:
            return silent("no audio stream", post.duration_s or 0.0)
        audio, truncated = decoded
        duration = round(audio.size / SAMPLE_RATE, 3)
        level = loudest_dbfs(audio)
        if level < self.silence_dbfs:
            return silent(f"audio below {self.silence_dbfs:g} dBFS", duration, truncated)
        model = self.registry.load(self.models[0])
        language, probability, source = self.language(model, audio, post.language)
        segments, _ = model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            vad_filter=self.vad,
            condition_on_previous_text=False,  # stops one misheard phrase repeating
        )
        found = [
            {"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip()}
            for s in segments
            if s.text.strip()
        ]
        if not found:
            return silent("no speech found", duration, truncated)
        return {
            "silent": False,
            "language": language,
            "language_probability": round(probability, 4),
            "language_source": source,
            "text": " ".join(s["text"] for s in found),
            "segments": found,
            "duration_s": duration,
            "truncated": truncated,
            "loudest_dbfs": round(level, 1),
        }

    def language(
        self, model: Any, audio: np.ndarray, declared: str | None
    ) -> tuple[str, float, str]:
        """(code, probability, source): Whisper's guess, or the post's declared language.

        Whisper guesses from the first 30 s, often a few words over music on this platform,
        and it took espeak-ng's Indonesian for Thai (0.79 against 0.11). The declared
        language wins unless Whisper is sure (``HINT_UNLESS``) of another one and gives the
        declared one almost no chance (``HINT_MIN``). English-only models answer "en".
        """
        if not model.model.is_multilingual:
            return "en", 1.0, "model"
        detected, probability, ranked = model.detect_language(audio, vad_filter=self.vad)
        hint = (declared or "").lower().replace("_", "-").split("-")[0]
        if hint and hint != detected and probability < HINT_UNLESS:
            hint_probability = dict(ranked).get(hint, 0.0)
            if hint_probability >= HINT_MIN:
                return hint, float(hint_probability), "post"
        return detected, float(probability), "audio"


def silent(reason: str, duration: float, truncated: bool = False) -> dict[str, Any]:
    return {
        "silent": True,
        "language": None,
        "language_probability": None,
        "text": "",
        "segments": [],
        "duration_s": round(float(duration), 3),
        "truncated": truncated,
        "reason": reason,
    }
