"""The lexical index: tantivy (BM25), fed with tokens analysed in Python.

Every text field uses tantivy's ``whitespace`` tokenizer, so the index holds exactly the
tokens `analyse_document` made; ``folded`` also goes through an English Snowball stemmer
(``rs_fold``), applied to query terms by the same analyser (`stem`). Queries are always built
as query objects (term, boolean, boost, range), never parsed from what a user typed, so no
input can raise a query-syntax error.

Writes open a writer per batch (~15 ms) and release it, so several processes can index into
one directory in turn; a busy lock is retried for a few seconds.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reelstack.core.errors import ModelUnavailable, StorageError
from reelstack.search.analysis.document import ALL_FIELDS

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
STEM_TOKENIZER = "rs_fold"
RAW_FIELDS = ("language", "handle", "tag", "kind")
NUMERIC_FIELDS = ("duration", "created")
WRITER_HEAP = 32_000_000
LOCK_WAIT_S = 10.0


def import_tantivy() -> Any:
    try:
        import tantivy
    except ImportError:
        raise ModelUnavailable(
            "search needs the Python package 'tantivy' (pip install \"reelstack[search]\")",
            model="tantivy",
            packages=["tantivy"],
        ) from None
    return tantivy


class LexicalIndex:
    """BM25 over the analysed fields, with raw and numeric fields for filters."""

    def __init__(self, path: Path | str) -> None:
        self.tantivy = tv = import_tantivy()
        self.path = Path(path)
        self._prepare_directory()
        builder = tv.SchemaBuilder()
        builder.add_text_field("id", tokenizer_name="raw", stored=True)
        for name in ALL_FIELDS:
            tokenizer = STEM_TOKENIZER if name == "folded" else "whitespace"
            builder.add_text_field(name, tokenizer_name=tokenizer, stored=False)
        for name in RAW_FIELDS:
            builder.add_text_field(name, tokenizer_name="raw", stored=False, fast=True)
        for name in NUMERIC_FIELDS:
            builder.add_float_field(name, stored=False, indexed=True, fast=True)
        self.schema = builder.build()
        self.index = tv.Index(self.schema, path=str(self.path), reuse=True)
        self.analyzer = (
            tv.TextAnalyzerBuilder(tv.Tokenizer.whitespace())
            .filter(tv.Filter.remove_long(100))
            .filter(tv.Filter.lowercase())
            .filter(tv.Filter.stemmer("english"))
            .build()
        )
        self.index.register_tokenizer(STEM_TOKENIZER, self.analyzer)
        self._write_lock = threading.Lock()
        self._searcher: Any = None

    def _prepare_directory(self) -> None:
        """Create the directory; wipe it when it holds another schema version (then rebuild)."""
        marker = self.path / "reelstack-schema.json"
        if self.path.exists() and any(self.path.iterdir()):
            try:
                version = json.loads(marker.read_text())["version"]
            except (OSError, ValueError, KeyError):
                version = None
            if version == SCHEMA_VERSION:
                return
            log.warning("search: lexical index at %s has another schema; rebuilding", self.path)
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"version": SCHEMA_VERSION}))

    def stem(self, token: str) -> str:
        """``token`` as the ``folded`` field stores it."""
        out = self.analyzer.analyze(token)
        return out[0] if out else ""

    # -- writes ------------------------------------------------------------------------------

    def write(
        self, docs: Sequence[tuple[str, dict[str, Any]]], deletes: Iterable[str] = ()
    ) -> None:
        """Replace the documents of ``docs`` (``(item_id, values)``) and delete ``deletes``.

        ``values`` maps field names to a token list (text fields), a string or list of strings
        (raw fields) or a number (numeric fields); one commit for the whole batch.
        """
        with self._write_lock:
            writer = self._writer()
            try:
                for item_id in [*deletes, *(item_id for item_id, _ in docs)]:
                    writer.delete_documents_by_term("id", item_id)
                for item_id, values in docs:
                    writer.add_document(self._document(item_id, values))
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
        self.reload()  # this process sees its own writes at once

    def clear(self) -> None:
        with self._write_lock:
            writer = self._writer()
            try:
                writer.delete_all_documents()
                writer.commit()
            finally:
                writer.wait_merging_threads()
        self.reload()

    def _writer(self) -> Any:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                return self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:  # LockBusy: another process is committing
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StorageError(f"search index {self.path} is locked: {exc}") from exc
                time.sleep(0.02)

    def _document(self, item_id: str, values: dict[str, Any]) -> Any:
        doc = self.tantivy.Document()
        doc.add_text("id", item_id)
        for name, value in values.items():
            if value is None or value == [] or value == "":
                continue
            if name in NUMERIC_FIELDS:
                doc.add_float(name, float(value))
            elif name in RAW_FIELDS:
                for raw in [value] if isinstance(value, str) else value:
                    doc.add_text(name, raw)
            elif name in ALL_FIELDS:
                doc.add_text(name, " ".join(value))
        return doc

    # -- reads -------------------------------------------------------------------------------

    def reload(self) -> None:
        self.index.reload()
        self._searcher = None

    @property
    def searcher(self) -> Any:
        if self._searcher is None:
            self._searcher = self.index.searcher()
        return self._searcher

    def num_docs(self) -> int:
        return int(self.searcher.num_docs)

    def search(self, query: Any, limit: int) -> list[tuple[str, float]]:
        """``(item_id, score)`` best first."""
        if limit <= 0:
            return []
        searcher = self.searcher
        hits = searcher.search(query, limit, count=False).hits
        return [(searcher.doc(address)["id"][0], float(score)) for score, address in hits]

    # -- query builders ----------------------------------------------------------------------

    def term(self, field: str, value: str, boost: float = 1.0) -> Any:
        query = self.tantivy.Query.term_query(self.schema, field, value)
        return query if boost == 1.0 else self.tantivy.Query.boost_query(query, boost)

    def fuzzy(self, field: str, value: str, distance: int, boost: float = 1.0) -> Any:
        query = self.tantivy.Query.fuzzy_term_query(self.schema, field, value, distance, True)
        return query if boost == 1.0 else self.tantivy.Query.boost_query(query, boost)

    def prefix(self, field: str, value: str, boost: float = 1.0) -> Any:
        """Terms starting with ``value`` (escaped: a user's text is never a pattern)."""
        pattern = re.escape(value) + ".*"
        query = self.tantivy.Query.regex_query(self.schema, field, pattern)
        return query if boost == 1.0 else self.tantivy.Query.boost_query(query, boost)

    def any_of(self, queries: Sequence[Any]) -> Any:
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        if not queries:
            return Query.empty_query()
        return Query.boolean_query([(Occur.Should, q) for q in queries])

    def all_of(self, queries: Sequence[Any]) -> Any:
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        return Query.boolean_query([(Occur.Must, q) for q in queries])

    def filtered(self, query: Any, filters: Sequence[Any]) -> Any:
        """``query`` scored as it is, restricted to documents matching every filter."""
        if not filters:
            return query
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        clauses = [(Occur.Must, query)]
        clauses += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        return Query.boolean_query(clauses)

    def one_of(self, field: str, values: Sequence[str]) -> Any:
        return self.tantivy.Query.term_set_query(self.schema, field, list(values))

    def between(self, field: str, low: float | None, high: float | None) -> Any:
        tv = self.tantivy
        return tv.Query.range_query(
            self.schema, field, tv.FieldType.Float, low, high, include_upper=high is None
        )  # [low, high), as filters do

    def only_ids(self, item_ids: Sequence[str]) -> Any:
        return self.one_of("id", item_ids)
