"""Hash banks on real media: FAISS, PDQ, clips from the test helpers and the demo renderer."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from reelstack.config import IngestSettings, UnderstandSettings
from reelstack.core.errors import Conflict, InvalidInput, MediaError, ModelUnavailable, NotFound
from reelstack.models.registry import ModelRegistry
from reelstack.safety.banks import HashBankDetector, HashBankService
from reelstack.safety.banks.index import BankIndex, FaissRows, NumpyRows, import_faiss, make_rows
from reelstack.safety.banks.matching import EntryHashes, compare, confidence, query_hashes
from reelstack.safety.banks.media import ANCHORS, ZOOMS, MediaHasher
from reelstack.safety.banks.signals import normalize_signal, to_codes
from reelstack.safety.detectors.base import Subject
from reelstack.safety.policies import PolicyStore
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.registry import open_store
from reelstack.testing.media import make_image, make_video, transcode
from reelstack.understand.hashes import video_match

ACTOR = "test-admin"


def flip(hex_hash: str, bits: int) -> str:
    """``hex_hash`` with its first ``bits`` bits inverted."""
    value = int(hex_hash, 16) ^ (((1 << bits) - 1) << (256 - bits))
    return f"{value:064x}"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's banned clip, a zoomed/darker/resized re-upload of it, another cut of the
    same film, and small synthetic clips (one re-encoded)."""
    from reelstack.demo.clips import render
    from reelstack.demo.corpus import plan_corpus

    d = tmp_path_factory.mktemp("bank-clips")
    plan = plan_corpus(d, 60, 10, 3, {})
    banned = next(p.job for p in plan if p.meta.get("banned_original"))
    jobs = {
        "banned": replace(banned, duration=6.0),
        "zoomed": replace(banned, duration=6.0, zoom_extra=0.07, gain=0.93, size=(270, 480),
                          crf=30),
        "other_cut": replace(banned, duration=6.0, seed=banned.seed + 1),
    }  # fmt: skip
    paths = {}
    for name, job in jobs.items():
        paths[name] = Path(render(replace(job, out=str(d / f"{name}.mp4"))) and d / f"{name}.mp4")
    paths["small"] = make_video(d / "small.mp4", seconds=3, size=(96, 160), seed=11)
    paths["copy"] = transcode(paths["banned"], d / "copy.mp4", scale=0.75, gain=1.1)
    paths["unrelated"] = make_video(d / "unrelated.mp4", seconds=3, size=(96, 160), seed=12)
    paths["photo"] = make_image(d / "photo.png", size=(120, 200), seed=13)
    return paths


@pytest.fixture(scope="module")
def hasher(tmp_path_factory: pytest.TempPathFactory) -> MediaHasher:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"))
    return MediaHasher(registry, UnderstandSettings(), IngestSettings())


@pytest.fixture(scope="module")
def hashed(clips: dict[str, Path], hasher: MediaHasher) -> dict[str, dict]:
    """Each clip's ``hashes`` feature as the Understand stage stores it (no variants)."""
    found = {}
    for name, path in clips.items():
        media = hasher.hash_file(path, variants=False)
        frames = [{k: f[k] for k in ("ts", "hash", "quality")} for f in media.frames]
        found[name] = {"md5": media.md5, "pdq": frames, "frames": len(frames)}
    return found


@pytest.fixture
def service(tmp_path: Path, hasher: MediaHasher):
    store = open_store("memory://")
    banks = HashBankService(store, FileBlobStore(tmp_path / "blobs"), hasher.registry,
                            UnderstandSettings(), IngestSettings(),
                            policies=PolicyStore(tmp_path / "policies"))  # fmt: skip
    banks._hasher = hasher  # share the module's hashing stages
    yield banks
    store.close()


# -- signals ---------------------------------------------------------------------------------


