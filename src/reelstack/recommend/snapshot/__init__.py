"""Snapshots of the catalogue, the real-time state and the ANN indexes, for a fast restart.

Without a snapshot a restart reads every item and replays the whole event log (tens of
seconds at 100k posts) and rebuilds the ANN indexes (minutes). With one, it loads
``<data>/recommend/snapshot/snapshot.npz`` (a NumPy ``.npz`` of plain arrays with a JSON
manifest: format, version, the event-log position it covers) and the ANN files it names,
then replays only the events after that position.

The snapshot is a cache, never the truth: a missing, corrupt or other-version file, one taken
under other state settings, or one whose log position no longer holds the same event (another
store, a rebuilt log) is ignored with a warning and the state is rebuilt from the log. A
restored catalogue is reconciled with the store in the background (posts added or
re-understood while the server was down).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelstack.core import clock
from reelstack.recommend.catalog import Catalog
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.snapshot import catalog_codec, state_codec
from reelstack.recommend.snapshot.arrays import ArrayReader, ArrayWriter, SnapshotError
from reelstack.recommend.state import RealtimeState
from reelstack.storage.interfaces import Store

log = logging.getLogger(__name__)

FORMAT = "reelstack.recommend.snapshot"
VERSION = 1  # bump whenever the arrays, or how an event changes the state, change
FILE = "snapshot.npz"


@dataclass(slots=True)
class Restored:
    catalog: Catalog
    state: RealtimeState
    ann_loaded: bool
    manifest: dict[str, Any]


@dataclass(slots=True)
class Saved:
    """What the newest snapshot covers (to skip saves that would change nothing)."""

    seq: int
    catalog_revision: int
    ann_revision: int | None
    ann: dict[str, Any] | None
    seconds: float = 0.0


class Snapshots:
    """Saves and loads the snapshot in ``directory`` (``<data>/recommend/snapshot``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE
        self.last: Saved | None = None
        self._lock = threading.Lock()

    def stale(self, state: RealtimeState) -> bool:
        """Whether the state or its catalogue changed since the newest snapshot."""
        last = self.last
        return last is None or (last.seq, last.catalog_revision) != (
            state.seq,
            state.catalog.revision,
        )

    # -- saving --------------------------------------------------------------------------------

    def save(self, state: RealtimeState) -> Saved:
        """Capture the state and its catalogue consistently, then write them (and the ANN
        indexes when they changed) atomically. Feeds are served meanwhile; applying new
        events waits for the capture (not for the write)."""
        with self._lock:
            started = time.perf_counter()
            catalog = state.catalog
            out = ArrayWriter()
            with state.tail_lock:
                state_meta = state_codec.capture(state, out)
                with catalog.lock:  # a superset of the items the state refers to
                    catalog_meta = catalog_codec.capture(catalog, out)
                    ann_revision, ann = self._ann(catalog)
            seq = int(state_meta["seq"])
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": clock.now(),
                "seq": seq,
                "seq_event": _event_id_at(state.store, seq) if seq else None,
                "state": state_meta,
                "catalog": catalog_meta,
                "ann": ann,
            }
            out.save(self.path, manifest)
            self._remove_unused_ann(ann)
            seconds = round(time.perf_counter() - started, 3)
            self.last = Saved(seq, catalog_meta["revision"], ann_revision, ann, seconds)
            return self.last

    def _ann(self, catalog: Catalog) -> tuple[int | None, dict[str, Any] | None]:
        last = self.last
        if last is not None and last.ann is not None and last.ann_revision == catalog.ann_revision:
            return last.ann_revision, last.ann  # unchanged since the last save: reuse its files
        ann = catalog_codec.save_ann(catalog, self.directory)
        return (catalog.ann_revision if ann else None), ann

    def _remove_unused_ann(self, ann: dict[str, Any] | None) -> None:
        keep = {saved["file"] for saved in (ann or {}).get("kinds", {}).values()}
        for path in self.directory.glob("ann-*"):
            if path.name not in keep:
                path.unlink(missing_ok=True)

    # -- loading -------------------------------------------------------------------------------

    def load(self, store: Store, settings: RecommendSettings) -> Restored | None:
        """The saved catalogue and state, or None (logged) when there is none fit to use."""
        if not self.path.is_file():
            return None
        try:
            reader = ArrayReader(self.path)
            manifest = reader.manifest
            self._check(manifest, store)
            catalog = catalog_codec.restore(reader, manifest["catalog"], settings.ann_backend)
            state = state_codec.restore(reader, manifest["state"], catalog, settings, store)
        except FileNotFoundError:
            return None
        except (SnapshotError, KeyError, TypeError, ValueError, IndexError) as exc:
            log.warning("recommend: ignoring snapshot %s (%s); replaying the log", self.path, exc)
            return None
        ann = manifest.get("ann")
        ann_loaded = self._load_ann(catalog, ann)
        self.last = Saved(
            state.seq,
            catalog.revision,
            catalog.ann_revision if ann_loaded else None,
            ann if ann_loaded else None,
        )
        return Restored(catalog, state, ann_loaded, manifest)

    def _check(self, manifest: dict[str, Any], store: Store) -> None:
        if manifest.get("format") != FORMAT:
            raise SnapshotError(f"not a recommend snapshot (format {manifest.get('format')!r})")
        if manifest.get("version") != VERSION:
            raise SnapshotError(f"version {manifest.get('version')!r}, this code reads {VERSION}")
        seq = int(manifest["seq"])
        if seq and _event_id_at(store, seq) != manifest.get("seq_event"):
            raise SnapshotError(f"the event log no longer holds the event at position {seq}")

    def _load_ann(self, catalog: Catalog, ann: dict[str, Any] | None) -> bool:
        if not ann:
            return False
        try:
            return catalog_codec.load_ann(catalog, self.directory, ann)
        except (SnapshotError, OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
            log.warning("recommend: ANN snapshot unusable (%s); rebuilding the indexes", exc)
            return False


def _event_id_at(store: Store, seq: int) -> str | None:
    """The id of the event stored at log position ``seq``: the same log holds the same one."""
    found = store.read_events(after_seq=seq - 1, limit=1)
    return found[0][1].event_id if found and found[0][0] == seq else None
