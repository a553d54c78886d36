"""The contract every ``Store`` backend passes. Subclass and provide a ``store`` fixture:

class TestMyStore(StoreContract):
    @pytest.fixture
    def store(self):
        ...
"""

from __future__ import annotations

import threading

import pytest

from reelstack.core.errors import Conflict, NotFound
from reelstack.core.ids import new_id
from reelstack.core.records import (
    Ad,
    ApiKey,
    AuditRecord,
    BankEntry,
    Decision,
    Feature,
    HashBank,
    ReviewJob,
    User,
)
from reelstack.storage.interfaces import Store
from reelstack.testing.factories import (
    CAPTIONS_6_SCRIPTS,
    make_creator,
    make_event,
    make_item,
    make_media,
)


class StoreContract:
    """Behaviour shared by all backends (no backend-specific assertions here)."""

    def _creator(self, store: Store):
        return store.upsert_creator(make_creator())

    def test_item_round_trip_with_media_and_ad(self, store: Store) -> None:
        creator, media = self._creator(store), make_media()
        ad = Ad(advertiser="Acme", landing_page_text="Buy now", claims=["best"])
        item = make_item(creator, media, ad=ad, meta={"topic": "cats"}, hashtags=["a", "猫"])
        store.insert_item(item, media)
        assert store.get_item(item.id) == item
        assert store.get_media(media.id) == media
        assert store.find_item_by_hash(media.sha256) == item
        assert store.find_media_by_sha256(media.sha256) == media

    def test_missing_records_raise_not_found(self, store: Store) -> None:
        for getter in (store.get_item, store.get_media, store.get_creator, store.get_user):
            with pytest.raises(NotFound):
                getter("nope")
        assert store.find_item_by_hash("0" * 64) is None

    def test_duplicate_content_hash_or_external_id_conflicts(self, store: Store) -> None:
        creator = self._creator(store)
        first = make_item(creator, external_id="ext-1")
        store.insert_item(first)
        with pytest.raises(Conflict):
            store.insert_item(make_item(creator, content_hash=first.content_hash))
        with pytest.raises(Conflict):
            store.insert_item(make_item(creator, external_id="ext-1"))
        assert store.count_items() == 1

    def test_shared_media_is_stored_once(self, store: Store) -> None:
        creator, media = self._creator(store), make_media()
        store.insert_item(make_item(creator, media), media)
        other = make_item(creator, media, content_hash="f" * 64)
        store.insert_item(other, media)
        assert store.get_item(other.id).media_id == media.id

    def test_list_items_pages_in_creation_order(self, store: Store) -> None:
        creator = self._creator(store)
        ids = [store.insert_item(make_item(creator)).id for _ in range(7)]
        first = store.list_items(limit=4)
        rest = store.list_items(limit=4, after=first[-1].id)
        assert [i.id for i in first + rest] == ids
        assert store.count_items() == 7

    def test_unicode_captions_round_trip(self, store: Store) -> None:
        creator = self._creator(store)
        for caption in CAPTIONS_6_SCRIPTS:
            item = store.insert_item(make_item(creator, caption=caption))
            assert store.get_item(item.id).caption == caption

    def test_upsert_creator_is_idempotent_by_handle(self, store: Store) -> None:
        first = store.upsert_creator(make_creator("same"))
        again = store.upsert_creator(make_creator("same"))
        assert again.id == first.id
        assert store.find_creator_by_handle("same") == first
        assert [c.id for c in store.list_creators()] == [first.id]

    def test_users(self, store: Store) -> None:
        user = User(id=new_id("usr"), handle="ana", language="th", birth_year=2010)
        assert store.upsert_user(user) == user
        assert store.upsert_user(User(id=new_id("usr"), handle="ana")).id == user.id
        assert store.get_user(user.id) == user
        assert store.list_users() == [user]

    def test_events_are_idempotent_and_ordered(self, store: Store) -> None:
        events = [make_event("u1", f"i{n}", ts=float(n)) for n in range(5)]
        assert store.append_events(events) == 5
        assert store.append_events([events[0], make_event("u1", "i9")]) == 1
        read = store.read_events()
        assert [e.event_id for _, e in read][:5] == [e.event_id for e in events]
        seqs = [s for s, _ in read]
        assert seqs == sorted(seqs)
        assert [e.event_id for _, e in store.read_events(after_seq=seqs[2])] == [
            e.event_id for _, e in read[3:]
        ]
        assert store.count_events() == 6

    def test_features_replace_per_stage(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        store.put_feature(
            Feature(
                item_id=item.id,
                stage="text",
                model_name="m",
                model_version="1",
                value={"lang": "en"},
            )
        )
        store.put_feature(
            Feature(
                item_id=item.id,
                stage="text",
                model_name="m",
                model_version="2",
                value={"lang": "th"},
            )
        )
        features = store.get_features(item.id)
        assert list(features) == ["text"]
        assert features["text"].model_version == "2"
        assert features["text"].value == {"lang": "th"}

    def test_decisions_and_audit_keep_order(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        for action in ("allow", "remove", "allow"):
            store.add_decision(Decision(id=new_id("dec"), item_id=item.id, action=action))
            store.append_audit(
                AuditRecord(
                    id=new_id("aud"),
                    actor="test",
                    action=action,
                    subject_type="item",
                    subject_id=item.id,
                )
            )
        assert [d.action for d in store.list_decisions(item.id)] == ["allow", "remove", "allow"]
        assert [a.action for a in store.list_audit("item", item.id)] == ["allow", "remove", "allow"]

    def test_find_audit_filters_and_pages(self, store: Store) -> None:
        for n, (action, policy) in enumerate(
            [("decision.remove", "spam.scam"), ("decision.allow", None),
             ("policy.publish", None), ("decision.review", "spam"), ("decision.demote", "spammy")]
        ):  # fmt: skip
            store.append_audit(
                AuditRecord(
                    id=new_id("aud"),
                    actor="mod" if n else "admin",
                    action=action,
                    subject_type="item",
                    subject_id=f"i{n}",
                    details={"policy_id": policy},
                    ts=float(n),
                )
            )
        decisions = store.find_audit(action_prefix="decision.")
        assert [r.subject_id for _, r in decisions] == ["i0", "i1", "i3", "i4"]
        assert [r.subject_id for _, r in store.find_audit(policy_id="spam")] == ["i0", "i3"]
        assert [r.subject_id for _, r in store.find_audit(since=1, until=3)] == ["i1", "i2"]
        assert [r.subject_id for _, r in store.find_audit(actor="admin")] == ["i0"]
        first = store.find_audit(limit=2)
        rest = store.find_audit(after_seq=first[-1][0])
        assert [r.subject_id for _, r in first + rest] == [f"i{n}" for n in range(5)]

    def test_get_decision_by_id(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        decision = Decision(id=new_id("dec"), item_id=item.id, action="remove", source="manual",
                            reasons={"note": "x"}, created_at=2.0)  # fmt: skip
        store.add_decision(decision)
        assert store.get_decision(decision.id) == decision
        with pytest.raises(NotFound):
            store.get_decision("dec_nope")

    def test_creator_decisions_and_item_event_counts(self, store: Store) -> None:
        creator = self._creator(store)
        items = [store.insert_item(make_item(creator)) for _ in range(2)]
        for item, action in zip(items, ("remove", "allow"), strict=True):
            store.add_decision(Decision(id=new_id("dec"), item_id=item.id, action=action))
        assert [d.action for d in store.list_creator_decisions(creator.id)] == ["remove", "allow"]
        store.append_events(
            [make_event("u1", items[0].id), make_event("u2", items[0].id),
             make_event("u1", items[0].id, "like")]
        )  # fmt: skip
        assert store.item_event_counts(items[0].id) == {"view": 2, "like": 1}
        assert store.item_event_counts(items[1].id) == {}

    def test_review_job_lease_goes_to_one_owner_and_expires(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        low = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q", priority=1.0)
        high = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q", priority=5.0)
        store.add_review_job(low)
        store.add_review_job(high)
        first = store.lease_next_job("q", "alice", lease_seconds=60, now=0.0)
        second = store.lease_next_job("q", "bob", lease_seconds=60, now=1.0)
        assert (first.id, first.lease_owner) == (high.id, "alice")
        assert (second.id, second.lease_owner) == (low.id, "bob")
        assert store.lease_next_job("q", "carol", lease_seconds=60, now=2.0) is None
        expired = store.lease_next_job("q", "carol", lease_seconds=60, now=100.0)
        assert expired is not None and expired.lease_owner == "carol"

    def test_review_job_fields_round_trip(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        job = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="spam", priority=2.5,
                        created_at=10.0, source="report", policy_id="spam.scam", language="th",
                        severity=3, due_at=100.0, sampler="random", excluded=["ana"],
                        details={"reports": 2, "reason": "แมว"})  # fmt: skip
        store.add_review_job(job)
        assert store.get_review_job(job.id) == job
        with pytest.raises(NotFound):
            store.get_review_job("nope")

    def test_open_review_job_folds_into_the_undecided_job_of_the_item(self, store: Store) -> None:
        creator = self._creator(store)
        item, other = (store.insert_item(make_item(creator)) for _ in range(2))
        first = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="spam", priority=1.0,
                          severity=2, due_at=50.0, details={"a": 1, "b": 1})  # fmt: skip
        assert store.open_review_job(first) == (first, True)
        again = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="spam", priority=3.0,
                          severity=1, due_at=20.0, details={"b": 2})  # fmt: skip
        held, new = store.open_review_job(again)
        assert not new and held.id == first.id
        assert (held.priority, held.severity, held.due_at) == (3.0, 2, 20.0)
        assert held.details == {"a": 1, "b": 2} and store.get_review_job(first.id) == held
        elsewhere = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="hate")
        assert store.open_review_job(elsewhere)[1]
        assert store.open_review_job(ReviewJob(id=new_id("rvj"), item_id=other.id, queue="spam"))[1]
        store.lease_next_job("spam", "ana", 60, now=0.0)
        store.decide_review_job(first.id, "ana", {"action": "allow"}, now=1.0)
        assert store.open_review_job(again)[1]  # a decided job takes nothing more

    def test_lease_skips_excluded_owners_and_filters_language(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        mine = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q", priority=9.0,
                         excluded=["ana"], language="en")  # fmt: skip
        thai = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q", priority=1.0,
                         language="th")  # fmt: skip
        store.add_review_job(mine)
        store.add_review_job(thai)
        assert store.lease_next_job("q", "ana", 60, now=0.0, language="en") is None
        assert store.lease_next_job("q", "ana", 60, now=0.0).id == thai.id
        assert store.lease_next_job("q", "bob", 60, now=0.0, language="en").id == mine.id

    def test_decide_and_release_need_the_unexpired_lease(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        job = ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q")
        store.add_review_job(job)
        with pytest.raises(Conflict):  # never leased
            store.decide_review_job(job.id, "ana", {"action": "allow"}, now=1.0)
        store.lease_next_job("q", "ana", 60, now=0.0)
        with pytest.raises(Conflict):  # someone else's lease
            store.decide_review_job(job.id, "bob", {"action": "allow"}, now=1.0)
        with pytest.raises(Conflict):  # expired
            store.decide_review_job(job.id, "ana", {"action": "allow"}, now=61.0)
        skipped = store.release_review_job(job.id, "ana", now=2.0)
        assert (skipped.state, skipped.skips, skipped.excluded) == ("open", 1, ["ana"])
        assert store.lease_next_job("q", "ana", 60, now=3.0) is None
        store.lease_next_job("q", "bob", 60, now=3.0)
        decided = store.decide_review_job(job.id, "bob", {"action": "remove"}, now=4.0)
        assert store.get_review_job(job.id) == decided
        assert (decided.state, decided.decision, decided.decided_at) == (
            "decided", {"action": "remove"}, 4.0)  # fmt: skip
        with pytest.raises(Conflict):
            store.decide_review_job(job.id, "bob", {"action": "allow"}, now=5.0)
        with pytest.raises(NotFound):
            store.release_review_job("nope", "bob", now=5.0)

    def test_list_review_jobs_and_queue_stats(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        rows = [("spam", "en", 1.0, "report"), ("spam", "en", 2.0, "x"), ("spam", "th", 3.0, "x"),
                ("hate", None, 4.0, "x")]  # fmt: skip
        jobs = [ReviewJob(id=new_id("rvj"), item_id=item.id, queue=q, language=lang,
                          created_at=t, due_at=t + 10, source=src)
                for q, lang, t, src in rows]  # fmt: skip
        for job in jobs:
            store.add_review_job(job)
        assert [j.id for j in store.list_review_jobs()] == [j.id for j in jobs]
        assert [j.id for j in store.list_review_jobs(queue="spam", source="x")] == [
            jobs[1].id, jobs[2].id]  # fmt: skip
        assert [j.id for j in store.list_review_jobs(after=jobs[2].id)] == [jobs[3].id]
        store.lease_next_job("spam", "ana", 60, now=5.0, language="en")
        stats = store.review_queue_stats(now=12.5)
        assert [(s["queue"], s["language"]) for s in stats] == [
            ("hate", None), ("spam", "en"), ("spam", "th")]  # fmt: skip
        en = stats[1]
        assert (en["waiting"], en["leased"], en["oldest_created_at"], en["sla_breaches"]) == (
            1, 1, 1.0, 2)  # fmt: skip
        assert store.list_review_jobs(state="leased")[0].lease_owner == "ana"

    def test_racing_reviewers_each_lease_a_different_job(self, store: Store) -> None:
        item = store.insert_item(make_item(self._creator(store)))
        for n in range(3):
            store.add_review_job(ReviewJob(id=new_id("rvj"), item_id=item.id, queue="q",
                                           priority=float(n)))  # fmt: skip
        got: list[str | None] = []
        barrier = threading.Barrier(6)

        def lease(owner: str) -> None:
            barrier.wait()
            job = store.lease_next_job("q", owner, 60, now=0.0)
            got.append(job.id if job else None)

        threads = [threading.Thread(target=lease, args=(f"r{n}",)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        leased = [g for g in got if g is not None]
        assert len(leased) == 3 and len(set(leased)) == 3 and got.count(None) == 3

    def test_api_keys(self, store: Store) -> None:
        key = ApiKey(id=new_id("key"), name="ci", role="reviewer", key_hash="h" * 64)
        store.add_api_key(key)
        assert store.find_api_key("h" * 64) == key
        store.revoke_api_key(key.id, now=5.0)
        assert store.find_api_key("h" * 64) is None
        assert store.list_api_keys()[0].revoked_at == 5.0
        with pytest.raises(NotFound):
            store.revoke_api_key("missing", now=5.0)

    def test_meta(self, store: Store) -> None:
        assert store.get_meta("k") is None
        store.set_meta("k", {"a": [1, 2]})
        assert store.get_meta("k") == {"a": [1, 2]}

    def test_concurrent_writers_lose_nothing(self, store: Store) -> None:
        creator = self._creator(store)
        errors: list[Exception] = []

        def write(n: int) -> None:
            try:
                for _ in range(n):
                    store.insert_item(make_item(creator))
            except Exception as exc:  # surfaced by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(25,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.count_items() == 100

    def test_check_passes_on_a_healthy_store(self, store: Store) -> None:
        store.check()

    # -- hash banks --------------------------------------------------------------------------

    def _entry(self, bank: str, signal: str, **overrides: object) -> BankEntry:
        values: dict = {"id": new_id("bke"), "bank": bank, "signal_type": "pdq", "signal": signal}
        values.update(overrides)
        return BankEntry(**values)

    def test_hash_banks_round_trip_and_conflict(self, store: Store) -> None:
        bank = HashBank(name="piracy", description="Banned clips", created_at=3.0)
        store.add_hash_bank(bank)
        store.add_hash_bank(HashBank(name="another", policy_id="violence"))
        assert store.get_hash_bank("piracy") == bank
        assert [b.name for b in store.list_hash_banks()] == ["another", "piracy"]
        with pytest.raises(Conflict):
            store.add_hash_bank(HashBank(name="piracy"))
        disabled = store.set_hash_bank_enabled("piracy", False)
        assert disabled.enabled is False and store.get_hash_bank("piracy").enabled is False
        for missing in (lambda: store.get_hash_bank("nope"),
                        lambda: store.set_hash_bank_enabled("nope", True),
                        lambda: store.delete_hash_bank("nope")):  # fmt: skip
            with pytest.raises(NotFound):
                missing()

    def test_bank_entries_round_trip_page_and_deduplicate(self, store: Store) -> None:
        store.add_hash_bank(HashBank(name="b1"))
        store.add_hash_bank(HashBank(name="b2"))
        frames = [{"ts": 0.5, "hash": "ab" * 32, "quality": 90, "variants": ["cd" * 32]}]
        video = self._entry(
            "b1", "0" * 32, signal_type="video_pdq", frames=frames, note="clip",
            source_item_id="itm_1", meta={"kind": "video"},
        )  # fmt: skip
        store.add_bank_entry(video)
        hashes = [store.add_bank_entry(self._entry("b1", f"{n:064x}")) for n in range(4)]
        other = store.add_bank_entry(self._entry("b2", "1" * 64))
        assert store.get_bank_entry(video.id) == video
        assert store.find_bank_entry("b1", "video_pdq", "0" * 32) == video
        assert store.find_bank_entry("b2", "video_pdq", "0" * 32) is None
        with pytest.raises(Conflict):
            store.add_bank_entry(self._entry("b1", f"{0:064x}"))
        with pytest.raises(NotFound):
            store.add_bank_entry(self._entry("missing", "2" * 64))
        first = store.list_bank_entries("b1", limit=3)
        rest = store.list_bank_entries("b1", after=first[-1].id)
        assert [e.id for e in first + rest] == [video.id] + [e.id for e in hashes]
        assert [e.id for e in store.list_bank_entries()][-1] == other.id
        assert store.count_bank_entries("b1") == 5
        store.delete_bank_entry(hashes[0].id)
        with pytest.raises(NotFound):
            store.get_bank_entry(hashes[0].id)
        with pytest.raises(NotFound):
            store.delete_bank_entry(hashes[0].id)
        assert store.delete_hash_bank("b1") == 4
        assert store.list_bank_entries() == [other]
        assert store.find_bank_entry("b1", "pdq", f"{1:064x}") is None

    def test_every_bank_change_bumps_the_revision(self, store: Store) -> None:
        seen = [store.hash_banks_revision()]
        entry = self._entry("r", "3" * 64)
        for change in (lambda: store.add_hash_bank(HashBank(name="r")),
                       lambda: store.add_bank_entry(entry),
                       lambda: store.set_hash_bank_enabled("r", False),
                       lambda: store.delete_bank_entry(entry.id),
                       lambda: store.delete_hash_bank("r")):  # fmt: skip
            change()
            seen.append(store.hash_banks_revision())
        assert seen == sorted(set(seen))
        with pytest.raises(NotFound):  # a failed change leaves the revision alone
            store.delete_hash_bank("r")
        assert store.hash_banks_revision() == seen[-1]
