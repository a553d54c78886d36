"""The learning loop: reviewers' decisions become labels; labels retrain the few-shot heads.

**Labels.** ``LabelRecorder`` runs after every review decision: the post's text becomes a
positive example of the policy the reviewer enforced, and a negative one of the policy that
sent it to review when the reviewer found nothing (or something else). An appeal overturn is
a negative of the appealed policy, an upheld appeal a positive. Examples go to the
``PolicyHeads`` files with ``by: reviewer:<name>``.

**Retraining** (``reelstack safety retrain``). Per policy with labels: one reviewer label in
four (chosen by a hash of its text, so the split is stable from run to run) is held out; the
rest, with the admins' examples, trains a new head (logistic regression on E5 vectors). The
head is then recalibrated for the policy's *operating point* — the lowest band at which the
policy enforces: a Platt slope fitted on out-of-fold logits, and the logit where the
out-of-fold F1 peaks mapped onto that band's confidence, so the head starts enforcing exactly
where it is most accurate. Both the head in force and the candidate are measured on the
held-out labels at the operating point. The candidate is stored as a new version with those
before/after metrics; if its precision at the operating point is lower than the old head's,
the old head is stored again on top of it (a rollback, itself a version). Every run is
appended to ``<safety>/retrain/<policy>.jsonl`` and audited as ``model.retrain``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.core import clock
from reelstack.core.errors import InvalidInput
from reelstack.core.records import Decision, Item, ReviewJob
from reelstack.safety.audit import append_audit
from reelstack.safety.detectors.embedding import MODEL
from reelstack.safety.few_shot import Example, PolicyHeads
from reelstack.safety.policies import PolicySet
from reelstack.safety.review.jobs import ADS_QUEUE
from reelstack.safety.subjects import subject_of_item
from reelstack.storage.interfaces import Store

REVIEWER = "reviewer:"
HOLDOUT_BUCKETS = 4  # one reviewer label in four is held out
MIN_HELD_OUT = 2  # per class, to measure before/after at all
ENFORCING = frozenset({"label", "age_restrict", "demote", "disable", "remove"})
ACTOR = "reelstack.learning"


def held_out(text: str) -> bool:
    """Whether a reviewer label is in the held-out split (stable: a hash of the text)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % HOLDOUT_BUCKETS == 0


# -- labels from decisions -----------------------------------------------------------------


def labels_of(job: ReviewJob, decision: Decision) -> list[tuple[str, bool]]:
    """(policy, violates) pairs one review decision teaches."""
    labels: dict[str, bool] = {}
    if job.source == "appeal":
        if job.policy_id:
            labels[job.policy_id] = decision.action != "allow"
        return list(labels.items())
    auto = job.details.get("auto") or {}
    for flagged in (job.policy_id, auto.get("policy_id")):
        if flagged:
            labels[flagged] = False
    if decision.action in ENFORCING and decision.policy_id:
        for flagged in list(labels):  # the reviewer's policy or a sub-policy of it is no miss
            if decision.policy_id.startswith(flagged + ".") or flagged == decision.policy_id:
                del labels[flagged]
        labels[decision.policy_id] = True
    return list(labels.items())


class LabelRecorder:
    """The ``on_decided`` hook of ``ReviewService``: decisions → few-shot examples."""

    def __init__(self, heads: PolicyHeads, store: Store) -> None:
        self.heads = heads
        self.store = store

    def __call__(self, job: ReviewJob, item: Item, decision: Decision) -> None:
        if job.queue == ADS_QUEUE:  # ads policies have no few-shot heads
            return
        text = " ".join(subject_of_item(self.store, item).text.split())[:5000]
        if not text:
            return
        reviewer = next((r.get("reviewer") for r in decision.reasons.get("reasons") or []), "")
        for policy_id, label in labels_of(job, decision):
            self.heads.add_examples(policy_id, [Example(text, label)], f"{REVIEWER}{reviewer}")


# -- retraining ------------------------------------------------------------------------------


def operating_point(policy_set: PolicySet, policy_id: str) -> float:
    """The confidence of the lowest band at which the policy enforces (else its lowest band)."""
    bands = policy_set.effective_bands(policy_id)
    enforcing = [b.min_confidence for b in bands if b.action in ENFORCING]
    levels = enforcing or [b.min_confidence for b in bands] or [0.5]
    return min(levels)


def scores_of(head: dict[str, Any], x: np.ndarray) -> np.ndarray:
    logits = x @ np.asarray(head["coef"], dtype=np.float64) + float(head["intercept"])
    return 1.0 / (1.0 + np.exp(-logits))


def evaluate(scores: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    pred = scores >= threshold
    both = len(set(y.tolist())) == 2
    return {
        "precision": round(float(precision_score(y, pred, zero_division=0)), 4),
        "recall": round(float(recall_score(y, pred, zero_division=0)), 4),
        "f1": round(float(f1_score(y, pred, zero_division=0)), 4),
        "roc_auc": round(float(roc_auc_score(y, scores)), 4) if both else None,
        "threshold": threshold,
        "n": len(y),
    }


def _model() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000)


