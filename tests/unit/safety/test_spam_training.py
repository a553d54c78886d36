"""The text.spam recipe: reproducible, honest about its data, and its CLI fails cleanly."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from reelstack.core.errors import InvalidInput, NotFound
from reelstack.safety.detectors.spam import MODEL_FILE, MODELS_DIR, SpamDetector, file_sha256
from reelstack.safety.training import scam_patterns
from reelstack.safety.training.spam import METRICS_FILE, load_sms, train_spam
from reelstack.testing.server import run_cli

SMS = Path(__file__).resolve().parents[4] / "shared" / "data" / "sms_spam_collection"


def test_shipped_model_and_metrics_agree_and_meet_the_bar() -> None:
    metrics = json.loads((MODELS_DIR / METRICS_FILE).read_text(encoding="utf-8"))
    model = MODELS_DIR / MODEL_FILE
    assert metrics["model"]["sha256"] == file_sha256(model)
    assert model.stat().st_size < 5 * 1024 * 1024
    held = metrics["held_out_sms"]
    assert held["threshold"] == 0.5 and held["rows"] == metrics["split"]["sms_held_out"]
    assert held["f1"] >= 0.95  # the requirement on the held-out SMS part
    assert "CC BY 4.0" in metrics["attribution"]
    assert metrics["libraries"]["scikit-learn"] and metrics["seed"] == 20240601
    assert file_sha256(model)[:12] in SpamDetector().version


def test_generator_is_seeded_and_balanced() -> None:
    rows = scam_patterns.generate(200, seed=3)
    assert rows == scam_patterns.generate(200, seed=3)
    assert rows != scam_patterns.generate(200, seed=4)
    assert sum(label for _, label in rows) == 200 and len(rows) == 400
    languages = {lang for lang in scam_patterns.SCAMS} & set(scam_patterns.NORMAL)
    assert len(languages) >= 8  # scams and ordinary captions in the same languages


@pytest.mark.skipif(not SMS.is_dir(), reason="needs ../shared/data/sms_spam_collection")
def test_same_seed_same_figures(tmp_path: Path) -> None:
    lines = (SMS / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()
    sample = random.Random(0).sample(lines, 900)  # a small run; the data stays outside the repo
    data = tmp_path / "data"
    data.mkdir()
    (data / "SMSSpamCollection").write_text("\n".join(sample) + "\n", encoding="utf-8")
    runs = []
    for name in ("a", "b"):
        metrics = train_spam(data, tmp_path / name, seed=7, generated=150)
        assert (tmp_path / name / MODEL_FILE).is_file()
        assert json.loads((tmp_path / name / METRICS_FILE).read_text()) == metrics
        metrics["model"].pop("sha256")  # zip metadata differs between runs
        metrics["model"].pop("bytes")
        runs.append(metrics)
    assert runs[0] == runs[1]
    assert runs[0]["split"]["sms_held_out"] == 180
    detector = SpamDetector(tmp_path / "a" / MODEL_FILE)
    assert detector.probabilities(["Send 1 BTC to the wallet in bio and get 2 BTC back"])[0] > 0.5


def test_bad_data_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="SMSSpamCollection"):
        load_sms(tmp_path / "nowhere")
    (tmp_path / "SMSSpamCollection").write_text("ham\thello\nmaybe\tspam?\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"SMSSpamCollection:2: expected"):
        load_sms(tmp_path)
    (tmp_path / "SMSSpamCollection").write_text("ham\thello\n" * 60, encoding="utf-8")
    with pytest.raises(InvalidInput, match="both labels"):
        load_sms(tmp_path)


def test_cli_train_with_missing_data_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("safety", "train", "--data", str(tmp_path / "missing"),
                     "--out", str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: no SMS Spam Collection at")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    other = run_cli("safety", "train", "--detector", "abuse", "--out", str(tmp_path / "out"))
    assert other.returncode == 2 and "has no training recipe" in other.stderr