def test_signals_are_normalised_and_bad_ones_explained() -> None:
    assert normalize_signal("pdq", "  " + "AB" * 32 + "\n") == "ab" * 32
    assert normalize_signal("md5", "0" * 32) == "0" * 32
    with pytest.raises(InvalidInput, match=r"64 hex digits \(256 bits\), got 63"):
        normalize_signal("pdq", "a" * 63)
    with pytest.raises(InvalidInput, match="non-hex character 'g' at position 3"):
        normalize_signal("pdq", "abcg" + "0" * 60)
    with pytest.raises(InvalidInput, match="unknown signal_type 'sha1'"):
        normalize_signal("sha1", "0" * 40)
    with pytest.raises(InvalidInput, match="must be a string"):
        normalize_signal("md5", 123)


# -- matching --------------------------------------------------------------------------------


def test_without_variants_the_fractions_are_video_match(hashed: dict[str, dict]) -> None:
    for a, b in (("banned", "copy"), ("banned", "zoomed"), ("small", "unrelated")):
        entry = EntryHashes.of(hashed[b]["pdq"])
        found = compare(*query_hashes(hashed[a]), entry)
        expected = video_match(hashed[a], hashed[b])
        if found is None:
            assert expected.a_fraction == 0.0
        elif found.tier in ("strict", "partial"):
            assert (found.query_fraction, found.bank_fraction) == (
                expected.a_fraction,
                expected.b_fraction,
            )


def test_confidence_bands() -> None:
    assert confidence("md5", 1, 1) == 1.0
    assert 0.95 <= confidence("strict", 0.7, 0.7) <= confidence("strict", 1, 1) == 1.0
    assert 0.9 <= confidence("zoom", 0.9, 0.9) < confidence("zoom", 1, 1) < 0.95
    assert 0.7 <= confidence("partial", 0.1, 0.0) < confidence("partial", 0.2, 1.0) < 0.9


def test_faiss_and_numpy_find_the_same_pairs() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, size=(3000, 32), dtype=np.uint8)
    queries = codes[:40].copy()
    queries[:, :3] ^= 0xFF  # 24 bits away from their source row
    faiss_rows, numpy_rows = FaissRows(codes, import_faiss()), NumpyRows(codes)
    for limit in (23, 24, 110):
        a = sorted(zip(*(x.tolist() for x in faiss_rows.range(queries, limit)), strict=True))
        b = sorted(zip(*(x.tolist() for x in numpy_rows.range(queries, limit)), strict=True))
        assert a == b
    assert not faiss_rows.range(queries, 23)[0].size
    assert len(faiss_rows.range(queries, 24)[0]) == 40


