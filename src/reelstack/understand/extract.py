"""Hashtags, @mentions and URLs in free text (captions, on-screen text, transcripts).

Hashtags are Unicode: letters, digits, ``_`` and combining marks, so ``#อาหารไทย`` keeps its
vowel and tone marks and ``#萌宠日常`` its ideographs; full-width ``＃`` counts too. URLs include
bare domains (``bit.ly/x``, ``t.me/deals``, ``shopee.co.id``) because spam detection needs the
links that are written without a scheme precisely to dodge link filters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from urllib.parse import urlsplit

from reelstack.understand.scripts import word_class

# Closing punctuation that ends a sentence rather than a URL or a tag.
_TRAILING = ".,;:!?'\"”’)]}>…。，、！？；：」』）】"

# A tag or mention glued to a Latin word is not one ("C#", "a#b", an email), but Chinese and
# Thai write them straight after the previous word: "拍了#萌宠日常", "ไปกิน#อาหาร".
_LATIN_WORD = "0-9A-Za-z_\u00c0-\u024f"
# Top-level domains that are rarely English/Malay words: a bare "name.tld" counts as a link.
_STRONG_TLDS = (
    "com", "net", "org", "info", "biz", "xyz", "top", "club", "site", "online", "shop",
    "store", "link", "live", "life", "click", "vip", "win", "bid", "loan", "work", "news",
    "blog", "page", "pro", "tech", "space", "website", "icu", "buzz", "cyou", "sbs", "mobi",
    "asia", "ly", "gl", "gd", "io", "cc", "tk", "ml", "ga", "cf", "gq", "ws", "fm", "gg", "th",
    "vn", "sg", "ph", "cn", "hk", "tw", "jp", "kr", "au", "nz", "uk", "ru", "br", "mx", "eu",
    "fr", "es",
)  # fmt: skip
# TLDs that are also everyday words ("ok.so", "love.it", "do.it"): links only with a path.
_WEAK_TLDS = (
    "me", "to", "it", "is", "so", "am", "be", "at", "us", "no", "my", "id", "co", "tv", "ai",
    "app", "in", "la", "do", "go", "de", "ca", "fun",
)  # fmt: skip
# Second-level labels before a country code: shopee.co.id, lazada.com.my, gov.uk...
_SLDS = (
    "co", "com", "net", "org", "go", "or", "ac", "gov", "edu", "biz", "web",
)  # fmt: skip


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(set(words), key=len, reverse=True))


@cache
def _hashtag_re() -> re.Pattern[str]:
    char = rf"(?:{word_class()}|_|[\u200c\u200d])"  # ZWNJ/ZWJ live inside Indic/Persian words
    return re.compile(rf"(?<![{_LATIN_WORD}&#＃])[#＃]({char}+)")


@cache
def _mention_re() -> re.Pattern[str]:
    char = rf"(?:{word_class()}|_)"
    return re.compile(rf"(?<![{_LATIN_WORD}@.])@({char}(?:(?:{char}|\.)*{char})?)")


@cache
def _url_re() -> re.Pattern[str]:
    path = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    cc = r"[a-z]{2}"
    strong = _alternation(_STRONG_TLDS)
    weak = _alternation(_WEAK_TLDS + _STRONG_TLDS)
    slds = _alternation(_SLDS)
    return re.compile(
        rf"""
        (?:https?://|www\.)[^\s<>"'\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef\u0e00-\u0e7f]+
        | (?<![{_LATIN_WORD}@./-])
          (?:
             (?:{label}\.)*{label}\.(?:{slds})\.{cc}   # shopee.co.id, lazada.com.my
           | (?:{label}\.)+(?:{strong})                # example.com
           | (?:{label}\.)+(?:{weak})(?=/)             # t.me/x, bit.ly/x: a path is required
          )
          (?![{_LATIN_WORD}-]|\.[a-z0-9])
          (?:/{path}*)?
        """,
        re.IGNORECASE | re.VERBOSE,
    )


def _strip_trailing(value: str) -> str:
    while value and value[-1] in _TRAILING:
        if value[-1] == ")" and value.count("(") >= value.count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia style)
        value = value[:-1]
    return value


def unique_values(values: list[str]) -> list[str]:
    """First spelling of each value, compared case-insensitively, in order of appearance."""
    seen: set[str] = set()
    unique = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _found(text: str, kind: str) -> list[str]:
    text = unicodedata.normalize("NFC", text or "")
    return [text[start:end] for start, end, found in find_spans(text) if found == kind]


def extract_hashtags(text: str) -> list[str]:
    """Hashtags without ``#``, first spelling kept, e.g. ``["萌宠日常", "อาหารไทย"]``.

    All-digit tags (``#1``) are not hashtags, as on every platform; nor is a ``#`` in a URL.
    """
    return unique_values([tag[1:] for tag in _found(text, "hashtag")])


def extract_mentions(text: str) -> list[str]:
    """@mentions without ``@``; an email address or a ``/@user`` URL path is not a mention."""
    return unique_values([mention[1:] for mention in _found(text, "mention")])


def extract_urls(text: str) -> list[str]:
    """URLs as written (scheme-less ones included), closing punctuation removed."""
    return unique_values(_found(text, "url"))


def url_domain(url: str) -> str:
    """Lower-case host of a URL written with or without scheme: ``bit.ly/x`` → ``bit.ly``."""
    target = url if "://" in url else f"http://{url}"
    host = urlsplit(target).hostname or ""
    return host.removeprefix("www.")


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of every URL, hashtag and mention in ``text``, in order.

    Segmenters keep these spans whole; a hashtag or mention inside a URL belongs to the URL.
    """
    spans = []
    for m in _url_re().finditer(text):
        url = _strip_trailing(m.group(0))
        if url:
            spans.append((m.start(), m.start() + len(url), "url"))
    taken = [(start, end) for start, end, _ in spans]
    for kind, pattern in (("hashtag", _hashtag_re()), ("mention", _mention_re())):
        for m in pattern.finditer(text):
            if kind == "hashtag" and m.group(1).isdigit():
                continue
            if not any(start <= m.start() < end for start, end in taken):
                spans.append((m.start(), m.end(), kind))
    return sorted(spans)
