"""Real loading of each packaged model, checked on real outputs.

A model whose packages are not installed is skipped with the pip command, never faked.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from reelstack.models import ModelRegistry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    return ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"), num_threads=2)


def _require(registry: ModelRegistry, name: str) -> None:
    """Skip unless every package of ``name`` imports (importorskip: a real import)."""
    for req in registry.spec(name).requires:
        reason = f"{name} needs {req.package} (pip install {req.pin})"
        pytest.importorskip(req.module, reason=reason)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_langid(registry: ModelRegistry) -> None:
    _require(registry, "langid")
    ident = registry.load("langid")
    assert ident.classify("สวัสดีครับ")[0] == "th"
    assert ident.classify("Xin chào các bạn, hôm nay trời đẹp quá")[0] == "vi"
    assert ident.classify("今天天气很好我们去公园吧")[0] == "zh"
    lang, confidence = ident.classify("The weather is lovely today, let us go to the park")
    assert lang == "en" and 0.0 < confidence <= 1.0


def test_multilingual_e5(registry: ModelRegistry) -> None:
    _require(registry, "text-multilingual-e5")
    e5 = registry.load("text-multilingual-e5")
    vectors = e5.embed(["cat", "猫", "invoice"], kind="query")
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2])
    passage = e5.embed(["cat"], kind="passage")[0]
    assert not np.allclose(passage, vectors[0])  # the prefix changes the input
    assert e5.embed([]).shape == (0, 384)
    with pytest.raises(ValueError, match="kind"):
        e5.embed(["cat"], kind="document")


def test_use_multilingual(registry: ModelRegistry) -> None:
    _require(registry, "text-use-multilingual")
    use = registry.load("text-use-multilingual")
    vectors = use.embed(["cat", "猫", "invoice"])
    assert vectors.shape == (3, 512)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2])


def test_minilm_en(registry: ModelRegistry) -> None:
    _require(registry, "text-minilm-en")
    minilm = registry.load("text-minilm-en")
    vectors = minilm.embed(["a cat sits on the mat", "a kitten lies on a rug", "quarterly invoice"])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2])


def test_imagenet_classes(registry: ModelRegistry) -> None:
    _require(registry, "imagenet-classes")
    classes = registry.load("imagenet-classes")
    assert len(classes) == 1000
    assert classes.names[285] == "Egyptian cat"
    assert classes.names[281].startswith("tabby")
    assert len(classes.clean_names) == len(classes.descriptions) == 1000
    assert sum(bool(d) for d in classes.descriptions) >= 975  # the package lacks 25
    assert "fish" in classes.descriptions[0]


def test_efficientnet_lite0_sees_a_cat(registry: ModelRegistry) -> None:
    _require(registry, "image-efficientnet-lite0")
    data = pytest.importorskip("skimage.data", reason="sample photo from scikit-image")
    net = registry.load("image-efficientnet-lite0")
    features, probs = net([Image.fromarray(data.chelsea()), Image.fromarray(data.coffee())])
    assert features.shape == (2, 1280) and probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert int(probs[0].argmax()) in range(281, 286)  # the domestic cat classes
    assert int(probs[1].argmax()) == 967  # espresso


def _text_image(text: str) -> Image.Image:

    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_path), 48) if font_path.exists() else None
    font = font or ImageFont.load_default(48)
    image = Image.new("RGB", (640, 160), "white")
    ImageDraw.Draw(image).text((20, 40), text, fill="black", font=font)
    return image


def test_rapidocr_reads_rendered_text(registry: ModelRegistry) -> None:
    _require(registry, "ocr-rapidocr")
    ocr = registry.load("ocr-rapidocr")
    result = ocr(np.asarray(_text_image("Hello ReelStack 2024"))[:, :, ::-1])
    assert "ReelStack" in " ".join(result.txts)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to synthesise speech (apt-get install espeak-ng)")
    wav = tmp_path_factory.mktemp("speech") / "hello.wav"
    sentence = "Hello world, this is a test of the speech recognition system."
    subprocess.run(["espeak-ng", "-w", str(wav), sentence], check=True, capture_output=True)
    return wav


@pytest.mark.parametrize("name", ["asr-whisper-base", "asr-whisper-tiny-en"])
def test_whisper_transcribes_speech(registry: ModelRegistry, speech_wav: Path, name: str) -> None:
    _require(registry, name)
    model = registry.load(name)
    segments, info = model.transcribe(str(speech_wav), beam_size=1)
    text = " ".join(s.text for s in segments).lower()
    assert info.language == "en"
    assert "recognition" in text


def test_spacy_entities(registry: ModelRegistry) -> None:
    _require(registry, "ner-spacy-en")
    nlp = registry.load("ner-spacy-en")
    doc = nlp("Barack Obama visited Paris in March with Apple executives.")
    entities = {(e.text, e.label_) for e in doc.ents}
    assert {("Barack Obama", "PERSON"), ("Paris", "GPE")} <= entities