def test_without_faiss_the_index_falls_back_to_numpy(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss now raises ImportError
    with pytest.raises(ModelUnavailable, match=r"faiss-cpu.*reelstack\[safety\]"):
        import_faiss()
    with pytest.raises(ModelUnavailable):
        make_rows(np.zeros((1, 32), np.uint8), "faiss")
    assert isinstance(make_rows(np.zeros((1, 32), np.uint8)), NumpyRows)


# -- the service -----------------------------------------------------------------------------


def test_banks_lifecycle_with_audit(service: HashBankService) -> None:
    bank = service.create_bank("piracy", actor=ACTOR, description="Banned clips")
    assert (bank.policy_id, bank.enabled) == ("ip", True)
    with pytest.raises(Conflict):
        service.create_bank("piracy", actor=ACTOR)
    with pytest.raises(InvalidInput, match="bank name"):
        service.create_bank("Bad Name!", actor=ACTOR)
    with pytest.raises(InvalidInput, match="unknown policy 'nope'"):
        service.create_bank("other", actor=ACTOR, policy_id="nope")
    service.create_bank("violent", actor=ACTOR, policy_id="violence")
    assert [b.name for b in service.list_banks()] == ["piracy", "violent"]
    assert service.set_enabled("piracy", False, actor=ACTOR).enabled is False
    assert service.delete_bank("violent", actor=ACTOR) == 0
    with pytest.raises(NotFound):
        service.get_bank("violent")
    trail = service.store.find_audit(actor=ACTOR)
    assert [(r.action, r.subject_id) for _, r in trail] == [
        ("bank.create", "piracy"),
        ("bank.create", "violent"),
        ("bank.disable", "piracy"),
        ("bank.delete", "violent"),
    ]
    assert trail[0][1].details["policy_id"] == "ip"


def test_signals_match_by_distance_and_exactly(service: HashBankService) -> None:
    service.create_bank("piracy", actor=ACTOR)
    pdq, md5 = "5a" * 32, "d41d8cd98f00b204e9800998ecf8427e"
    results = service.add_signals(
        "piracy",
        [{"signal_type": "pdq", "signal": pdq.upper(), "note": "poster"},
         {"signal_type": "md5", "signal": md5},
         {"signal_type": "pdq", "signal": "xyz"},
         {"signal_type": "pdq", "signal": pdq},
         {"signal_type": "video_pdq", "signal": md5}],
        actor=ACTOR,
    )  # fmt: skip
    statuses = [r.to_dict()["status"] for r in results]
    assert statuses == ["added", "added", "error", "duplicate", "error"]
    assert "non-hex character 'x'" in (results[2].error or "")
    assert results[3].entry.id == results[0].entry.id
    found = service.match("pdq", flip(pdq, 5))
    assert [(m.entry_id, m.distance, m.note) for m in found] == [(results[0].entry.id, 5, "poster")]
    assert service.match("pdq", flip(pdq, 40)) == []
    assert service.match("pdq", flip(pdq, 40), threshold=40)[0].distance == 40
    assert service.match("md5", md5.upper())[0].distance == 0
    with pytest.raises(InvalidInput):
        service.match("pdq", pdq, threshold=300)
    with pytest.raises(NotFound):
        service.add_signals("missing", [], actor=ACTOR)
    service.set_enabled("piracy", False, actor=ACTOR)  # the index follows the store
    assert service.match("pdq", pdq) == []
    audit = service.store.find_audit(action_prefix="bank.add_signals")
    assert audit[0][1].details["entry_ids"] == [results[0].entry.id, results[1].entry.id]
    assert audit[0][1].details["errors"] == 2


def test_banked_video_matches_its_reencoded_copy_only(
    service: HashBankService, clips: dict[str, Path], hashed: dict[str, dict]
) -> None:
    service.create_bank("piracy", actor=ACTOR)
    added = service.add_media("piracy", clips["banned"], actor=ACTOR, note="original")
    entry = added.entry
    assert entry.signal_type == "video_pdq" and entry.signal == hashed["banned"]["md5"]
    assert len(entry.frames) == hashed["banned"]["frames"] >= 3
    assert all(0 < len(f["variants"]) <= len(ZOOMS) * len(ANCHORS) ** 2 for f in entry.frames)
    assert service.add_media("piracy", clips["banned"], actor=ACTOR).duplicate
    exact = service.match_video(hashed["banned"])
    assert [(h.tier, h.score) for h in exact] == [("md5", 1.0)]
    copy = service.match_video(hashed["copy"])  # re-encoded, 3/4 size, 10 % brighter
    assert [(h.entry_id, h.tier) for h in copy] == [(entry.id, "strict")]
    assert copy[0].query_fraction == copy[0].bank_fraction == 1.0 and copy[0].score == 1.0
    assert service.match_video(hashed["unrelated"]) == []
    assert service.match_video(hashed["other_cut"]) == []
    notes = clips["photo"].with_name("notes.mp4")
    notes.write_text("not a video\n")
    with pytest.raises(MediaError):
        service.add_media("piracy", notes, actor=ACTOR)


def test_zoomed_demo_reupload_matches_at_video_level(
    service: HashBankService, clips: dict[str, Path], hashed: dict[str, dict]
) -> None:
    """The demo's re-upload (7 % zoom, darker, resized, re-encoded) is 40+ bits from the
    original's frames — PDQ alone misses it — yet matches the banked video."""
    assert not video_match(hashed["banned"], hashed["zoomed"]).is_match
    service.create_bank("piracy", actor=ACTOR)
    entry = service.add_media("piracy", clips["banned"], actor=ACTOR, note="pirated film").entry
    detector = HashBankDetector(service)
    scores = detector.detect(Subject(features={"hashes": hashed["zoomed"]}))
    assert [(s.policy_id, s.detector) for s in scores] == [("ip", "hashbank")]
    assert scores[0].score >= 0.9  # the ip policy's disable band
    assert entry.id in scores[0].evidence and "pirated film" in scores[0].evidence
    assert detector.detect(Subject(features={"hashes": hashed["other_cut"]})) == []
    assert detector.detect(Subject(features={"hashes": hashed["unrelated"]})) == []
    assert detector.detect(Subject(features={})) == []
    assert detector.detect(Subject(features={"hashes": {"error": "boom"}})) == []


def test_one_banked_frame_in_a_video_is_a_partial_match(
    service: HashBankService, hashed: dict[str, dict]
) -> None:
    service.create_bank("frames", actor=ACTOR)
    frame = max(hashed["banned"]["pdq"], key=lambda f: f["quality"])
    service.add_signals("frames", [{"signal_type": "pdq", "signal": frame["hash"]}], actor=ACTOR)
    hits = service.match_video(hashed["banned"])
    assert [h.tier for h in hits] == ["partial"]
    assert 0.7 <= hits[0].score < 0.9  # review, not an automatic action
    assert hits[0].bank_fraction == 1.0 and hits[0].query_fraction < 0.7


def test_banked_image_is_one_pdq_entry(
    service: HashBankService, clips: dict[str, Path], hasher: MediaHasher
) -> None:
    service.create_bank("images", actor=ACTOR)
    entry = service.add_media("images", clips["photo"], actor=ACTOR).entry
    assert entry.signal_type == "pdq" and len(entry.frames) == 1 and entry.meta["md5"]
    assert service.match("pdq", entry.signal)[0].distance == 0
    assert service.match("md5", entry.meta["md5"])[0].entry_id == entry.id


def test_bank_a_stored_item_from_its_features(
    service: HashBankService, clips: dict[str, Path], hasher: MediaHasher
) -> None:
    from reelstack.testing.factories import make_creator, make_item
    from reelstack.understand.hashes import HashesStage
    from reelstack.understand.keyframes import KeyframesStage
    from reelstack.understand.pipeline import Pipeline
    from reelstack.understand.stage import Post

    store = service.store
    item = store.insert_item(make_item(store.upsert_creator(make_creator())))
    service.create_bank("piracy", actor=ACTOR)
    with pytest.raises(InvalidInput, match="no usable hashes"):
        service.add_item("piracy", item.id, actor=ACTOR)
    stages = [KeyframesStage(hasher.registry, UnderstandSettings()),
              HashesStage(hasher.registry, UnderstandSettings())]  # fmt: skip
    post = Post(item_id=item.id, kind="video", media_path=clips["small"])
    Pipeline(stages, service.blobs, store).run_posts([(item.id, post)])
    entry = service.add_item("piracy", item.id, actor=ACTOR, note="from the feed").entry
    assert entry.source_item_id == item.id and entry.signal_type == "video_pdq"
    assert entry.meta["frames_with_variants"] == len(entry.frames) > 0
    assert service.match_video(store.get_features(item.id)["hashes"].value)[0].tier == "md5"
    with pytest.raises(NotFound):
        service.add_item("piracy", "itm_missing", actor=ACTOR)


def test_index_rebuilds_only_when_banks_change(service: HashBankService) -> None:
    service.create_bank("piracy", actor=ACTOR)
    first = service.index()
    assert service.index() is first and first.size == 0
    service.add_signals("piracy", [{"signal_type": "pdq", "signal": "0f" * 32}], actor=ACTOR)
    second = service.index()
    assert second is not first and second.size == 1


def test_bank_index_alone() -> None:
    from reelstack.core.records import BankEntry, HashBank

    banks = [HashBank(name="on"), HashBank(name="off", enabled=False)]
    entries = [
        BankEntry(id="e1", bank="on", signal_type="pdq", signal="11" * 32),
        BankEntry(id="e2", bank="off", signal_type="pdq", signal="11" * 32),
        BankEntry(id="e3", bank="on", signal_type="md5", signal="a" * 32),
    ]
    index = BankIndex(banks, entries, backend="numpy")
    assert [m.entry_id for m in index.match("pdq", "11" * 32)] == ["e1"]
    assert [m.entry_id for m in index.match("md5", "a" * 32)] == ["e3"]
    assert index.match_video({"md5": "a" * 32, "pdq": []})[0].entry_id == "e3"
    assert to_codes(["ff" * 32]).shape == (1, 32)
