"""Cross-modal stage: each post's keyframes as one unit vector in the space of text queries.

Default backend, ConSE (Norouzi et al. 2014): per keyframe, the top-T ImageNet concept
probabilities (from the ``visual`` stage) weight the multilingual E5 embeddings of those
concepts' label texts (`concept_labels`); the mix is renormalised and pooled over keyframes.
A text query then finds a post by what it shows, in any language E5 reads, with no
image-text model at all. Where CLIP-family weights exist, ``crossmodal_backend="clip"`` with
``clip_model="ARCH:/path/to/weights"`` embeds keyframes and queries with open_clip instead.

Prefixes (E5 was trained with "query: " / "passage: "): labels and queries are both short
texts compared for meaning, E5's symmetric case, so both get "query: " (``LABEL_KIND``,
``QUERY_KIND``). On the tuning half of ``bench/crossmodal_eval.py`` (fold A) that pair beat the
three others for plain and enriched labels alike (enriched MRR .569 vs .490-.514).
`query_vector` applies it; search must embed queries with it (or with
`CrossModalStage.query_vectors`, which follows the configured backend). The same tuning chose
T = 3 (``conse_top_t``) and ``mean`` pooling over keyframes.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from reelstack.core.errors import ModelUnavailable
from reelstack.models.base import sha256_file
from reelstack.models.text import Kind
from reelstack.understand import vectors
from reelstack.understand.concept_labels import LabelBank, Variant, label_texts
from reelstack.understand.stage import Stage, StageError, StageInput

if TYPE_CHECKING:
    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

TEXT_MODEL = "text-multilingual-e5"
LABEL_KIND: Kind = "query"
QUERY_KIND: Kind = "query"
Pooling = Literal["mean", "confidence", "probs"]


def query_vector(registry: ModelRegistry, text: str) -> np.ndarray:
    """A text query as a unit vector (384,) comparable by dot product with ConSE post vectors."""
    return registry.load(TEXT_MODEL).embed([text], kind=QUERY_KIND)[0]


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)


def top_concepts(probs: np.ndarray, top_t: int) -> np.ndarray:
    """Indices (n, T) of each row's T most probable concepts."""
    t = min(top_t, probs.shape[1])
    return np.argpartition(-probs, t - 1, axis=1)[:, :t]


def conse(probs: np.ndarray, labels: np.ndarray, top_t: int) -> np.ndarray:
    """Per row of concept probabilities (n, C): the unit mix of its top-T label vectors."""
    idx = top_concepts(probs, top_t)
    weights = np.take_along_axis(probs, idx, axis=1)
    weights = weights / np.clip(weights.sum(axis=1, keepdims=True), 1e-12, None)
    return _unit(np.einsum("nt,ntd->nd", weights, labels[idx]))


def pool(frame_probs: np.ndarray, labels: np.ndarray, top_t: int, pooling: Pooling) -> np.ndarray:
    """One unit vector for a post's keyframes.

    ``mean``: average of the per-frame ConSE vectors; ``confidence``: the same, weighting each
    frame by the mass of its top-T concepts (blurred or text-only frames count less);
    ``probs``: ConSE of the mean probabilities.
    """
    if pooling == "probs":
        return conse(frame_probs.mean(axis=0, keepdims=True), labels, top_t)[0]
    per_frame = conse(frame_probs, labels, top_t)
    if pooling == "confidence":
        mass = np.take_along_axis(frame_probs, top_concepts(frame_probs, top_t), axis=1)
        weights = mass.sum(axis=1)
    else:
        weights = np.ones(len(per_frame), np.float32)
    return _unit(weights @ per_frame / max(float(weights.sum()), 1e-12))


class ConseBackend:
    """ImageNet concept probabilities → E5 label space; queries through `query_vector`."""

    def __init__(
        self,
        registry: ModelRegistry,
        *,
        top_t: int,
        pooling: Pooling,
        variant: Variant = "enriched",
        label_kind: Kind = LABEL_KIND,
        query_kind: Kind = QUERY_KIND,
    ) -> None:
        self.top_t, self.pooling, self.variant = top_t, pooling, variant
        self.query_kind = query_kind
        self._embedder = registry.load(TEXT_MODEL)
        texts = label_texts(registry.load("imagenet-classes"), variant)
        self.bank = LabelBank(
            self._embedder,
            texts,
            kind=label_kind,
            cache_dir=registry.cache_dir,
            model_version=registry.version(TEXT_MODEL),
        )
        self.space = f"{TEXT_MODEL}/{query_kind}"
        self.version = f"conse T={top_t} pool={pooling} labels={variant}:{self.bank.digest}"

    def embed_post(self, inp: StageInput) -> tuple[np.ndarray, np.ndarray]:
        visual = inp.upstream.get("visual")
        if not visual or "frame_probs" not in visual:
            raise StageError("no visual concepts upstream")
        probs = vectors.decode(visual["frame_probs"])
        if probs.ndim != 2 or not len(probs):
            raise StageError(f"visual frame_probs has shape {probs.shape}, expected (n, 1000)")
        needed = top_concepts(probs, self.top_t)
        if self.pooling == "probs":
            needed = top_concepts(probs.mean(axis=0, keepdims=True), self.top_t)
        self.bank.ensure(needed.ravel())
        labels = self.bank.vectors
        return pool(probs, labels, self.top_t, self.pooling), conse(probs, labels, self.top_t)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed(texts, kind=self.query_kind)


