"""Highlights: a short snippet of each text field a query word occurs in, marked ``<em>``.

Matching is case- and accent-insensitive and works on scripts without spaces (a word is found
as a substring of the original text); the snippet keeps the original spelling. Snippet text is
HTML-escaped, so ``<em>`` is the only markup in it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from reelstack.understand.segment import fold_accents

SNIPPET_CHARS = 160
FIELDS = ("caption", "ocr", "transcript")


def _fold(text: str) -> str:
    return fold_accents(text.casefold())


def _spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of every word in ``text`` (casefold + accent fold).

    Folding keeps positions aligned for the scripts it changes (one letter stays one letter
    after NFC recomposition); if lengths differ, matching falls back to casefolding only.
    """
    folded = _fold(text)
    haystack = folded if len(folded) == len(text) else text.casefold()
    spans: list[tuple[int, int]] = []
    for word in sorted({_fold(w) for w in words if w}, key=len, reverse=True):
        needle = word if haystack is folded else word.casefold()
        pattern = re.escape(needle)
        if needle.isascii() and needle.isalnum():
            pattern = rf"(?<![^\W_]){pattern}(?:s|es|ed|ing)?(?![^\W_])"  # inflections too
        for match in re.finditer(pattern, haystack):
            start, end = match.span()
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
    return sorted(spans)


def snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> str | None:
    """The text around the first match with every match inside marked, or None."""
    spans = _spans(text, words)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    out, position = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [html.escape(text[position:s]), "<em>", html.escape(text[s:e]), "</em>"]
        position = e
    out.append(html.escape(text[position:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out).strip() + suffix


def highlights(texts: Mapping[str, str], words: Sequence[str]) -> list[dict[str, str]]:
    """``[{"field", "snippet"}]`` for each text field a word occurs in."""
    display = [w.lstrip("#@").replace("_", " ") for w in words]
    display += [w.lstrip("@") for w in words if w.startswith("#")]
    found = []
    for field in FIELDS:
        text = texts.get(field)
        if text:
            marked = snippet(text, display)
            if marked:
                found.append({"field": field, "snippet": marked})
    return found
