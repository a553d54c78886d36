"""``HashBankDetector``: a post's hashes against every enabled bank, one score per policy.

An exact file copy (md5) scores 1.0; a video-level match 0.90-1.0 (the disable band of ``ip``);
a partial one — a frame of a banked clip, or a banked clip inside a longer post — 0.70-0.85
(review). The evidence names the bank, the entry, the tier, both matched fractions and the
median distance, so the decision says exactly which banked clip it matched and how well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reelstack.safety.banks.matching import (
    STRICT_DISTANCE,
    STRICT_FRACTION,
    ZOOM_DISTANCE,
    ZOOM_FRACTION,
)
from reelstack.safety.banks.media import VARIANTS
from reelstack.safety.detectors.base import Score, Subject

if TYPE_CHECKING:
    from reelstack.safety.banks.index import VideoHit
    from reelstack.safety.banks.service import HashBankService

CODE_VERSION = "1"


class HashBankDetector:
    name = "hashbank"

    def __init__(self, banks: HashBankService) -> None:
        self.banks = banks

    @property
    def version(self) -> str:
        index = self.banks.index()
        return (
            f"hashbank/{CODE_VERSION} strict<={STRICT_DISTANCE}@{STRICT_FRACTION} "
            f"zoom<={ZOOM_DISTANCE}@{ZOOM_FRACTION} {VARIANTS}; {index.rows.name}, "
            f"revision {self.banks.store.hash_banks_revision()}"
        )

    def detect(self, subject: Subject) -> list[Score]:
        hashes = subject.features.get("hashes")
        if not hashes or "error" in hashes:
            return []
        best: dict[str, VideoHit] = {}
        for hit in self.banks.match_video(hashes):
            if hit.policy_id not in best or hit.score > best[hit.policy_id].score:
                best[hit.policy_id] = hit
        version = self.version
        return [
            Score(policy, self.name, hit.score, version, evidence(hit))
            for policy, hit in best.items()
        ]


def evidence(hit: VideoHit) -> str:
    return (
        f"bank {hit.bank} entry {hit.entry_id} ({hit.signal_type}): {hit.tier} match, "
        f"post {hit.query_fraction:.0%} / banked {hit.bank_fraction:.0%} of frames, "
        f"distance {hit.distance}" + (f"; note: {hit.note}" if hit.note else "")
    )
