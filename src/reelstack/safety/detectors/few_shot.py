"""The few-shot detector: every policy head trained from examples, scored on the post's vector."""

from __future__ import annotations

import numpy as np

from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.embedding import passage_vector
from reelstack.safety.few_shot import PolicyHeads


class FewShotDetector:
    name = "text.few_shot"
    code_version = "1"

    def __init__(self, heads: PolicyHeads) -> None:
        self.heads = heads

    @property
    def version(self) -> str:
        versions = sorted(f"{p}@v{h['version']}" for p, h in self.heads.heads().items())
        return " ".join([f"{self.name}/{self.code_version}", *versions])

    def detect(self, subject: Subject) -> list[Score]:
        heads = self.heads.heads()
        if not heads:
            return []
        post = passage_vector(self.heads.registry, subject)
        if post is None:
            return []
        scores = []
        for policy_id, head in heads.items():
            logit = float(np.dot(head["coef"], post) + head["intercept"])
            score = 1.0 / (1.0 + np.exp(-logit))
            version = f"{self.name}/{self.code_version} {policy_id}@v{head['version']}"
            evidence = f"head v{head['version']} ({sum(head['examples'].values())} examples)"
            scores.append(Score(policy_id, self.name, round(score, 4), version, evidence))
        return scores
