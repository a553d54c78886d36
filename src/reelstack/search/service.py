"""``SearchService``: query understanding → retrieval → fusion → (second phase) → visibility.

One instance per platform, over ``<data_dir>/search/``: the lexical index (tantivy), the side
table (`DocTable`) and the vector indexes kept in step with it. Every search is logged as a
``search`` event (its ``search_id`` is the event id) and clicks as ``click`` events, the log
suggestions and learning to rank read.

The second phase (`ltr.phase.SecondPhase`): a `Ranker` — the promoted LambdaMART model, or
one passed in — reorders the best fused candidates by their learning-to-rank features; every
page shown is logged with its features, which ``train`` joins with the clicks.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelstack.config import SearchSettings
from reelstack.core import clock
from reelstack.core.errors import InvalidInput, NotFound, ReelStackError
from reelstack.core.ids import new_id
from reelstack.core.records import Event
from reelstack.safety.visibility import Viewer, visibility
from reelstack.search import retrieval
from reelstack.search.analysis.document import SearchDoc, analyse_document
from reelstack.search.analysis.query import Gazetteer, QueryAnalysis, QueryAnalyzer
from reelstack.search.analysis.spell import Speller
from reelstack.search.filters import Filters, parse_filters
from reelstack.search.fusion import FusionConfig, fuse
from reelstack.search.highlight import highlights
from reelstack.search.index.docs import DocRow, DocTable
from reelstack.search.index.lexical import LexicalIndex
from reelstack.search.index.vectors import VectorSet
from reelstack.search.indexer import Indexer
from reelstack.search.ltr.features import Signals
from reelstack.search.ltr.phase import SecondPhase
from reelstack.search.query_vectors import QueryVectors
from reelstack.search.results import Candidate, Ranker, candidates_from_runs, facets
from reelstack.search.suggest import Suggester
from reelstack.storage.interfaces import Store
from reelstack.understand.segment import Segmenter, default_segmenter

if TYPE_CHECKING:
    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

RETRIEVERS = ("bm25", "exact", "dense", "crossmodal")
MAX_QUERY_PARAM = 16_384
ANONYMOUS = "anonymous"
SPELL_FIELDS = ("caption", "ocr", "transcript", "hashtags", "creator", "concepts")


class SearchService:
    def __init__(
        self,
        store: Store,
        models: ModelRegistry,
        directory: Path | str,
        settings: SearchSettings | None = None,
        *,
        understand: UnderstandSettings | None = None,
        segmenter: Segmenter | None = None,
        ranker: Ranker | None = None,
        signals: Signals | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.directory = Path(directory)
        self.settings = settings or SearchSettings()
        self.understand_settings = understand
        self.query_vectors = QueryVectors(models, understand, self.settings.query_cache)
        self.segmenter = segmenter or default_segmenter()
        self.table = DocTable(self.directory / "docs.sqlite")
        self.lexical = LexicalIndex(self.directory / "lexical")
        self.vectors = VectorSet(
            self.table, self.directory / "vectors", self.settings.vector_backend
        )
        self.second_phase = SecondPhase(
            self.directory / "ltr", self.settings.ltr, self._field_scores, signals, ranker
        )
        self.indexer = Indexer(store, self)
        self.suggester = Suggester(store, self.settings.suggest_window_days)
        self._lock = threading.Lock()
        self._lexical_version: tuple[int, int] | None = None
        self.speller = Speller()
        self.gazetteer = Gazetteer()
        self.analyzer = QueryAnalyzer(self.segmenter, self.speller, self.gazetteer, self._langid)
        if self.lexical.num_docs() == 0 and self.table.count() > 0:
            self.table.clear()  # the lexical index was wiped (new schema): rebuild both
        # Documents indexed before this process started teach the dictionaries at first use.
        self._dictionaries_loaded = self.table.count() == 0

    # -- models ------------------------------------------------------------------------------

    def _langid(self) -> Any:
        try:
            return self.models.load("langid")
        except ReelStackError:
            return None

    @property
    def crossmodal_space(self) -> str:
        return self.query_vectors.crossmodal_space

    # -- writes (the indexer calls these) ----------------------------------------------------

    def add_documents(self, docs: Sequence[SearchDoc]) -> None:
        analysed = [(doc, analyse_document(doc, self.segmenter)) for doc in docs]
        self.lexical.write(
            [(doc.item_id, self._index_values(doc, fields)) for doc, fields in analysed]
        )
        self.table.upsert(
            [DocRow(doc.item_id, doc.meta(), doc.dense, doc.crossmodal) for doc in docs]
        )
        self._learn(analysed)

    def remove_documents(self, item_ids: Sequence[str]) -> int:
        if not item_ids:
            return 0
        self.lexical.write([], deletes=item_ids)
        return len(self.table.delete(item_ids))

    def clear(self) -> None:
        self.lexical.clear()
        self.table.clear()

    @staticmethod
    def _index_values(doc: SearchDoc, fields: dict[str, list[str]]) -> dict[str, Any]:
        values: dict[str, Any] = dict(fields)
        values["language"] = doc.language or "und"
        values["handle"] = (doc.creator_handle or "").lstrip("@").casefold()
        values["tag"] = [t.lstrip("#").casefold() for t in doc.hashtags]
        values["kind"] = doc.kind or ""
        values["duration"] = doc.duration_s
        values["created"] = doc.created_at
        return values

    def _learn(self, analysed: Sequence[tuple[SearchDoc, dict[str, list[str]]]]) -> None:
        """Spelling dictionary, gazetteer and suggestions learn from indexed documents."""
        for doc, fields in analysed:
            self.speller.add_words(t for name in SPELL_FIELDS for t in fields[name])
            names = [(t, "hashtag") for t in doc.hashtags]
            if doc.creator_handle:
                names.append((doc.creator_handle, "creator"))
            if doc.creator_name:
                names.append((doc.creator_name, "creator"))
            names += [(c, "concept") for c in doc.concepts]
            names += [(e["text"], e["label"]) for e in doc.entities]
            self.gazetteer.add(names)
            if doc.language and doc.language != "und":
                self.analyzer.corpus_languages[doc.language] += 1
            self.suggester.add_content(doc.meta(), fields["caption"])

    def _load_dictionaries(self) -> None:
        """Once per process: learn from the documents indexed before it started (documents
        it indexes itself are learned as they come; other processes' at the next start)."""
        if self._dictionaries_loaded:
            return
        with self._lock:
            if self._dictionaries_loaded:
                return
            batch: list[tuple[SearchDoc, dict[str, list[str]]]] = []
            for item_id, meta in self.table.iter_meta():
                doc = SearchDoc.from_meta(item_id, meta)
                batch.append((doc, analyse_document(doc, self.segmenter)))
                if len(batch) >= 256:
                    self._learn(batch)
                    batch = []
            self._learn(batch)
            self.speller.add_words(w for q in self.suggester.found_queries() for w in q.split())
            self._dictionaries_loaded = True

    def _refresh(self) -> None:
        version = self.table.version()
        if version != self._lexical_version:
            self.lexical.reload()
            self._lexical_version = version
        self._load_dictionaries()

    # -- search ------------------------------------------------------------------------------

    def viewer(self, user_id: str | None) -> tuple[Viewer, str | None]:
        """The viewer and their language; an unknown user id counts as anonymous."""
        if not user_id:
            return Viewer(), None
        try:
            user = self.store.get_user(user_id)
        except NotFound:
            return Viewer(user_id=user_id), None
        return Viewer.of(user, datetime.fromtimestamp(clock.now(), UTC).year), user.language

    def search(
        self,
        q: str,
        *,
        user: str | None = None,
        k: int = 10,
        filters: str | dict[str, Any] | Filters | None = None,
        explain: bool = False,
        log: bool = True,
    ) -> dict[str, Any]:
        """``{"search_id", "results", "query_analysis", "facets", "total"}`` (see the API)."""
        if not isinstance(q, str) or not q.strip():
            raise InvalidInput("q must be a non-empty query")
        if len(q) > MAX_QUERY_PARAM:
            raise InvalidInput(f"q is longer than {MAX_QUERY_PARAM:,} characters")
        if not 1 <= k <= self.settings.max_k:
            raise InvalidInput(f"k must be between 1 and {self.settings.max_k}")
        now = clock.now()
        parsed = filters if isinstance(filters, Filters) else parse_filters(filters, now)
        self._refresh()
        viewer, language = self.viewer(user)
        analysis = self.analyzer.analyse(q, hint=language, correct=self.settings.spelling)
        candidates, notes, recovery = self._retrieve(analysis, parsed)
        if not candidates and analysis.has_words:
            candidates, recovery = self._recover(analysis, parsed)
        candidates, ranker = self.second_phase.rerank(analysis, candidates, user, now)
        visible = self._visible(candidates, viewer, parsed)
        shown = visible[:k]
        results = [self._result(c, rank, analysis) for rank, c in enumerate(shown, 1)]
        if explain:
            self.second_phase.fill(analysis, shown, user, now)
            self._explain(analysis, shown, results, ranker)
        qa = analysis.to_dict()
        qa["notes"] = notes
        qa["recovery"] = recovery
        if not results and analysis.has_words:
            qa["did_you_mean"] = self.suggester.did_you_mean(analysis.normalized)
        search_id = new_id("evt")
        if log:
            self._log(search_id, user, analysis, parsed, results, now)
            self.second_phase.record(search_id, analysis, shown, user, now)
        return {
            "search_id": search_id,
            "results": results,
            "total": len(visible),
            "query_analysis": qa,
            "facets": facets(visible, now),
            "filters": parsed.to_dict(),
        }

    def _retrieve(
        self, analysis: QueryAnalysis, filters: Filters
    ) -> tuple[list[Candidate], list[str], dict[str, Any] | None]:
        if not analysis.has_words:
            return [], ["the query has no words (only punctuation, symbols or emoji)"], None
        runs, notes = self.runs(analysis, filters)
        return self._fuse(runs, filters), notes, None

    def runs(
        self, analysis: QueryAnalysis, filters: Filters | None = None
    ) -> tuple[dict[str, list[tuple[str, float]]], list[str]]:
        """Every first-phase retriever's run for an analysed query, before fusion and
        visibility (for tuning fusion and, later, learning to rank); notes say what failed."""
        s, filters = self.settings, filters or Filters()
        self._refresh()
        runs = {
            "bm25": retrieval.bm25(self.lexical, analysis, s.field_weights, filters, s.candidates),
            "exact": retrieval.exact(self.lexical, analysis, filters, s.candidates),
        }
        notes: list[str] = []
        self.vectors.refresh()
        kinds = {kind for kind in ("dense", "crossmodal") if self.vectors.count(kind)}
        if kinds and analysis.has_words:
            vectors, notes = self.query_vectors(analysis.text, kinds)
            floors = {"dense": s.dense_min_similarity, "crossmodal": s.crossmodal_min_similarity}
            for kind, vector in vectors.items():
                runs[kind] = retrieval.nearest(
                    self.vectors, self.table, kind, vector, s.candidates, floors[kind],
                    s.relative_floor, s.vector_margin,
                )  # fmt: skip
        return runs, notes

    def _fuse(self, runs: dict[str, list[tuple[str, float]]], filters: Filters) -> list[Candidate]:
        s = self.settings
        config = FusionConfig(s.fusion_method, s.fusion_weights, s.rrf_k)
        fused = fuse({name: run for name, run in runs.items() if run}, config)
        rows = self.table.get_many([item_id for item_id, _ in fused])
        candidates = []
        for candidate in candidates_from_runs(runs, fused):
            row = rows.get(candidate.item_id)
            if row is not None and filters.matches(row.meta):
                candidate.meta = row.meta
                candidates.append(candidate)
        return candidates

    def _recover(
        self, analysis: QueryAnalysis, filters: Filters
    ) -> tuple[list[Candidate], dict[str, Any] | None]:
        """No results: match words within 1–2 edits (a relaxed query)."""
        s = self.settings
        run = retrieval.bm25(self.lexical, analysis, s.field_weights, filters, s.candidates,
                             fuzzy=True)  # fmt: skip
        if not run:
            return [], None
        return self._fuse({"bm25": run}, filters), {"type": "relaxed", "fuzzy": True}

    def _visible(
        self, candidates: list[Candidate], viewer: Viewer, filters: Filters
    ) -> list[Candidate]:
        """Only what ``viewer`` may see, demoted items down-weighted, re-sorted."""
        kept = []
        for candidate in candidates:
            seen = visibility(self.store, candidate.item_id, viewer)
            if not seen.visible:
                continue
            candidate.weight, candidate.label = seen.weight, seen.label
            candidate.score *= seen.weight
            kept.append(candidate)
        kept.sort(key=lambda c: -c.score)
        return kept

    def _result(self, candidate: Candidate, rank: int, analysis: QueryAnalysis) -> dict[str, Any]:
        meta = candidate.meta
        words = [*analysis.terms, *analysis.corrections]
        return {
            "item_id": candidate.item_id,
            "rank": rank,
            "score": round(candidate.score, 6),
            "caption": (meta.get("texts") or {}).get("caption", ""),
            "creator": meta.get("creator"),
            "hashtags": meta.get("hashtags") or [],
            "language": meta.get("language"),
            "kind": meta.get("kind"),
            "duration_s": meta.get("duration_s"),
            "created_at": meta.get("created_at"),
            "label": candidate.label,
            "matched_by": sorted(candidate.scores),
            "highlights": highlights(meta.get("texts") or {}, words),
        }

    def _field_scores(
        self, analysis: QueryAnalysis, item_ids: Sequence[str]
    ) -> dict[str, dict[str, float]]:
        return retrieval.field_scores(self.lexical, analysis, self.settings.field_weights, item_ids)

    def _explain(
        self,
        analysis: QueryAnalysis,
        shown: list[Candidate],
        results: list[dict[str, Any]],
        ranker: Ranker | None,
    ) -> None:
        s = self.settings
        fields = self._field_scores(analysis, [c.item_id for c in shown])
        config = FusionConfig(s.fusion_method, s.fusion_weights, s.rrf_k)
        for candidate, result in zip(shown, results, strict=True):
            result["explain"] = {
                "retrievers": {
                    name: {"score": candidate.scores[name], "rank": candidate.ranks[name]}
                    for name in candidate.scores
                },
                "bm25_fields": fields.get(candidate.item_id, {}),
                "fusion": config.to_dict(),
                "fused_score": round(candidate.fused, 6),
                "visibility_weight": candidate.weight,
                "second_phase": self.second_phase.explain(candidate, ranker),
                "features": self.second_phase.features(candidate),
            }

    # -- logging -----------------------------------------------------------------------------

    def _log(
        self,
        search_id: str,
        user: str | None,
        analysis: QueryAnalysis,
        filters: Filters,
        results: list[dict[str, Any]],
        now: float,
    ) -> None:
        context = {
            "search_id": search_id,
            "query": analysis.normalized,
            "language": analysis.language,
            "corrected": analysis.corrected,
            "filters": filters.to_dict(),
            "results": [r["item_id"] for r in results],
            "count": len(results),
        }
        event = Event(event_id=search_id, type="search", user_id=user or ANONYMOUS, item_id=None,
                      ts=now, context=context, received_at=now)  # fmt: skip
        self.store.append_events([event])
        if results:  # words of queries that found something are spelled right
            self.speller.add_words(analysis.terms)

    def click(
        self, search_id: str, item_id: str, *, user: str | None = None, position: int | None = None
    ) -> str:
        """Log a click on a search result; returns the click event id."""
        if not search_id or not item_id:
            raise InvalidInput("a click needs search_id and item_id")
        self.store.get_item(item_id)  # NotFound for an unknown item
        now = clock.now()
        event = Event(event_id=new_id("evt"), type="click", user_id=user or ANONYMOUS,
                      item_id=item_id, ts=now, received_at=now,
                      context={"search_id": search_id, "position": position})  # fmt: skip
        self.store.append_events([event])
        return event.event_id

    # -- suggestions -------------------------------------------------------------------------

    def suggest(self, q: str = "", limit: int = 10) -> dict[str, Any]:
        """Completions, related searches, trending queries and, for a query that finds
        nothing, a recovery (spelling-corrected or a close popular query)."""
        if len(q) > MAX_QUERY_PARAM:
            raise InvalidInput(f"q is longer than {MAX_QUERY_PARAM:,} characters")
        self._refresh()
        out: dict[str, Any] = {
            "query": q,
            "completions": self.suggester.complete(q, limit) if q.strip() else [],
            "related": self.suggester.related(q, limit) if q.strip() else [],
            "trending": self.suggester.trending(limit),
            "recovery": None,
        }
        if q.strip() and not out["completions"]:
            analysis = self.analyzer.analyse(q)
            if analysis.corrected:
                out["recovery"] = {"type": "spelling", "query": analysis.corrected}
            elif close := self.suggester.did_you_mean(q):
                out["recovery"] = {"type": "popular", "query": close}
        return out

    def train(self) -> dict[str, Any]:
        """Train the LambdaMART ranker from the click log; promoted only if it beats the
        ranker in use on held-out sessions (`reelstack.search.ltr.training`)."""
        return self.second_phase.train(self.store)

    def stats(self) -> dict[str, Any]:
        self._refresh()
        self.vectors.refresh()
        return {
            "documents": self.table.count(),
            "lexical_documents": self.lexical.num_docs(),
            "dense_vectors": self.vectors.count("dense"),
            "crossmodal_vectors": self.vectors.count("crossmodal"),
            "vector_backend": self.settings.vector_backend,
            "second_phase": self.second_phase.info(),
            "directory": str(self.directory),
        }


def open_search(
    store: Store,
    models: ModelRegistry,
    data_dir: Path | str,
    *,
    understand: UnderstandSettings | None = None,
    settings: SearchSettings | None = None,
    signals: Signals | None = None,
    catch_up: bool = True,
) -> SearchService:
    """The service over ``<data_dir>/search``, caught up with items indexed by nobody."""
    service = SearchService(
        store, models, Path(data_dir) / "search", settings, understand=understand, signals=signals
    )
    if catch_up:
        service.indexer.catch_up()
    return service
