"""Ad review (business integrity): creative + advertiser + landing page + claims → an approval
state with evidence.

What is checked, against the ads policy set in force (``policies.current("ads")``):

- **claims and products** (``ad_claims.py``) in the creative copy, each stated claim, the
  landing page, and — for a stored video ad — every on-screen text line and speech segment,
  whose evidence then carries the second it appears at;
- **creative ↔ landing page mismatch**: E5 similarity of the two, compared with how similar
  each is to a fixed background of unrelated ads (raw E5 cosines crowd near 0.8 for any two
  texts; the margin over the background separates "same offer" from "different offer").

The judge of moderation turns the scores into an action under the ads bands, and the action
into a state: ``disapproved`` (a band that disables or removes), ``pending_review`` (the
review band: a borderline ad goes to the ``ads`` review queue, where a reviewer's decision
sets the final state), ``approved_limited`` with the reasons (claims that need
substantiation, a loose creative/landing match, a band that labels, demotes or
age-restricts), or ``approved``. Every state change of a stored ad is an ``ad.<state>`` audit
record with its evidence; the latest one is the ad's state, and approved ads (limited or not)
are the ones eligible for the feed's ad slots (``eligible_ads``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.core.clock import iso
from reelstack.core.errors import InvalidInput, ModelUnavailable
from reelstack.core.records import Decision, Item, ReviewJob
from reelstack.safety.ad_claims import LIMITED_AT, VERSION, Finding, find_claims
from reelstack.safety.audit import append_audit
from reelstack.safety.detectors.base import Score
from reelstack.safety.detectors.embedding import MODEL
from reelstack.safety.landing import LandingPage, parse_landing_page
from reelstack.safety.policies import PolicySet, PolicyStore
from reelstack.safety.review.jobs import ADS_QUEUE, build_job
from reelstack.safety.verdict import judge, score_reason
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_audit

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

ACTOR = "reelstack.ads"
STATES = ("approved", "approved_limited", "disapproved", "pending_review")
ELIGIBLE = ("approved", "approved_limited")
STATE_OF_ACTION = {"allow": "approved", "label": "approved_limited",
                   "age_restrict": "approved_limited", "demote": "approved_limited",
                   "review": "pending_review", "disable": "disapproved",
                   "remove": "disapproved"}  # fmt: skip
MAX_EMBED_CHARS = 1500
MISMATCH_LIMITED = 0.0  # similarity margin below the background: a loose match, limited
MISMATCH_REVIEW = -0.02  # clearly another offer: borderline, to the ads queue
MISMATCH_SCORE = 0.6  # the ads.misleading confidence a clear mismatch carries
MISMATCH_POLICY = "ads.misleading"
MISMATCH_LABEL = "the landing page offers something else than the creative"
BACKGROUND = (
    "Online casino with free spins and a deposit bonus",
    "Personal injury lawyers, free consultation",
    "Cheap flights and hotel deals worldwide",
    "Fresh groceries delivered to your door",
    "Learn a new language with our app",
    "Car insurance quotes in minutes",
    "Fashion sale: dresses, shoes and bags",
    "Mobile game: build your kingdom and battle friends",
    "Home cleaning services near you",
    "Online degree programs from top universities",
    "Skin care serum for glowing skin",
    "Pet food and toys for dogs and cats",
)


@dataclass(slots=True)
class AdInput:
    advertiser: str
    text: str = ""  # the creative's copy (a post's caption)
    claims: list[str] = field(default_factory=list)
    landing_page: LandingPage | None = None
    ocr: list[dict[str, Any]] = field(default_factory=list)  # {"text", "ts_first"}
    transcript: list[dict[str, Any]] = field(default_factory=list)  # {"text", "start"}

    @property
    def creative_text(self) -> str:
        parts = [self.text, *self.claims, *(line.get("text") or "" for line in self.ocr)]
        parts += [segment.get("text") or "" for segment in self.transcript]
        return " ".join(" ".join(p for p in parts if p).split())


@dataclass(slots=True)
class AdReview:
    state: str
    reasons: list[dict[str, Any]]
    findings: list[Finding]
    policy_version: int
    similarity: dict[str, Any] | None = None
    landing_page: dict[str, Any] | None = None
    item_id: str | None = None
    job_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "state": self.state, "reasons": self.reasons,
                "findings": [f.to_dict() for f in self.findings],
                "similarity": self.similarity, "landing_page": self.landing_page,
                "policy_version": self.policy_version, "job_id": self.job_id}  # fmt: skip


def _findings(ad: AdInput) -> list[Finding]:
    found = find_claims(ad.text, "creative")
    for claim in ad.claims:
        found += find_claims(claim, "claim")
    if ad.landing_page is not None:
        found += find_claims(ad.landing_page.text, "landing_page")
    for line in ad.ocr:
        found += find_claims(str(line.get("text") or ""), "ocr", line.get("ts_first"))
    for segment in ad.transcript:
        found += find_claims(str(segment.get("text") or ""), "transcript", segment.get("start"))
    return sorted(found, key=lambda f: -f.score)


class AdReviewer:
    def __init__(
        self, store: Store, policies: PolicyStore, registry: ModelRegistry | None = None
    ) -> None:
        self.store = store
        self.policies = policies
        self.registry = registry

    # -- checking --------------------------------------------------------------------------

    def similarity(self, creative: str, landing: str) -> dict[str, Any] | None:
        """Creative ↔ landing page similarity and its margin over the background."""
        if self.registry is None or not creative.strip() or not landing.strip():
            return None
        from reelstack.understand.embed import CACHE_FILE, embed_texts
        from reelstack.understand.embed_cache import EmbeddingCache

        texts = [creative[:MAX_EMBED_CHARS], landing[:MAX_EMBED_CHARS], *BACKGROUND]
        cache = EmbeddingCache(self.registry.cache_dir / CACHE_FILE)
        try:
            rows = embed_texts(self.registry.load(MODEL), self.registry.version(MODEL), texts,
                               kind="query", cache=cache)  # fmt: skip
        finally:
            cache.close()
        rows = rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
        pair = float(rows[0] @ rows[1])
        background = max(float(np.mean(rows[2:] @ rows[0])), float(np.mean(rows[2:] @ rows[1])))
        return {"cosine": round(pair, 4), "background": round(background, 4),
                "margin": round(pair - background, 4)}  # fmt: skip

    def check(self, ad: AdInput) -> AdReview:
        """The approval state of an ad and why; nothing is stored."""
        if not ad.advertiser.strip():
            raise InvalidInput("an ad needs its advertiser")
        ads = self.policies.current("ads")
        findings = _findings(ad)
        scores = [Score(f.policy_id, "ads.claims", f.score, VERSION, f.text) for f in findings]
        similarity = None
        if ad.landing_page is not None:
            try:
                similarity = self.similarity(ad.creative_text, ad.landing_page.text)
            except ModelUnavailable as exc:
                similarity = {"error": exc.message}
        margin = similarity.get("margin") if similarity else None
        if margin is not None and margin < MISMATCH_REVIEW:
            scores.append(Score(MISMATCH_POLICY, "ads.mismatch", MISMATCH_SCORE, VERSION,
                                MISMATCH_LABEL))  # fmt: skip
        verdict = judge(scores, ads)
        by_evidence = {(f.policy_id, f.text): f for f in reversed(findings)}
        measured = {"source": "similarity", **(similarity or {})}
        reasons = []
        for reason in verdict.reasons:
            finding = by_evidence.get((reason.policy_id, reason.evidence or ""))
            evidence = finding.to_dict() if finding else measured
            reasons.append({"policy_id": reason.policy_id, "action": reason.action,
                            "score": reason.score, "threshold": reason.threshold,
                            "label": finding.label if finding else reason.evidence,
                            "evidence": evidence})  # fmt: skip
        limits = [{"policy_id": f.policy_id, "action": "limit", "score": f.score,
                   "label": f.label, "evidence": f.to_dict()}
                  for f in findings if f.score >= LIMITED_AT and not _acts(f, ads)]  # fmt: skip
        if margin is not None and MISMATCH_REVIEW <= margin < MISMATCH_LIMITED:
            limits.append({"policy_id": MISMATCH_POLICY, "action": "limit", "score": None,
                           "label": "the landing page only loosely matches the creative",
                           "evidence": measured})  # fmt: skip
        state = STATE_OF_ACTION[verdict.action]
        if state == "approved" and limits:
            state = "approved_limited"
        landing = ad.landing_page.summary() if ad.landing_page is not None else None
        return AdReview(state, reasons + limits, findings, ads.version, similarity, landing)

    # -- stored ads ------------------------------------------------------------------------

    def input_of(self, item: Item, landing: LandingPage | None = None) -> AdInput:
        if item.ad is None:
            raise InvalidInput(f"item {item.id} is not an ad (it has no ad fields)")
        features = {name: f.value for name, f in self.store.get_features(item.id).items()}
        if landing is None and item.ad.landing_page_text:
            landing = parse_landing_page(item.ad.landing_page_text)
        ocr = (features.get("ocr") or {}).get("lines") or []
        speech = (features.get("asr") or {}).get("segments") or []
        return AdInput(advertiser=item.ad.advertiser, text=item.caption,
                       claims=list(item.ad.claims), landing_page=landing,
                       ocr=[x for x in ocr if isinstance(x, dict)],
                       transcript=[x for x in speech if isinstance(x, dict)])  # fmt: skip

    def review_item(
        self, item_id: str, landing: str | bytes | None = None, kind: str = "auto"
    ) -> AdReview:
        """Check a stored ad, record its state (audited), and queue it when borderline."""
        item = self.store.get_item(item_id)
        page = parse_landing_page(landing, kind) if landing is not None else None
        review = self.check(self.input_of(item, page))
        review.item_id = item.id
        if review.state == "pending_review":
            top = review.reasons[0]
            job = build_job(self.store, item, self.policies.current("ads"), queue=ADS_QUEUE,
                            source="ads", policy_id=top["policy_id"], score=top["score"],
                            details={"ad": {"state": review.state,
                                            "reasons": review.reasons[:10]}})  # fmt: skip
            review.job_id = self.store.open_review_job(job)[0].id
        details = review.to_dict()
        if landing is not None:
            raw = landing if isinstance(landing, bytes) else landing.encode("utf-8", "replace")
            details["landing_page"]["sha256"] = hashlib.sha256(raw).hexdigest()
        details["findings"] = details["findings"][:50]
        append_audit(self.store, actor=ACTOR, action=f"ad.{review.state}", subject_type="item",
                     subject_id=item.id,
                     details={**details, "policy_id": _top_policy(review)})  # fmt: skip
        return review


def _acts(finding: Finding, ads: PolicySet) -> bool:
    """Whether the finding reaches a band of its policy (else it only limits the ad)."""
    return (
        score_reason(Score(finding.policy_id, "ads.claims", finding.score, VERSION), ads)
        is not None
    )


def _top_policy(review: AdReview) -> str | None:
    return review.reasons[0]["policy_id"] if review.reasons else None


# -- state of stored ads -------------------------------------------------------------------


def ad_state(store: Store, item_id: str) -> dict[str, Any] | None:
    """The latest recorded state of a stored ad (None: never reviewed)."""
    records = [r for r in store.list_audit("item", item_id) if r.action.startswith("ad.")]
    if not records:
        return None
    last = records[-1]
    return {"item_id": item_id, "state": last.action.removeprefix("ad."), "by": last.actor,
            "at": iso(last.ts), "reasons": last.details.get("reasons") or [],
            "job_id": last.details.get("job_id")}  # fmt: skip


def eligible_ads(store: Store) -> list[dict[str, Any]]:
    """Ads whose latest state is approved or approved_limited: what the ad slots may show."""
    latest: dict[str, tuple[str, float, list[Any]]] = {}
    for record in iter_audit(store, action_prefix="ad.", subject_type="item"):
        reasons = record.details.get("reasons") or []
        latest[record.subject_id] = (record.action.removeprefix("ad."), record.ts, reasons)
    return [{"item_id": item_id, "state": state, "reviewed_at": iso(ts),
             "limits": [r.get("label") for r in reasons if r.get("action") == "limit"]}
            for item_id, (state, ts, reasons) in latest.items() if state in ELIGIBLE]  # fmt: skip


class AdStateRecorder:
    """The ``on_decided`` hook of ``ReviewService``: a reviewer's decision on an ``ads`` job
    sets the ad's state (allow: approved; label/demote/age_restrict: approved_limited;
    disable/remove: disapproved)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, job: ReviewJob, item: Item, decision: Decision) -> None:
        if job.queue != ADS_QUEUE:
            return
        state = STATE_OF_ACTION.get(decision.action, "pending_review")
        reviewer = next((r.get("reviewer") for r in decision.reasons.get("reasons") or []), "")
        append_audit(self.store, actor=f"reviewer:{reviewer}", action=f"ad.{state}",
                     subject_type="item", subject_id=item.id,
                     details={"state": state, "job_id": job.id, "decision_id": decision.id,
                              "policy_id": decision.policy_id,
                              "reasons": [{"action": decision.action,
                                           "policy_id": decision.policy_id,
                                           "label": decision.reasons.get("note") or "",
                                           "reviewer": reviewer}]})  # fmt: skip
