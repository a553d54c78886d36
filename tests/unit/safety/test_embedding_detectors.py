"""Concept, cross-modal prompt and zero-shot detectors on real model outputs: what they flag,
what they leave alone, and that they stay below the remove bands on their own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelstack.models.registry import ModelRegistry
from reelstack.safety.detectors.base import Subject
from reelstack.safety.detectors.concepts import CrossModalPromptDetector, VisualConceptDetector
from reelstack.safety.detectors.embedding import embed
from reelstack.safety.detectors.zero_shot import ZeroShotTextDetector
from reelstack.safety.policies.store import DEFAULTS, parse_policy_set
from reelstack.understand import vectors

POLICIES = parse_policy_set(DEFAULTS["content"].read_text(encoding="utf-8"), "content")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    return ModelRegistry(cache_dir=Path(tmp_path_factory.mktemp("models")), num_threads=1)


def _visual(frame_probs: np.ndarray) -> Subject:
    return Subject(features={"visual": {"frame_probs": vectors.encode(frame_probs, "f2")}})


def test_imagenet_weapon_classes_score_weapons_capped_below_remove(registry: ModelRegistry) -> None:
    probs = np.full((3, 1000), 1e-4, dtype=np.float32)
    probs[1, 413] = 0.95  # assault rifle in the second keyframe
    [score] = VisualConceptDetector(registry).detect(_visual(probs))
    assert score.policy_id == "dangerous.weapons"
    assert score.score == pytest.approx(0.85)  # capped: review, never remove on its own
    assert "class 413 in keyframe 1" in score.evidence
    calm = np.full((3, 1000), 1e-3, dtype=np.float32)
    calm[:, 207] = 0.9  # golden retriever
    assert VisualConceptDetector(registry).detect(_visual(calm)) == []


def _crossmodal(vector: np.ndarray) -> Subject:
    value = {"vector": vectors.encode(vector, "f4"), "space": "text-multilingual-e5/query"}
    return Subject(features={"crossmodal": value})


def test_crossmodal_prompts_flag_a_rifle_post_and_not_a_pet(registry: ModelRegistry) -> None:
    detector = CrossModalPromptDetector(registry)
    rifle, dog = embed(registry, ["assault rifle", "golden retriever"], "query")
    flagged = {s.policy_id: s.score for s in detector.detect(_crossmodal(rifle))}
    assert flagged.get("dangerous.weapons", 0) > 0.5
    assert detector.detect(_crossmodal(dog)) == []
    clip_space = {"vector": vectors.encode(rifle, "f4"), "space": "open_clip/ViT-B-32"}
    assert detector.detect(Subject(features={"crossmodal": clip_space})) == []


def test_zero_shot_reads_the_policy_descriptions(registry: ModelRegistry) -> None:
    detector = ZeroShotTextDetector(registry, lambda: POLICIES, cap=0.69)
    scam = Subject(texts={"caption": "Crypto giveaway! Send 0.1 ETH and get 1 ETH back instantly"})
    scores = detector.detect(scam)
    assert scores and scores[0].policy_id.startswith("spam")
    assert all(0 < s.score <= 0.69 for s in scores)
    assert detector.detect(Subject(texts={"caption": "Homemade ramen in ten minutes"})) == []
    assert detector.detect(Subject()) == []


def test_zero_shot_follows_a_policy_edit(registry: ModelRegistry) -> None:
    edited = POLICIES.model_copy(deep=True)
    edited.policies = [p for p in edited.policies if not p.id.startswith("spam")]
    detector = ZeroShotTextDetector(registry, lambda: edited)
    scam = Subject(texts={"caption": "Crypto giveaway! Send 0.1 ETH and get 1 ETH back instantly"})
    assert all(not s.policy_id.startswith("spam") for s in detector.detect(scam))
