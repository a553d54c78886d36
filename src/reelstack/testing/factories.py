"""Small, valid domain records for tests and contract suites."""

from __future__ import annotations

import hashlib
import itertools

from reelstack.core.ids import new_id
from reelstack.core.records import Creator, Event, Item, Media

_counter = itertools.count()

CAPTIONS_6_SCRIPTS = [
    "Sunset over the bay #travel",
    "小猫咪太可爱了 #猫 #萌宠",
    "แมวน่ารักมาก #แมว",
    "Mèo con dễ thương quá #mèo",
    "Kucing comel sangat #kucing",
    "Котик спит на солнце #кот",
]


def make_creator(handle: str | None = None) -> Creator:
    n = next(_counter)
    return Creator(id=new_id("cre"), handle=handle or f"creator{n}", display_name=f"Creator {n}")


def make_media(sha256: str | None = None) -> Media:
    sha = sha256 or hashlib.sha256(f"media-{next(_counter)}".encode()).hexdigest()
    return Media(
        id=new_id("med"),
        sha256=sha,
        kind="video",
        format="mov",
        size_bytes=1234,
        width=360,
        height=640,
        duration_s=8.0,
        fps=15.0,
        has_audio=False,
        probe={"codec": "h264"},
        created_at=1.0,
    )


def make_item(creator: Creator, media: Media | None = None, **overrides: object) -> Item:
    n = next(_counter)
    values: dict = {
        "id": new_id("itm"),
        "kind": media.kind if media else "text",
        "content_hash": media.sha256 if media else hashlib.sha256(f"t{n}".encode()).hexdigest(),
        "creator_id": creator.id,
        "caption": f"post {n} #demo",
        "hashtags": ["demo"],
        "media_id": media.id if media else None,
        "created_at": 100.0 + n,
        "ingested_at": 100.0 + n,
    }
    values.update(overrides)
    return Item(**values)


def make_event(user_id: str, item_id: str | None, event_type: str = "view", **kw: object) -> Event:
    values: dict = {
        "event_id": f"ev-{next(_counter)}",
        "type": event_type,
        "user_id": user_id,
        "item_id": item_id,
        "ts": 1000.0,
        "watch_ms": 4000,
        "duration_ms": 8000,
        "context": {"surface": "feed"},
        "received_at": 1000.5,
    }
    values.update(kw)
    return Event(**values)
