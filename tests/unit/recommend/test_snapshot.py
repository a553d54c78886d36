"""Snapshots: restore + tail replay equals a full replay; unusable snapshots are ignored."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest
from tests.unit.recommend.conftest import fast_settings

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import Feature, User
from reelstack.recommend import snapshot as snapshots
from reelstack.recommend import synthetic
from reelstack.recommend.catalog import Catalog
from reelstack.recommend.rank import features
from reelstack.recommend.service import RecommendService
from reelstack.recommend.state import RealtimeState
from reelstack.recommend.synthetic import World
from reelstack.runtime.platform import Platform
from reelstack.understand import vectors

REGIONS = ("TH", "US", None)


def _history(platform: Platform, world: World, users: int = 12) -> list[dict]:
    """Interest-driven events of users with a region (and one without)."""
    events = synthetic.history(world, users=users, sessions=2, now=clock.now())
    for n, handle in enumerate(sorted({e["user"] for e in events})):
        user = User(id=new_id("usr"), handle=handle, region=REGIONS[n % 3], birth_year=1990)
        platform.store.upsert_user(user)
    return events


def _ingest(service: RecommendService, events: list[dict]) -> None:
    for start in range(0, len(events), 300):
        assert not service.ingest(events[start : start + 300]).errors


def _open(platform: Platform, **overrides: object) -> RecommendService:
    settings = fast_settings(snapshot_every_s=0, **overrides)
    return RecommendService(platform.store, platform.stream, platform.settings.data_dir, settings)


@pytest.fixture
def events(platform: Platform, world: World) -> list[dict]:
    return _history(platform, world)


def assert_same_catalog(a: Catalog, b: Catalog) -> None:
    n = len(a)
    assert (a.ids, a.creators, a.languages, a.last_id) == (
        b.ids,
        b.creators,
        b.languages,
        b.last_id,
    )
    assert a.content == b.content and a.creator_items == b.creator_items
    for name in ("creator", "language", "created_at", "duration_s", "has_vector", "feature_stamp"):
        assert np.array_equal(getattr(a, name)[:n], getattr(b, name)[:n]), name
    assert a.dims == b.dims and np.array_equal(a.matrix["text"][:n], b.matrix["text"][:n])
    assert np.array_equal(a.mean_vector(), b.mean_vector()) and a.pending == b.pending
    width = max(a.tag_matrix.shape[1], b.tag_matrix.shape[1])
    assert a.tag_index == b.tag_index and width == a.tag_matrix.shape[1] == b.tag_matrix.shape[1]
    assert np.array_equal(a.tag_matrix[:n], b.tag_matrix[:n])


def assert_same_state(a: RealtimeState, b: RealtimeState) -> None:
    n = len(a.catalog)
    assert (a.seq, a.applied, a.log_now, a.totals) == (b.seq, b.applied, b.log_now, b.totals)
    for name in a.stats:
        assert np.array_equal(a.stats[name][:n], b.stats[name][:n]), name
    assert np.array_equal(a.velocity[:n], b.velocity[:n]) and a.velocity_t0 == b.velocity_t0
    assert np.array_equal(a.last_event[:n], b.last_event[:n])
    assert a.coengaged == b.coengaged and list(a.coengaged) == list(b.coengaged)
    assert set(a.region_plays) == set(b.region_plays) == {"TH", "US"}
    for region, plays in a.region_plays.items():
        assert np.array_equal(plays[:n], b.region_plays[region][:n])
        assert np.array_equal(a.region_engagement[region][:n], b.region_engagement[region][:n])
    assert set(a.users) == set(b.users)
    for user_id, user in a.users.items():
        other = b.users[user_id]
        for name in user.__slots__:
            mine, theirs = getattr(user, name), getattr(other, name)
            if isinstance(mine, np.ndarray) or isinstance(theirs, np.ndarray):
                assert np.array_equal(mine, theirs), name
            else:
                assert mine == theirs, name
                if isinstance(mine, dict):
                    assert list(mine) == list(theirs), f"{name} order"
        view, again = features.user_view(a, user, None), features.user_view(b, other, None)
        idx = np.arange(n)
        assert np.array_equal(features.build(a, view, idx), features.build(b, again, idx))


def test_restore_plus_tail_replay_equals_a_full_replay(
    service: RecommendService, platform: Platform, world: World, events: list[dict]
) -> None:
    half = len(events) // 2
    _ingest(service, events[:half])
    service.feed(events[0]["user"], k=5)  # builds the ANN index, which the snapshot keeps
    saved = service.snapshot()
    assert saved is not None and saved["seq"] == half
    assert service.snapshot() is None  # nothing changed since
    _ingest(service, events[half:])
    restored, replayed = _open(platform), _open(platform, snapshot=False)
    try:
        assert restored.start["snapshot"] and restored.start["snapshot_seq"] == half
        assert restored.start["events_replayed"] == len(events) - half
        assert restored.start["ann_from_snapshot"]
        assert not replayed.start["snapshot"]
        assert_same_catalog(replayed.catalog, restored.catalog)
        assert_same_state(replayed.state, restored.state)
        assert_same_state(service.state, restored.state)
        user = events[-1]["user"]
        assert restored.feed(user, k=10)["items"] == replayed.feed(user, k=10)["items"]
    finally:
        restored.close()
        replayed.close()


def test_items_added_while_down_reach_the_restored_ann_index(
    service: RecommendService, platform: Platform, world: World
) -> None:
    service.feed(None, k=5)
    service.catalog.warm()
    service.snapshot(force=True)
    later = synthetic.build_world(platform.store, n_items=5, dim=64, seed=99, now=clock.now())
    restored = _open(platform)
    try:
        assert restored.start["ann_from_snapshot"]
        restored.catalog.refresh(platform.store)
        idx = restored.catalog.index[later.item_ids[0]]
        vector = restored.catalog.kind_vector("text", idx)
        found, _ = restored.catalog.search("text", vector, 3)
        assert found[0] == idx
    finally:
        restored.close()


def test_features_recomputed_while_down_are_reconciled(
    service: RecommendService, platform: Platform, world: World
) -> None:
    service.snapshot(force=True)
    item_id = world.item_ids[3]
    vector = np.random.default_rng(1).standard_normal(64).astype(np.float32)
    vector /= np.linalg.norm(vector)
    recomputed = Feature(
        item_id=item_id,
        stage="embed",
        model_name="synthetic",
        model_version="2",
        value={"vector": vectors.encode(vector)},
        created_at=clock.now(),
    )
    platform.store.put_feature(recomputed)  # by another process, while the feed was down
    restored = _open(platform)
    try:
        assert restored.start["snapshot"]
        assert restored.catalog.reconcile(platform.store) <= 1  # the background pass may be first
        idx = restored.catalog.index[item_id]
        assert np.allclose(restored.catalog.content_vector(idx), vector, atol=1e-3)
    finally:
        restored.close()


def _corrupt(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


class _Payload:
    """Unpickling this creates a directory: the snapshot loader must never unpickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.marker),))


