"""The text stage: language, words, hashtags, mentions, URLs and entities of a post's texts.

Three fields are read: the caption, the on-screen text (``ocr`` stage) and the transcript
(``asr`` stage). OCR and ASR are optional upstreams: a text post or an image has no speech and
OCR may have failed, so a missing value counts as empty text.

Value::

    {"language": "th",                      # caption's, else the ocr/transcript majority
     "fields": {"caption": {"text", "language", "confidence", "tokens"}, ...},  # non-empty only
     "hashtags": [...], "mentions": [...], "urls": [...],   # without "#"/"@", first spelling
     "entities": [{"text", "label", "field"}]}              # spaCy, English fields only

Language hints (see `reelstack.understand.language`): the caption and the on-screen text lean
on the post's declared language, the transcript on the language Whisper heard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from reelstack.understand.extract import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
    unique_values,
)
from reelstack.understand.language import (
    DEFAULT_LANGUAGES,
    UNDETERMINED,
    detect_language,
    normalize_language,
)
from reelstack.understand.scripts import count_letters
from reelstack.understand.segment import Segmenter, default_segmenter
from reelstack.understand.stage import Stage, StageInput

if TYPE_CHECKING:
    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

FIELDS = ("caption", "ocr", "transcript")


def raw_field_texts(inp: StageInput) -> dict[str, str]:
    """The non-empty texts of a post: caption, ``ocr`` text, ``asr`` transcript (stripped)."""
    texts = {
        "caption": inp.post.caption or "",
        "ocr": (inp.upstream.get("ocr") or {}).get("text") or "",
        "transcript": (inp.upstream.get("asr") or {}).get("text") or "",
    }
    return {name: text.strip() for name, text in texts.items() if text and text.strip()}


class TextStage(Stage):
    """Per-field language id and segmentation, hashtags/mentions/URLs, English entities."""

    name = "text"
    requires = ("ocr", "asr")
    optional = ("ocr", "asr")
    models = ("langid", "ner-spacy-en")
    code_version = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        segmenter: Segmenter | None = None,
        languages: Collection[str] | None = DEFAULT_LANGUAGES,
    ) -> None:
        super().__init__(registry, settings)
        self.segmenter = segmenter or default_segmenter()
        self.languages = languages

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        identifier = self.registry.load("langid")
        results: list[dict[str, Any] | BaseException] = []
        for inp in batch:
            try:
                results.append(self._analyse(inp, identifier))
            except Exception as exc:  # one post's failure (e.g. a missing segmenter) is its own
                results.append(exc)
        self._add_entities([r for r in results if isinstance(r, dict)])
        return results

    def _hints(self, inp: StageInput) -> dict[str, str | None]:
        declared = normalize_language(inp.post.language)
        heard = normalize_language((inp.upstream.get("asr") or {}).get("language"))
        return {
            "caption": declared or heard,
            "ocr": declared or heard,
            "transcript": heard or declared,
        }

    def _analyse(self, inp: StageInput, identifier: Any) -> dict[str, Any]:
        texts = raw_field_texts(inp)
        hashtags = unique_values(
            [tag.lstrip("#") for tag in inp.post.hashtags]
            + [tag for text in texts.values() for tag in extract_hashtags(text)]
        )
        # Learn first: a tag written without "#" in this very post (OCR, speech) stays whole.
        self.segmenter.learn(hashtags)
        hints = self._hints(inp)
        fields = {}
        for name, text in texts.items():
            language, confidence = detect_language(
                identifier, text, hint=hints[name], languages=self.languages
            )
            fields[name] = {
                "text": text,
                "language": language,
                "confidence": round(confidence, 4),
                "tokens": self.segmenter.segment(text, language),
            }
        return {
            "language": self._overall(fields, hints["caption"]),
            "fields": fields,
            "hashtags": hashtags,
            "mentions": unique_values([m for t in texts.values() for m in extract_mentions(t)]),
            "urls": unique_values([u for t in texts.values() for u in extract_urls(t)]),
            "entities": [],
        }

    @staticmethod
    def _overall(fields: dict[str, dict[str, Any]], hint: str | None) -> str:
        """The caption's language; else the one most letters of ocr + transcript are in."""
        caption = fields.get("caption")
        if caption and caption["language"] != UNDETERMINED:
            return str(caption["language"])
        letters: Counter[str] = Counter()
        for name in ("ocr", "transcript"):
            field = fields.get(name)
            if field and field["language"] != UNDETERMINED:
                letters[field["language"]] += count_letters(field["text"])
        if letters:
            return letters.most_common(1)[0][0]
        return hint or UNDETERMINED

    def _add_entities(self, values: list[dict[str, Any]]) -> None:
        """spaCy NER over every English field of the batch in one ``pipe`` call."""
        jobs = [
            (value, name, field["text"])
            for value in values
            for name, field in value["fields"].items()
            if field["language"] == "en"
        ]
        if not jobs:
            return
        nlp = self.registry.load("ner-spacy-en")
        docs = nlp.pipe([text for _, _, text in jobs], disable=_not_needed_for_ner(nlp))
        for (value, name, _), doc in zip(jobs, docs, strict=True):
            seen = {(e["text"], e["label"]) for e in value["entities"] if e["field"] == name}
            for ent in doc.ents:
                if (ent.text, ent.label_) not in seen:
                    seen.add((ent.text, ent.label_))
                    value["entities"].append({"text": ent.text, "label": ent.label_, "field": name})


def _not_needed_for_ner(nlp: Any) -> list[str]:
    """Pipes NER does not read: tagger, parser, lemmatizer, and tok2vec unless NER listens to it.

    Skipping them triples throughput with identical entities (en_core_web_sm's NER has its
    own embedding layer).
    """
    keep = {"ner"}
    for name in nlp.pipe_names:
        listeners = getattr(nlp.get_pipe(name), "listening_components", [])
        if "ner" in listeners:
            keep.add(name)
    return [name for name in nlp.pipe_names if name not in keep]
