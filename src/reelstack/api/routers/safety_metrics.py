"""Safety metrics per policy and the transparency report (aggregates of every decision)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from reelstack.api.deps import PlatformDep, ReviewerDep
from reelstack.safety.metrics import policy_metrics, transparency_csv, transparency_report

router = APIRouter(prefix="/v1", tags=["safety"])


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


@router.get("/safety/metrics")
def metrics(
    platform: PlatformDep,
    _: ReviewerDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Per policy family: precision, recall and F1 at the operating point (all reviewed cases
    and the random sample alone), prevalence from the random sample (Wilson 95% intervals),
    automated vs manual share, time to action, appeal overturn rate, SLA."""
    return policy_metrics(platform.store, platform.policies, _ts(since), _ts(until))


@router.get("/safety/transparency", response_model=None)
def transparency(
    platform: PlatformDep,
    _: ReviewerDep,
    format: Literal["json", "csv"] = "json",
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any] | Response:
    """Decisions counted by policy, action, detection source and automated or not."""
    report = transparency_report(platform.store, _ts(since), _ts(until))
    if format == "csv":
        return Response(transparency_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition":
                                 'attachment; filename="transparency-report.csv"'})  # fmt: skip
    return report
