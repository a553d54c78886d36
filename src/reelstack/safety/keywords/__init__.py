"""Keyword and regex banks: admin-edited, versioned, matched in linear time (``keywords``)."""

from reelstack.safety.keywords.matcher import KeywordDetector
from reelstack.safety.keywords.schema import Bank, KeywordSet
from reelstack.safety.keywords.store import KeywordStore, parse_keywords

__all__ = ["Bank", "KeywordDetector", "KeywordSet", "KeywordStore", "parse_keywords"]
