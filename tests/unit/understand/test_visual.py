"""VisualStage on real sample photos: sensible concepts, vector shapes, batching, bad inputs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand import vectors
from reelstack.understand.stage import StageError
from reelstack.understand.visual import VisualStage, fit_square

CAT_CLASSES = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def sample_image(name: str) -> Image.Image:
    """A sample photo shipped in scikit-image or scikit-learn, found without importing them."""
    package, sub = ("sklearn", "datasets/images") if name.endswith(".jpg") else ("skimage", "data")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed (sample images)")
    path = Path(next(iter(spec.submodule_search_locations))) / sub / name
    with Image.open(path) as image:
        return image.convert("RGB")


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> VisualStage:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"))
    if registry.missing("image-efficientnet-lite0"):
        pytest.skip("the vision models are not installed")
    return VisualStage(registry, UnderstandSettings(concept_top_k=5, threads=2))


@pytest.fixture
def blobs(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


def test_cat_photo_has_a_cat_concept_and_readable_names(stage, blobs) -> None:
    [value] = stage.process(
        [stage_input(blobs, kind="image", frames=[(0.0, sample_image("chelsea.png"))])]
    )
    concepts = value["concepts"]
    assert len(concepts) == 5
    assert CAT_CLASSES & {c["id"] for c in concepts}
    assert all(isinstance(c["name"], str) and c["name"] for c in concepts)
    scores = [c["score"] for c in concepts]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_vectors_decode_with_the_documented_shapes(stage, blobs) -> None:
    frames = [(0.0, sample_image("coffee.png")), (1.5, sample_image("coffee.png").rotate(10))]
    [value] = stage.process([stage_input(blobs, frames=frames)])
    assert vectors.decode(value["pooled"]).shape == (1280,)
    assert vectors.decode(value["per_frame"]).shape == (2, 1280)
    probs = vectors.decode(value["probs"])
    frame_probs = vectors.decode(value["frame_probs"])
    assert probs.shape == (1000,) and frame_probs.shape == (2, 1000)
    assert abs(float(probs.sum()) - 1) < 0.01
    assert np.allclose(frame_probs.mean(axis=0), probs, atol=1e-3)
    assert value["pooled"]["dtype"] == "f4" and value["per_frame"]["dtype"] == "f2"
    assert value["concepts"][0]["id"] == int(np.argmax(probs))


def test_batch_of_posts_with_different_frame_counts(stage, blobs) -> None:
    cat, horse, flower = (sample_image(n) for n in ("chelsea.png", "horse.png", "flower.jpg"))
    one = stage_input(blobs, kind="image", frames=[(0.0, cat)])
    three = stage_input(blobs, frames=[(0.0, horse), (1.0, flower), (2.0, cat)])
    values = stage.process([one, three])
    assert vectors.decode(values[0]["frame_probs"]).shape == (1, 1000)
    assert vectors.decode(values[1]["frame_probs"]).shape == (3, 1000)
    [alone] = stage.process([stage_input(blobs, kind="image", frames=[(0.0, cat)])])
    # the same frame gives the same answer whatever else is in the batch
    assert np.allclose(
        vectors.decode(values[0]["pooled"]), vectors.decode(alone["pooled"]), atol=1e-3
    )
    assert np.allclose(
        vectors.decode(values[1]["per_frame"])[2], vectors.decode(alone["per_frame"])[0], atol=2e-2
    )


def test_a_bad_post_fails_alone(stage, blobs) -> None:
    good = stage_input(blobs, kind="image", frames=[(0.0, sample_image("coffee.png"))])
    empty = stage_input(blobs, frames=[])
    missing = stage_input(blobs, frames=[(0.0, sample_image("flower.jpg"))])
    missing.blobs.path(missing.upstream["keyframes"]["frames"][0]["sha256"]).unlink()
    values = stage.process([empty, good, missing])
    assert isinstance(values[0], StageError) and "no keyframes" in str(values[0])
    assert isinstance(values[2], StageError) and "cannot read keyframes" in str(values[2])
    assert isinstance(values[1], dict) and values[1]["concepts"]


def test_fit_square_crops_the_centre_of_vertical_frames() -> None:
    tall = Image.new("RGB", (288, 512))
    assert fit_square(tall, "crop").size == (288, 288)
    assert fit_square(tall, "squash") is tall