def _pickled(path: Path) -> None:
    payload = np.array([_Payload(path.with_name("unpickled"))], dtype=object)
    with path.open("wb") as out:
        np.savez(out, manifest=payload)


def _other_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "VERSION", snapshots.VERSION + 1)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda path, mp: _corrupt(path), "unreadable"),
        (lambda path, mp: path.write_bytes(b"not a zip at all"), "unreadable"),
        (lambda path, mp: _pickled(path), "allow_pickle=False"),
        (lambda path, mp: _other_version(mp), "version"),
    ],
    ids=["truncated", "garbage", "pickled", "other-version"],
)
def test_an_unusable_snapshot_is_ignored_with_a_warning(
    service: RecommendService,
    platform: Platform,
    world: World,
    events: list[dict],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    spoil,
    reason: str,
) -> None:
    _ingest(service, events)
    service.snapshot()
    spoil(service.snapshots.path, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="reelstack.recommend.snapshot"):
        restarted = _open(platform)
    try:
        assert not restarted.start["snapshot"]
        assert restarted.start["events_replayed"] == len(events)
        assert any(
            reason in r.getMessage() and "replaying" in r.getMessage() for r in caplog.records
        )
        assert_same_state(service.state, restarted.state)
        assert not service.snapshots.path.with_name("unpickled").exists()
    finally:
        restarted.close()


def test_a_snapshot_taken_under_other_state_settings_is_ignored(
    service: RecommendService, platform: Platform, events: list[dict], caplog
) -> None:
    _ingest(service, events[:50])
    service.snapshot()
    with caplog.at_level(logging.WARNING, logger="reelstack.recommend.snapshot"):
        other = _open(platform, user_half_life_h=1.0)
    try:
        assert not other.start["snapshot"] and other.state.applied == 50
        assert "other state settings" in caplog.text
    finally:
        other.close()


def test_a_snapshot_of_another_event_log_is_ignored(
    service: RecommendService, events: list[dict], tmp_path: Path, caplog
) -> None:
    _ingest(service, events[:50])
    service.snapshot()
    with Platform.open(Settings(data_dir=tmp_path / "elsewhere")) as elsewhere:
        now = clock.now()
        world = synthetic.build_world(elsewhere.store, n_items=40, n_topics=4, dim=64, now=now)
        theirs = _history(elsewhere, world, users=3)[:60]
        first = _open(elsewhere)
        _ingest(first, theirs)
        first.close()
        target = first.snapshots.path
        target.write_bytes(service.snapshots.path.read_bytes())  # our snapshot, their log
        with caplog.at_level(logging.WARNING, logger="reelstack.recommend.snapshot"):
            again = _open(elsewhere)
        try:
            assert not again.start["snapshot"] and again.state.applied == len(theirs)
            assert "no longer holds the event" in caplog.text
        finally:
            again.close()


def test_snapshots_are_saved_periodically_and_at_shutdown(
    platform: Platform, world: World, events: list[dict]
) -> None:
    service = RecommendService(
        platform.store,
        platform.stream,
        platform.settings.data_dir,
        fast_settings(snapshot_every_s=0.2),
    )
    _ingest(service, events[:40])
    deadline = time.monotonic() + 10
    while (service.snapshots.last is None or service.snapshots.last.seq < 40) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert service.snapshots.last is not None and service.snapshots.last.seq == 40
    _ingest(service, events[40:60])
    service.close()
    assert service.snapshots.last.seq == 60
    again = _open(platform)
    try:
        assert again.start["snapshot"] and again.start["events_replayed"] == 0
    finally:
        again.close()
