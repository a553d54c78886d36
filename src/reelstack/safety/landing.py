"""An ad's landing page as text: given as HTML or plain text (uploaded, or a local file), never
fetched from the network.

HTML is reduced in linear time, whatever its shape: comments and ``script``/``style``/
``noscript``/``template``/``title`` blocks are dropped (an unclosed one ends the page, noted),
tags are removed one bounded match at a time (a stray ``<`` costs nothing), entities are
decoded and whitespace collapsed. The title, meta description and image ``alt`` texts are
kept — they are what a visitor or a search engine reads first. Pages above
``MAX_LANDING_BYTES`` are refused; broken markup is read as well as it can be and noted,
never an error.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from reelstack.core.errors import InvalidInput, PayloadTooLarge

MAX_LANDING_BYTES = 10 * 1024 * 1024
HEAD_CHARS = 200_000  # where title and meta description are looked for
_HTML_SNIFF = re.compile(
    r"<(?:!doctype|html|head|body|div|p|span|a|br|h[1-6]|script|style|meta|title|img|ul|li|"
    r"table|section|main|article|header|footer|form|button)\b", re.IGNORECASE)  # fmt: skip
_DROPPED = re.compile(r"<!--|<(script|style|noscript|template|title)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_TITLE = re.compile(r"<title\b[^<>]*>([^<]{0,500})", re.IGNORECASE)
_META = re.compile(r"<meta\b[^<>]*>", re.IGNORECASE)
_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')""", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"<>]{1,300})"|'([^'<>]{1,300})')""", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class LandingPage:
    text: str  # what a visitor reads: title, description, alt texts and body text
    kind: str  # "html" or "text"
    size_bytes: int
    title: str = ""
    notes: list[str] = field(default_factory=list)  # what was odd about the markup

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "size_bytes": self.size_bytes, "chars": len(self.text),
                "title": self.title, "notes": self.notes}  # fmt: skip


def parse_landing_page(raw: str | bytes, kind: str = "auto") -> LandingPage:
    """The landing page's readable text; ``kind`` is ``auto``, ``html`` or ``text``."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "replace"))
    if size > MAX_LANDING_BYTES:
        raise PayloadTooLarge(f"the landing page is {size / 2**20:.1f} MB; the limit is "
                              f"{MAX_LANDING_BYTES // 2**20} MB")  # fmt: skip
    if kind not in ("auto", "html", "text"):
        raise InvalidInput("landing page type must be 'html', 'text' or 'auto'")
    notes: list[str] = []
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" in text:
            notes.append("bytes that are not UTF-8 were replaced")
    else:
        text = raw
    text = text.replace("\x00", "")
    if kind == "text" or (kind == "auto" and not _HTML_SNIFF.search(text, 0, 65536)):
        return LandingPage(_SPACE.sub(" ", text).strip(), "text", size, notes=notes)
    return _from_html(text, size, notes)


def _from_html(page: str, size: int, notes: list[str]) -> LandingPage:
    head = page[:HEAD_CHARS]
    title_match = _TITLE.search(head)
    title = _clean(title_match.group(1)) if title_match else ""
    described = []
    for meta in _META.finditer(head):
        tag = meta.group(0).lower()
        if "description" in tag and (content := _CONTENT.search(meta.group(0))):
            described.append(_clean(content.group(1) or content.group(2) or ""))
    body = _drop_blocks(page, notes)
    alts = [_clean(m.group(1) or m.group(2) or "") for m in _ALT.finditer(body)]
    stripped, tags = _TAG.subn(" ", body)
    if (stray := body.count("<") - tags) > 0:
        notes.append(f"{stray} '<' outside any complete tag (malformed markup)")
    visible = _clean(stripped)
    parts = [p for p in (title, *described, visible, *alts) if p]
    return LandingPage(" \n".join(parts), "html", size, title, notes)


def _drop_blocks(page: str, notes: list[str]) -> str:
    """The page without comments and script/style/noscript/template blocks (linear)."""
    kept: list[str] = []
    lower = page.lower()
    position = 0
    while (found := _DROPPED.search(page, position)) is not None:
        kept.append(page[position : found.start()])
        name = found.group(1)
        closing = "-->" if name is None else f"</{name.lower()}"
        end = lower.find(closing, found.end())
        if end < 0:
            notes.append(f"unclosed {'comment' if name is None else '<' + name.lower() + '>'}; "
                         "the rest of the page was skipped")  # fmt: skip
            return "".join(kept)
        if name is None:
            position = end + len(closing)
        else:  # the closing tag's '>' (a bounded look: a missing one costs nothing)
            close_end = lower.find(">", end, end + 64)
            position = close_end + 1 if close_end >= 0 else end + len(closing)
    kept.append(page[position:])
    return "".join(kept)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip()
