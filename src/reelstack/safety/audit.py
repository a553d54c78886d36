"""Audit trail views: decision records as DSA statements of reasons (JSON or CSV).

Each restrictive decision (remove, disable, demote, age_restrict, label) becomes one
statement in the shape of the EU DSA Transparency Database submission API: visibility
restriction, ground (incompatible with our terms), category, content type, whether
detection and decision were automated, the source (a user's notice under Art. 16, or our own
initiative), dates, and the facts — policy id@version, detectors with scores and thresholds,
the rule. ``allow`` and ``review`` restrict nothing and have no statement. Records stream
page by page, so an export never holds the whole log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from reelstack.core import clock
from reelstack.core.errors import NotFound
from reelstack.core.ids import new_id
from reelstack.core.records import AuditRecord
from reelstack.storage.interfaces import AuditStore, ItemStore
from reelstack.storage.paging import iter_audit

VISIBILITY = {
    "remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disable": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "demote": "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "age_restrict": "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "label": "DECISION_VISIBILITY_CONTENT_LABELLED",
}
CATEGORY = {
    "harassment": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "hate": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "violence": "STATEMENT_CATEGORY_VIOLENCE",
    "sexual": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "self_harm": "STATEMENT_CATEGORY_SELF_HARM",
    "dangerous": "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
    "spam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "minor_safety": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "ip": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
}
OTHER_CATEGORY = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"
NOTICE_SOURCE = "SOURCE_ARTICLE_16"  # a user's report (a DSA Art. 16 notice) led to it
OWN_INITIATIVE_SOURCE = "SOURCE_VOLUNTARY"
CONTENT_TYPE = {"video": "CONTENT_TYPE_VIDEO", "image": "CONTENT_TYPE_IMAGE",
                "text": "CONTENT_TYPE_TEXT"}  # fmt: skip
CSV_FIELDS = (
    "puid", "decision_id", "decision_visibility", "decision_ground", "incompatible_content_ground",
    "incompatible_content_explanation", "category", "content_type", "automated_detection",
    "automated_decision", "source_type", "application_date", "content_date", "decision_facts",
    "policy_version", "rule",
)  # fmt: skip


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _facts(details: dict[str, Any]) -> str:
    parts = []
    for reason in details.get("reasons") or []:
        if reason.get("rule"):
            parts.append(f"rule {reason['rule']} → {reason['action']} ({reason['policy_id']})")
        else:
            parts.append(f"{reason.get('detector')} scored {reason.get('score')} on "
                         f"{reason['policy_id']} (threshold {reason.get('threshold')}, "
                         f"model {reason.get('model_version')})")  # fmt: skip
    if details.get("note") and not details.get("automated_decision", True):
        parts.append(f"reviewer note: {details['note']}")
    return "; ".join(parts) or "decision without detector evidence"


def source_type(details: dict[str, Any]) -> str:
    """``SOURCE_ARTICLE_16`` when the decision was taken on a review job a user reported
    (opened by the report, or a job the report folded into); else own initiative."""
    for reason in details.get("reasons") or []:
        if isinstance(reason, dict) and (
            reason.get("job_source") == "report" or reason.get("notices")
        ):
            return NOTICE_SOURCE
    return OWN_INITIATIVE_SOURCE


def statement_of_reasons(record: AuditRecord, items: ItemStore) -> dict[str, Any] | None:
    """The statement for one ``decision.*`` audit record, or None if it restricts nothing."""
    action = record.action.removeprefix("decision.")
    if not record.action.startswith("decision.") or action not in VISIBILITY:
        return None
    details = record.details
    policy_id = details.get("policy_id") or ""
    try:
        item = items.get_item(record.subject_id)
        kind, content_date = item.kind, _date(item.created_at)
    except NotFound:
        kind, content_date = "", None
    automated = bool(details.get("automated_decision", True))
    return {
        "puid": record.subject_id,
        "decision_id": details.get("decision_id"),
        "decision_visibility": [VISIBILITY[action]],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": policy_id,
        "incompatible_content_explanation": f"violates policy {policy_id} "
        f"(policy set version {details.get('policy_version')})",
        "category": CATEGORY.get(policy_id.split(".")[0], OTHER_CATEGORY),
        "content_type": [CONTENT_TYPE.get(kind, "CONTENT_TYPE_OTHER")],
        "automated_detection": "Yes" if details.get("automated_detection", True) else "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY" if automated
        else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "source_type": source_type(details),
        "application_date": _date(record.ts),
        "content_date": content_date,
        "decision_facts": _facts(details),
        "policy_version": details.get("policy_version"),
        "rule": details.get("rule"),
    }  # fmt: skip


def statements(
    store: AuditStore, items: ItemStore, page_size: int = 500, **filters: Any
) -> Iterator[dict[str, Any]]:
    """Every statement of reasons matching ``filters`` (those of ``find_audit``), oldest first."""
    for record in iter_audit(store, page_size, action_prefix="decision.", **filters):
        if (statement := statement_of_reasons(record, items)) is not None:
            yield statement


def as_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text chunks: a header, then one line per statement (lists joined by ``|``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "|".join(v) if isinstance(v, list) else v for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def as_json_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def append_audit(
    store: AuditStore, *, actor: str, action: str, subject_type: str, subject_id: str,
    details: dict[str, Any],
) -> AuditRecord:  # fmt: skip
    """Append one record stamped with a fresh id and the current time."""
    record = AuditRecord(id=new_id("aud"), actor=actor, action=action, subject_type=subject_type,
                         subject_id=subject_id, details=details, ts=clock.now())  # fmt: skip
    store.append_audit(record)
    return record