def fit_calibrated(x: np.ndarray, y: np.ndarray, operating: float) -> dict[str, Any]:
    """A head whose score reaches ``operating`` where its out-of-fold F1 peaks."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model = _model().fit(x, y)
    folds = StratifiedKFold(n_splits=min(5, int(np.bincount(y).min())), shuffle=True,
                            random_state=0)  # fmt: skip
    oof = cross_val_predict(_model(), x, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), y)
    slope = max(float(platt.coef_[0][0]), 0.05)
    cuts = np.unique(oof)
    f1s = np.array([f1_score(y, oof >= cut, zero_division=0) for cut in cuts])
    best_f1 = float(f1s.max())
    best = float(cuts[f1s >= best_f1 - 1e-9].max())  # of equal F1, the stricter cut
    shift = math.log(operating / (1.0 - operating)) - slope * best
    return {
        "coef": [round(float(c) * slope, 6) for c in model.coef_[0]],
        "intercept": float(model.intercept_[0]) * slope + shift,
        "calibration": {"slope": round(slope, 4), "threshold_logit": round(best, 4),
                        "operating_point": operating, "oof_f1": round(best_f1, 4),
                        "folds": folds.get_n_splits()},
    }  # fmt: skip


class Retrainer:
    def __init__(self, heads: PolicyHeads, store: Store | None = None) -> None:
        self.heads = heads
        self.store = store

    def _log(self, policy_id: str) -> Path:
        return self.heads.folder / "retrain" / f"{policy_id}.jsonl"

    def runs(self, policy_id: str) -> list[dict[str, Any]]:
        path = self._log(policy_id)
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def policies_with_labels(self) -> list[str]:
        folder = self.heads.folder / "examples"
        found = sorted(p.stem for p in folder.glob("*.jsonl")) if folder.is_dir() else []
        return [p for p in found if any(r.get("by", "").startswith(REVIEWER)
                                         for r in self.heads.rows(p))]  # fmt: skip

    def retrain(self, policy_set: PolicySet, policy_ids: list[str] | None = None) -> list[dict]:
        return [self.retrain_policy(policy_set, p)
                for p in policy_ids or self.policies_with_labels()]  # fmt: skip

    def retrain_policy(self, policy_set: PolicySet, policy_id: str) -> dict[str, Any]:
        """Retrain one policy's head; the run record says what happened and why."""
        try:
            policy_set.get(policy_id)
        except KeyError:
            raise InvalidInput(f"unknown content policy {policy_id!r}") from None
        rows = self.heads.rows(policy_id)
        test = [r for r in rows if r.get("by", "").startswith(REVIEWER) and held_out(r["text"])]
        test_texts = {r["text"] for r in test}
        train = [r for r in rows if r["text"] not in test_texts]
        run: dict[str, Any] = {"policy_id": policy_id, "ts": clock.now(),
                               "train": _counts(train), "held_out": _counts(test)}  # fmt: skip
        need = self.heads.min_examples
        if min(run["train"].values()) < need:
            return self._finish(run, "skipped", f"needs {need} training labels of each class")
        if min(run["held_out"].values()) < MIN_HELD_OUT:
            return self._finish(run, "skipped", f"needs {MIN_HELD_OUT} held-out labels of "
                                "each class to compare before and after")  # fmt: skip
        operating = operating_point(policy_set, policy_id)
        x = self.heads.vectors([r["text"] for r in train + test])
        x_train, x_test = x[: len(train)], x[len(train) :]
        y_train = np.array([r["label"] for r in train], dtype=int)
        y_test = np.array([r["label"] for r in test], dtype=int)
        current = self.heads.head(policy_id)
        before = evaluate(scores_of(current, x_test), y_test, operating) if current else None
        candidate = fit_calibrated(x_train, y_train, operating)
        after = evaluate(scores_of(candidate, x_test), y_test, operating)
        registry = self.heads.registry
        head = {"policy_id": policy_id, "model": registry.version(MODEL),
                "examples": run["train"], "metrics": after, "trained_at": run["ts"],
                "retrain": {"before": before, "after": after, "held_out": run["held_out"],
                            "previous_version": current["version"] if current else None},
                **candidate}  # fmt: skip
        run.update(before=before, after=after, operating_point=operating,
                   calibration=candidate["calibration"])  # fmt: skip
        run["candidate_version"] = self.heads.publish(policy_id, head)
        if before is not None and after["precision"] < before["precision"]:
            restored = {k: v for k, v in current.items() if k != "version"}
            restored["rollback"] = {"of": run["candidate_version"], "restores": current["version"],
                                    "before": before, "after": after}  # fmt: skip
            run["version"] = self.heads.publish(policy_id, restored)
            return self._finish(run, "rolled_back", "precision at the operating point fell "
                                f"from {before['precision']} to {after['precision']}")  # fmt: skip
        run["version"] = run["candidate_version"]
        return self._finish(run, "promoted", "")

    def _finish(self, run: dict[str, Any], outcome: str, why: str) -> dict[str, Any]:
        run["outcome"], run["why"] = outcome, why
        path = self._log(run["policy_id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(run, ensure_ascii=False) + "\n")
        if self.store is not None:
            append_audit(self.store, actor=ACTOR, action="model.retrain", subject_type="policy",
                         subject_id=run["policy_id"], details=run)  # fmt: skip
        return run


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    positive = sum(bool(r["label"]) for r in rows)
    return {"positive": positive, "negative": len(rows) - positive}
