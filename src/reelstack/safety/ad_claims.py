"""Claim and product patterns of the ads policies, matched in linear time with RE2.

Each pattern names the ads policy it scores, a confidence and what it catches. Confidence
follows the ads policy bands: at or above a policy's strictest band (0.8 in the default set)
the ad is disapproved; from its review band (0.5) it is borderline and goes to the ads
queue; from ``LIMITED_AT`` (0.3) it is approved with a limitation and the reason (a claim
that needs substantiation, urgency, superlatives). All patterns are compiled into one RE2
program (a group each), so a 10 MB landing page is one pass, and every match keeps its span —
the evidence an advertiser is shown. English first, with the Malay/Indonesian phrases of the
lending and slimming scams the demo carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reelstack.safety.keywords.matcher import re2_module

LIMITED_AT = 0.3
MAX_SPAN_CHARS = 160
CONTEXT_CHARS = 60
VERSION = "ads.claims/1"

_ILLNESS = (r"(?:type\s*[12]\s+)?(?:diabetes|cancer|arthritis|hiv|aids|covid(?:-19)?|"
            r"alzheimer'?s|dementia|autism|hypertension|high\s+blood\s+pressure|obesity|"
            r"psoriasis|asthma)")  # fmt: skip
_WITHIN = r"(?:\s+(?:in|within)\s+(?:\d+|one|two|three|a)\s+(?:days?|weeks?|hours?))?"
_DRUGS = r"(?:cocaine|heroin|meth(?:amphetamine)?|mdma|ecstasy|lsd|fentanyl|xanax|oxycodone)"
_GUNS = r"(?:guns?|firearms?|pistols?|rifles?|ammo|ammunition|glocks?|ar-?15s?|ak-?47s?)"
_SELL = r"(?:buy|order|selling|sell|for\s+sale|shop)"

# (policy, confidence, what it catches, RE2 pattern)
PATTERNS: tuple[tuple[str, float, str, str], ...] = (
    ("ads.misleading.health", 0.95, "promise to cure a disease",
     rf"\b(?:cures?|cured|reverses?|eliminates?|heals?)\s+(?:your\s+)?{_ILLNESS}\b{_WITHIN}"),
    ("ads.misleading.health", 0.9, "promise of fast weight loss",
     r"\blose\s+\d+(?:[.,]\d+)?\s*(?:kg|kilos?|kilograms?|lbs?|pounds)\s+in\s+(?:\d+|one|two|a)"
     r"\s+(?:days?|weeks?)\b"),
    ("ads.misleading.health", 0.85, "miracle product",
     r"\bmiracle\s+(?:cure|pill|tea|diet|supplement|drops|cream)\b"),
    ("ads.misleading.health", 0.85, "fat loss without effort",
     r"\b(?:melts?|burns?)\s+(?:belly\s+)?fat\s+(?:while\s+you\s+sleep|overnight)\b"),
    ("ads.misleading.health", 0.9, "promise to cure a disease (ms/id)",
     r"\b(?:menyembuhkan|sembuhkan)\s+(?:penyakit\s+)?(?:diabetes|kencing\s+manis|kanker|"
     r"barah|darah\s+tinggi)\b"),
    ("ads.misleading.health", 0.9, "promise of fast weight loss (ms/id)",
     r"\bturun\s+\d+\s*kg\s+dalam\s+\d+\s+(?:hari|minggu)\b"),
    ("ads.misleading.health", 0.6, "results without diet or exercise",
     r"\b(?:no|without)\s+(?:any\s+)?(?:diet|dieting|exercise|workouts?)\b"),
    ("ads.misleading.health", 0.6, "doctors-hate-this hook", r"\bdoctors\s+hate\b"),
    ("ads.misleading.health", 0.4, "health claim that needs substantiation",
     r"\b(?:clinically\s+proven|100\s*%\s+(?:natural|safe|effective))\b"),
    ("ads.misleading.finance", 0.9, "guaranteed investment returns",
     r"\bguaranteed\s+(?:\d+\s*%\s+)?(?:daily\s+|monthly\s+|weekly\s+)?(?:returns?|profits?|"
     r"income|earnings|payouts?)\b"),
    ("ads.misleading.finance", 0.9, "money-doubling promise",
     r"\b(?:double|triple)\s+your\s+(?:money|investment|savings|crypto|bitcoin)\b"),
    ("ads.misleading.finance", 0.85, "0% for everyone",
     r"\b0\s*%\s+(?:interest|apr)?\s*for\s+(?:everyone|everybody|all)\b"),
    ("ads.misleading.finance", 0.85, "0% for everyone (ms/id)",
     r"\bbunga\s+(?:mulai\s+)?0\s*%\s+untuk\s+semua(?:\s+orang)?\b"),
    ("ads.misleading.finance", 0.85, "risk-free returns",
     r"\brisk[- ]free\s+(?:investment|returns?|profits?|trading|income)\b"),
    ("ads.misleading.finance", 0.85, "get-rich-quick scheme", r"\bget\s+rich\s+quick\b"),
    ("ads.misleading.finance", 0.6, "credit without checks",
     r"\b(?:no|without)\s+credit\s+checks?\b|\btanpa\s+(?:cek\s+)?(?:riwayat\s+kredit|bi\s+"
     r"checking|cek\s+kredit|semakan\s+kredit)\b"),
    ("ads.misleading.finance", 0.4, "loan without collateral (needs terms)",
     r"\b(?:tanpa\s+jaminan|no\s+collateral)\b"),
    ("ads.misleading", 0.4, "guarantee that needs substantiation",
     r"\b(?:100\s*%|fully)\s+guaranteed\b"),
    ("ads.misleading", 0.35, "superlative that needs substantiation",
     r"\b(?:#\s*1|number\s+one)\s+(?:rated|brand|in\s+the\s+world)\b|\bbest\s+in\s+the\s+world\b"),
    ("ads.misleading", 0.35, "pressure to act now",
     r"\b(?:only\s+\d+\s+(?:left|spots?\s+left)|offer\s+ends\s+(?:tonight|in\s+\d+\s+"
     r"(?:minutes?|hours?)))\b"),
    ("ads.prohibited", 0.95, "sale of illegal drugs", rf"\b{_SELL}\s+(?:\w+\s+)?{_DRUGS}\b"),
    ("ads.prohibited", 0.6, "mention of illegal drugs", rf"\b{_DRUGS}\b"),
    ("ads.prohibited", 0.95, "sale of weapons", rf"\b{_SELL}\s+(?:\w+\s+)?{_GUNS}\b"),
    ("ads.prohibited", 0.95, "untraceable weapons",
     r"\b(?:ghost\s+guns?|untraceable\s+(?:guns?|firearms?|pistols?))\b"),
    ("ads.prohibited", 0.9, "counterfeit goods",
     r"\b(?:replicas?|counterfeit|fake|knock-?offs?)\s+(?:rolex|gucci|louis\s+vuitton|prada|"
     r"designer|watch(?:es)?|handbags?|bags?|sneakers|iphones?)\b"),
    ("ads.prohibited", 0.9, "tobacco and vapes for sale",
     rf"\b{_SELL}\s+(?:\w+\s+)?(?:cigarettes?|vapes?|e-?cigarettes?|nicotine\s+pouch(?:es)?)\b"),
    ("ads.prohibited", 0.9, "adult services",
     r"\b(?:escort\s+services?|sexual\s+services?|adult\s+webcams?|hook-?ups?\s+tonight)\b"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """One matched claim: the policy and confidence, and where it is (the evidence)."""

    policy_id: str
    score: float
    label: str
    source: str  # "creative", "claim", "landing_page", "ocr", "transcript"
    text: str  # the offending span
    start: int  # offsets of the span in the source's text
    end: int
    context: str = ""
    ts: float | None = None  # seconds into the video, for on-screen text and speech

    def to_dict(self) -> dict[str, Any]:
        found = {"policy_id": self.policy_id, "score": self.score, "label": self.label,
                 "source": self.source, "text": self.text, "start": self.start,
                 "end": self.end, "context": self.context}  # fmt: skip
        if self.ts is not None:
            found["ts"] = self.ts
        return found


@lru_cache(maxsize=1)
def _program() -> Any:
    re2 = re2_module()
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = 64 << 20
    return re2.compile("|".join(f"({p[3]})" for p in PATTERNS), options)


def find_claims(text: str, source: str, ts: float | None = None) -> list[Finding]:
    """Every pattern match in ``text`` (one pass), strongest first per span."""
    found = []
    for match in _program().finditer(text):
        index = next(i for i, group in enumerate(match.groups()) if group is not None)
        policy_id, score, label, _ = PATTERNS[index]
        start, end = match.span()
        span = " ".join(text[start:end].split())[:MAX_SPAN_CHARS]
        context = " ".join(text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS].split())
        found.append(Finding(policy_id, score, label, source, span, start, end, context, ts))
    return found
