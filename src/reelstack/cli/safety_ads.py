"""``reelstack safety ads``: review stored ads (their landing pages given, never fetched)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core.errors import InvalidInput
from reelstack.runtime.platform import Platform
from reelstack.safety.ads import AdReviewer, ad_state
from reelstack.safety.landing import MAX_LANDING_BYTES
from reelstack.storage.paging import iter_items


def review_ads(
    item: Annotated[str | None, typer.Option(help="One stored ad; default: every ad.")] = None,
    landing: Annotated[
        Path | None, typer.Option(help="Landing page file (HTML or text) for --item.")
    ] = None,
    again: Annotated[bool, typer.Option("--all", help="Also ads reviewed before.")] = False,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Check stored ads against the ads policies: one JSON line per ad with its state
    (approved, approved_limited, disapproved, pending_review) and the offending spans."""
    if landing is not None and item is None:
        raise InvalidInput("--landing needs --item (the ad it belongs to)")
    page = None
    if landing is not None:
        if not landing.is_file():
            raise InvalidInput(f"{landing}: no such file")
        if landing.stat().st_size > MAX_LANDING_BYTES:
            raise InvalidInput(f"{landing}: larger than {MAX_LANDING_BYTES // 2**20} MB")
        page = landing.read_bytes()
    with Platform.open(settings_for(data)) as platform:
        reviewer = AdReviewer(platform.store, platform.policies, platform.models)
        if item is not None:
            ids = [item]
        else:
            ids = [i.id for i in iter_items(platform.store) if i.ad is not None
                   and (again or ad_state(platform.store, i.id) is None)]  # fmt: skip
        for item_id in ids:
            review = reviewer.review_item(item_id, page)
            typer.echo(json.dumps({"item_id": item_id, "state": review.state,
                                   "reasons": review.reasons}, ensure_ascii=False))  # fmt: skip
