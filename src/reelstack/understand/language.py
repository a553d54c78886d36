"""Language identification with py3langid, made usable on the short texts of short videos.

Policy (why): langid.py is reliable on a sentence and close to random on "so cute" or "好吃".
A post usually carries a better prior — the creator's declared language, or the language
Whisper heard — so:

1. candidates are restricted to ``DEFAULT_LANGUAGES`` (the ~50 languages a platform like this
   serves), plus the hint; rarely-used labels (``vec``, ``pcm``, ``eo``...) otherwise win on
   short Latin strings. Restriction renormalises ``rank``'s probabilities and never calls
   ``set_languages``, which would mutate the identifier shared by every thread;
2. a short text (< ``short_letters`` letters) takes the hint when the hint's language is
   written in the text's script (a Thai hint never labels "SALE 50%");
3. a longer text takes the hint when langid finds it a close contender (at least
   ``close_ratio`` × the winner's probability): Malay vs Indonesian, Spanish vs Galician...

URLs, @mentions and #hashtags are left out first — tags like ``#fyp #viral`` sit under
captions in every language — unless they are all the text has.

The confidence returned is always langid's probability for the language returned, so a hint
that the text itself does not support shows up as a low confidence.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from reelstack.understand.extract import find_spans
from reelstack.understand.scripts import count_letters, dominant_script, language_fits_script

_DEFAULT = (
    "en", "zh", "yue", "ja", "ko", "th", "vi", "id", "ms", "tl", "my", "km", "lo", "jv", "hi",
    "bn", "ta", "te", "ur", "mr", "ne", "si", "ar", "fa", "he", "tr", "ru", "uk", "pl", "cs",
    "sk", "de", "fr", "es", "pt", "it", "nl", "sv", "no", "da", "fi", "el", "hu", "ro", "bg",
    "sr", "hr",
)  # fmt: skip
DEFAULT_LANGUAGES: frozenset[str] = frozenset(_DEFAULT)
UNDETERMINED = "und"

# Codes a post, a browser or Whisper may send for the labels langid uses.
_ALIASES = {
    "in": "id", "ind": "id", "msa": "ms", "zsm": "ms", "may": "ms", "tha": "th", "vie": "vi",
    "zho": "zh", "chi": "zh", "cmn": "zh", "eng": "en", "fil": "tl", "tgl": "tl", "iw": "he",
    "nb": "no", "jpn": "ja", "kor": "ko", "jw": "jv",
}  # fmt: skip


def normalize_language(code: str | None) -> str | None:
    """``"zh-Hans"`` → ``"zh"``, ``"pt_BR"`` → ``"pt"``, ``"fil"`` → ``"tl"``; None stays None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return _ALIASES.get(primary, primary) or None


def _prose(text: str) -> str:
    """``text`` without its URLs, mentions and hashtags."""
    parts, position = [], 0
    for start, end, _ in find_spans(text):
        parts.append(text[position:start])
        position = end
    parts.append(text[position:])
    return " ".join(" ".join(parts).split())


def detect_language(
    identifier: Any,
    text: str,
    *,
    hint: str | None = None,
    languages: Collection[str] | None = DEFAULT_LANGUAGES,
    short_letters: int = 20,
    close_ratio: float = 0.3,
) -> tuple[str, float]:
    """``(code, confidence)`` for ``text``; ``("und", 0.0)`` when it has no letters.

    ``identifier`` is the registry's ``"langid"`` model (normalised probabilities);
    ``languages=None`` lets every label of the model compete.
    """
    prose = _prose(text)
    text = prose if count_letters(prose) else text.replace("#", " ").replace("@", " ")
    letters = count_letters(text)
    if not letters:
        return UNDETERMINED, 0.0
    hint = normalize_language(hint)
    ranked: list[tuple[str, float]] = identifier.rank(text)
    if languages is not None:
        allowed = set(languages) | ({hint} if hint else set())
        subset = [(lang, p) for lang, p in ranked if lang in allowed]
        mass = sum(p for _, p in subset)
        if mass > 0:  # else the text is in a script no allowed language uses: keep them all
            ranked = [(lang, p / mass) for lang, p in subset]
    top, p_top = ranked[0]
    if hint and hint != top:
        p_hint = dict(ranked).get(hint, 0.0)
        if letters < short_letters and language_fits_script(hint, dominant_script(text)):
            return hint, p_hint
        if p_hint >= close_ratio * p_top:
            return hint, p_hint
    return top, float(p_top)