def import_open_clip() -> Any:
    """open_clip, imported only when the clip backend is configured."""
    try:
        return importlib.import_module("open_clip")
    except ImportError as exc:
        raise ModelUnavailable(
            "crossmodal_backend 'clip' needs the Python package 'open-clip-torch' "
            "(pip install open-clip-torch) and local weights in clip_model; it is not installed",
            model="clip",
            packages=["open-clip-torch"],
        ) from exc


class ClipBackend:
    """An open_clip-style model: ``encode_image``/``encode_text``, a tokenizer, a preprocess.

    ``clip_model`` is ``"ARCH:/path/to/weights"``; the path must be a local file, since open_clip
    would treat anything else as a tag to download.
    """

    def __init__(self, spec: str, *, module: Any = None) -> None:
        arch, sep, path = spec.partition(":")
        if not sep or not arch or not path:
            raise ModelUnavailable(
                f"clip_model must be 'ARCH:/path/to/weights', got {spec!r}", model="clip"
            )
        weights = Path(path).expanduser()
        if not weights.is_file():
            raise ModelUnavailable(f"clip weights {str(weights)!r} are not a file", model="clip")
        open_clip = module if module is not None else import_open_clip()
        import torch  # open_clip depends on it; a fake module in tests still needs it

        model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=str(weights))
        self._model = model.eval()
        self._preprocess = preprocess
        self._tokenizer = open_clip.get_tokenizer(arch)
        self._torch = torch
        self.space = f"open_clip/{arch}"
        self.version = f"clip {arch} {weights.name} sha256:{sha256_file(weights)[:16]}"

    def _unit(self, tensor: Any) -> np.ndarray:
        return _unit(tensor.float().numpy())

    def embed_post(self, inp: StageInput) -> tuple[np.ndarray, np.ndarray]:
        images = [image for _, image in inp.keyframes()]
        if not images:
            raise StageError("no keyframes to embed")
        torch = self._torch
        with torch.inference_mode():
            batch = torch.stack([self._preprocess(image) for image in images])
            per_frame = self._unit(self._model.encode_image(batch))
        return _unit(per_frame.mean(axis=0)), per_frame

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._torch.inference_mode():
            return self._unit(self._model.encode_text(self._tokenizer(list(texts))))


class CrossModalStage(Stage):
    """``visual`` (ConSE) or keyframes (CLIP) → ``{"vector", "per_frame", "space", "backend"}``.

    ``vector`` is a unit float32 vector to compare by dot product with `query_vectors` (for the
    default backend, `query_vector`); ``space`` names the query space, so search never mixes
    vectors of two backends. ``keyframes`` is required besides ``visual`` because the CLIP
    backend reads the images (``visual`` is then optional). Models load on first use, as in
    every stage, so a missing package surfaces through ``version`` as "unavailable".
    """

    name = "crossmodal"
    requires = ("keyframes", "visual")
    applies_to = frozenset({"video", "image"})
    models = (TEXT_MODEL, "imagenet-classes")
    code_version = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        pooling: Pooling = "mean",
        variant: Variant = "enriched",
        clip_module: Any = None,
    ) -> None:
        super().__init__(registry, settings)
        self.pooling, self.variant, self.clip_module = pooling, variant, clip_module
        if settings.crossmodal_backend == "clip":
            self.optional = ("visual",)  # type: ignore[misc]  # CLIP reads keyframes only

    @cached_property
    def backend(self) -> ConseBackend | ClipBackend:
        """Built on first use; a missing package or bad ``clip_model`` raises ModelUnavailable."""
        settings = self.settings
        if settings.crossmodal_backend == "clip":
            if not settings.clip_model:
                raise ModelUnavailable(
                    "crossmodal_backend 'clip' needs clip_model='ARCH:/path/to/weights'",
                    model="clip",
                )
            return ClipBackend(settings.clip_model, module=self.clip_module)
        return ConseBackend(
            self.registry, top_t=settings.conse_top_t, pooling=self.pooling, variant=self.variant
        )

    @cached_property
    def version(self) -> str:
        if self.settings.crossmodal_backend == "clip":
            return f"{self.name}/{self.code_version} {self.backend.version}"
        return f"{super().version} {self.backend.version}"

    @property
    def model_name(self) -> str:
        if self.settings.crossmodal_backend == "clip":
            return f"open_clip:{(self.settings.clip_model or '').partition(':')[0]}"
        return super().model_name

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, d) of text queries in this stage's space."""
        return self.backend.embed_queries(list(texts))

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        results: list[dict[str, Any] | BaseException] = []
        for inp in batch:
            try:
                vector, per_frame = self.backend.embed_post(inp)
            except StageError as exc:
                results.append(exc)
                continue
            except (OSError, KeyError, ValueError) as exc:  # bad upstream value or image file
                results.append(StageError(f"{type(exc).__name__}: {exc}"))
                continue
            results.append(
                {
                    "vector": vectors.encode(vector, "f4"),
                    "per_frame": vectors.encode(per_frame, "f2"),
                    "space": self.backend.space,
                    "backend": self.settings.crossmodal_backend,
                }
            )
        return results
