"""Held-out quality of the text detectors, beside a TF-IDF + logistic-regression baseline.

    .venv/bin/python bench/safety.py [--data ../shared/data]

Protocol (every baseline is trained in this run on the same training part, at C=1, untuned):
- SMS Spam Collection: the recipe's seeded stratified 80/20 split; the SHIPPED text.spam model
  and the baseline are scored on the held-out 20 %; threshold 0.5 (the spam policy's lowest
  band) for both.
- Davidson et al. 2017: abusive = hate or offensive; seeded stratified 80/20 split. The
  published training data of alt-profanity-check includes Davidson, so text.abuse's figure
  there is NOT held-out.
- TweetEval hate / offensive: train on train, choose the baseline's threshold (best F1) on
  val, report test. text.abuse is shown at its operating threshold 0.5 and at the threshold
  val picks for it.
- bench/data/abuse_cases.jsonl: hand-written multilingual cases, obfuscated spellings
  included, written by the author of the word lists (optimistic); accuracy at 0.5.
- MicroLens-100k titles: real English short-video titles, assumed benign (not checked one
  by one): the share text.spam puts at or above each band is a false-positive estimate.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform as host
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from reelstack.safety.detectors.abuse import AbuseDetector
from reelstack.safety.detectors.spam import SpamDetector
from reelstack.safety.training.spam import DEFAULT_SEED, binary_metrics, load_sms, split_sms

CASES = Path(__file__).resolve().parent / "data" / "abuse_cases.jsonl"
ROWS: list[tuple[str, str, float, dict, float]] = []


def baseline(train_x: list[str], train_y: list[int]) -> Callable[[list[str]], list[float]]:
    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("lr", LogisticRegression(max_iter=2000)),
        ]
    ).fit(train_x, train_y)
    return lambda texts: [float(p) for p in model.predict_proba(texts)[:, 1]]


def best_threshold(labels: list[int], scores: list[float]) -> float:
    candidates = sorted({round(s, 3) for s in scores})
    return max(candidates, key=lambda t: binary_metrics(labels, scores, t)["f1"])


def record(data: str, system: str, labels: list[int], scores: list[float], threshold: float):
    auc = float(roc_auc_score(labels, scores))
    ROWS.append((data, system, threshold, binary_metrics(labels, scores, threshold), auc))


def abuse_scores(detector: AbuseDetector, texts: list[str]) -> list[float]:
    return [detector.score_text(t, "en")[0] for t in texts]


def sms(data: Path) -> None:
    texts, labels = load_sms(data / "sms_spam_collection")
    train_x, test_x, train_y, test_y = split_sms(texts, labels, DEFAULT_SEED)
    record("sms held-out", "text.spam (shipped)", test_y,
           SpamDetector().probabilities(test_x), 0.5)  # fmt: skip
    record("sms held-out", "baseline tfidf+lr", test_y, baseline(train_x, train_y)(test_x), 0.5)


def davidson(data: Path, abuse: AbuseDetector, lexicon: AbuseDetector) -> None:
    with (data / "davidson_hate_offensive" / "labeled_data.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["tweet"] for r in rows]
    labels = [int(r["class"] in ("0", "1")) for r in rows]
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=DEFAULT_SEED
    )
    name = "davidson test*"
    record(name, "text.abuse", test_y, abuse_scores(abuse, test_x), 0.5)
    record(name, "text.abuse word lists only", test_y, abuse_scores(lexicon, test_x), 0.5)
    record(name, "baseline tfidf+lr", test_y, baseline(train_x, train_y)(test_x), 0.5)


def _tweeteval(folder: Path, part: str) -> tuple[list[str], list[int]]:
    texts = (folder / f"{part}_text.txt").read_text(encoding="utf-8").split("\n")[:-1]
    labels = (folder / f"{part}_labels.txt").read_text(encoding="utf-8").split()
    return texts, [int(x) for x in labels]


def tweeteval(data: Path, task: str, abuse: AbuseDetector) -> None:
    folder = data / "tweeteval" / task
    train_x, train_y = _tweeteval(folder, "train")
    val_x, val_y = _tweeteval(folder, "val")
    test_x, test_y = _tweeteval(folder, "test")
    assert len(train_x) == len(train_y) and len(test_x) == len(test_y)
    name = f"tweeteval {task} test"
    val_scores = abuse_scores(abuse, val_x)
    test_scores = abuse_scores(abuse, test_x)
    record(name, "text.abuse", test_y, test_scores, 0.5)
    record(name, "text.abuse, val threshold", test_y, test_scores,
           best_threshold(val_y, val_scores))  # fmt: skip
    model = baseline(train_x, train_y)
    threshold = best_threshold(val_y, model(val_x))
    record(name, "baseline tfidf+lr, val threshold", test_y, model(test_x), threshold)


def cases(abuse: AbuseDetector, classifier_only: Callable[[str], float]) -> None:
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]
    per_lang: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for row in rows:
        flagged = abuse.score_text(row["text"], row["lang"])[0] >= 0.5
        unknown = abuse.score_text(row["text"], None)[0] >= 0.5
        plain = classifier_only(row["text"]) >= 0.5
        truth = row["abusive"]
        per_lang[row["lang"]].append((flagged == truth, unknown == truth, plain == truth))
    print(f"\nhand-written cases ({CASES.name}, {len(rows)} rows, half abusive), accuracy at 0.5:")
    head = ("lang", "n", "text.abuse", "lang unknown", "classifier only")
    print("  {:<5} {:>3}  {:>10}  {:>12}  {:>15}".format(*head))
    totals = [0, 0, 0]
    for lang, results in sorted(per_lang.items()):
        counts = [sum(r[i] for r in results) for i in range(3)]
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        n = len(results)
        print(f"  {lang:<5} {n:>3}  {counts[0] / n:>10.2f}  {counts[1] / n:>12.2f}  "
              f"{counts[2] / n:>15.2f}")  # fmt: skip
    n = len(rows)
    print(f"  {'all':<5} {n:>3}  {totals[0] / n:>10.2f}  {totals[1] / n:>12.2f}  "
          f"{totals[2] / n:>15.2f}")  # fmt: skip


def microlens(data: Path) -> None:
    path = data / "microlens_100k_titles" / "MicroLens-100k_title_en.csv"
    titles = [line.split(",", 1)[1].strip() for line in path.read_text("utf-8").splitlines()]
    scores = SpamDetector().probabilities(titles)
    shares = "  ".join(f">= {b}: {sum(s >= b for s in scores) / len(scores):.2%}" for b in
                       (0.5, 0.7, 0.9))  # fmt: skip
    print(f"\ntext.spam on {len(titles)} MicroLens titles (real, assumed benign): {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    print(f"machine: {host.machine()} {os.cpu_count()} cores, Python {host.python_version()}")
    started = time.perf_counter()
    abuse, lexicon = AbuseDetector(), AbuseDetector(use_classifier=False)
    print(f"text.spam: {SpamDetector().version}\ntext.abuse: {abuse.version}")
    sms(args.data)
    davidson(args.data, abuse, lexicon)
    for task in ("hate", "offensive"):
        tweeteval(args.data, task, abuse)
    print(f"\n{'data':<24} {'system':<34} {'thr':>5} {'P':>6} {'R':>6} {'F1':>6} {'AUC':>6}")
    for data, system, threshold, m, auc in ROWS:
        print(f"{data:<24} {system:<34} {threshold:>5.3f} {m['precision']:>6.3f} "
              f"{m['recall']:>6.3f} {m['f1']:>6.3f} {auc:>6.3f}")  # fmt: skip
    print(
        "* alt-profanity-check was trained on data that includes Davidson: not held-out for "
        "text.abuse (the baseline and 'word lists only' are)."
    )
    print(
        "TweetEval hate is hate speech against immigrants and women; text.abuse scores insults "
        "and profanity (harassment.insult), a different target."
    )

    def classifier_only(text: str) -> float:
        from reelstack.safety.detectors.normalize import normalize_text

        return abuse.classifier_scores([normalize_text(text)])[0]

    cases(abuse, classifier_only)
    microlens(args.data)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
