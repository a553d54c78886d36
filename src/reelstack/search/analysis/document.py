"""A post as search sees it (`SearchDoc`), and its analysis into index fields.

Fields (each a whitespace-joined token string; tantivy only splits on spaces, so all
language-specific work happens here, with `reelstack.understand.segment`, the same function
queries go through):

- ``caption``, ``ocr``, ``transcript``: words of each text in its own language (jieba for
  Chinese, plus the sub-words of jieba's ``cut_for_search``; pythainlp for Thai, pyvi for
  Vietnamese, a Unicode regex otherwise), lower-cased, hashtags and mentions kept whole
  (``#萌宠日常``);
- ``hashtags``: each tag with its sign and, so that a query word finds it, its words;
- ``creator``: ``@handle``, the handle and the words of the display name;
- ``concepts``: words of the visual concept tags the ``visual`` stage is confident about;
- ``folded``: every word above without accents (``hà_nội`` → ``ha_noi``), English-stemmed by
  the index's analyser: the accent- and inflection-insensitive recall field;
- ``cjk``: Han unigrams and bigrams of every text, recall for words jieba split differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelstack.understand.scripts import HAN
from reelstack.understand.segment import Segmenter, fold_accents

TEXT_FIELDS = ("caption", "ocr", "transcript")
TOKEN_FIELDS = (*TEXT_FIELDS, "hashtags", "creator", "concepts")
RECALL_FIELDS = ("folded", "cjk")
ALL_FIELDS = (*TOKEN_FIELDS, *RECALL_FIELDS)
MAX_FIELD_CHARS = 20_000  # a transcript beyond this adds little but cost
MIN_CONCEPT_SCORE = 0.1
_HAN_RUN = re.compile(f"[{HAN}]+")


@dataclass(slots=True)
class SearchDoc:
    """Everything search keeps about one item."""

    item_id: str
    texts: dict[str, str] = field(default_factory=dict)  # caption, ocr, transcript
    languages: dict[str, str | None] = field(default_factory=dict)  # per text field
    language: str | None = None
    hashtags: list[str] = field(default_factory=list)  # without "#"
    creator_id: str | None = None
    creator_handle: str | None = None
    creator_name: str = ""
    concepts: list[str] = field(default_factory=list)
    entities: list[dict[str, str]] = field(default_factory=list)
    kind: str | None = None
    duration_s: float | None = None
    created_at: float = 0.0
    dense: np.ndarray | None = None
    crossmodal: np.ndarray | None = None

    @classmethod
    def from_meta(cls, item_id: str, meta: dict[str, Any]) -> SearchDoc:
        """The document back from its side-table metadata (no vectors)."""
        return cls(
            item_id=item_id,
            texts=meta.get("texts") or {},
            languages=meta.get("languages") or {},
            language=meta.get("language"),
            hashtags=meta.get("hashtags") or [],
            creator_id=meta.get("creator_id"),
            creator_handle=meta.get("creator"),
            creator_name=meta.get("creator_name") or "",
            concepts=meta.get("concepts") or [],
            entities=meta.get("entities") or [],
            kind=meta.get("kind"),
            duration_s=meta.get("duration_s"),
            created_at=meta.get("created_at") or 0.0,
        )

    def meta(self) -> dict[str, Any]:
        """What the side table keeps for filters, facets, highlights and the response."""
        return {
            "texts": self.texts,
            "languages": self.languages,
            "language": self.language,
            "hashtags": self.hashtags,
            "creator_id": self.creator_id,
            "creator": self.creator_handle,
            "creator_name": self.creator_name,
            "concepts": self.concepts,
            "entities": self.entities,
            "kind": self.kind,
            "duration_s": self.duration_s,
            "created_at": self.created_at,
        }


def han_grams(text: str) -> list[str]:
    """Unigrams and bigrams of every Han run."""
    grams: list[str] = []
    for run in _HAN_RUN.findall(text):
        grams += list(run)
        grams += [run[i : i + 2] for i in range(len(run) - 1)]
    return grams


def with_search_words(tokens: list[str], segmenter: Segmenter) -> list[str]:
    """``tokens`` plus, after each Chinese word of 3+ characters, the shorter words jieba's
    ``cut_for_search`` finds inside it (``中华人民共和国`` → ``中华``, ``人民``, ``共和国``...),
    so a query for a part finds the whole; queries keep the plain segmentation."""
    out: list[str] = []
    for token in tokens:
        out.append(token)
        if len(token) >= 3 and token[0] != "#" and _HAN_RUN.fullmatch(token):
            out += segmenter.chinese_search_words(token)
    return out


def folded_forms(token: str) -> list[str]:
    """The ``folded`` field's forms of a token: signless, accentless, compounds also split."""
    folded = fold_accents(token.lstrip("#@"))
    if "_" in folded.strip("_"):
        return [folded, *(part for part in folded.split("_") if part)]
    return [folded] if folded else []


def analyse_document(doc: SearchDoc, segmenter: Segmenter) -> dict[str, list[str]]:
    """Token lists for every index field (see the module docstring)."""
    fields: dict[str, list[str]] = {name: [] for name in ALL_FIELDS}
    for name in TEXT_FIELDS:
        text = (doc.texts.get(name) or "")[:MAX_FIELD_CHARS]
        if text:
            language = doc.languages.get(name) or doc.language
            fields[name] = with_search_words(segmenter.segment(text, language), segmenter)
    for tag in doc.hashtags:
        tag = tag.lstrip("#")
        fields["hashtags"].append("#" + tag.casefold())
        fields["hashtags"] += [t for t in segmenter.segment(tag, doc.language) if t[0] != "#"]
    if doc.creator_handle:
        handle = doc.creator_handle.lstrip("@").casefold()
        fields["creator"] += ["@" + handle, handle]
    if doc.creator_name:
        fields["creator"] += segmenter.segment(doc.creator_name, None)
    for concept in doc.concepts:
        fields["concepts"] += segmenter.segment(concept, "en")
    fields["folded"] = [f for n in TOKEN_FIELDS for t in fields[n] for f in folded_forms(t)]
    texts = [*doc.texts.values(), *doc.hashtags]
    fields["cjk"] = [gram for text in texts for gram in han_grams(text[:MAX_FIELD_CHARS])]
    return fields
