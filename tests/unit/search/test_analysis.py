"""Document and query analysis, spelling, filters, highlights and fusion (no index needed)."""

from __future__ import annotations

import pytest

from reelstack.core.errors import InvalidInput
from reelstack.search.analysis.document import SearchDoc, analyse_document, han_grams
from reelstack.search.analysis.query import MAX_QUERY_CHARS, Gazetteer, QueryAnalyzer
from reelstack.search.analysis.spell import Speller
from reelstack.search.evaluate import ndcg_at_k, recall_at_k
from reelstack.search.filters import parse_filters
from reelstack.search.fusion import FusionConfig, fuse, normalised, tune
from reelstack.search.highlight import highlights, snippet
from reelstack.understand.segment import Segmenter

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def analyzer(segmenter: Segmenter) -> QueryAnalyzer:
    speller = Speller()
    speller.add_words(["dumpling", "recipe", "volcano", "sunrise", "hike", "phở"] * 3)
    gazetteer = Gazetteer()
    gazetteer.add([("somchai", "creator"), ("萌宠日常", "hashtag"), ("tabby cat", "concept")])
    return QueryAnalyzer(segmenter, speller, gazetteer)


def test_document_fields_per_language(segmenter: Segmenter) -> None:
    doc = SearchDoc(
        item_id="i1",
        texts={"caption": "小猫咪太可爱了", "ocr": "Phở bò Hà Nội", "transcript": "ต้มยำกุ้งอร่อย"},
        languages={"caption": "zh", "ocr": "vi", "transcript": "th"},
        hashtags=["萌宠日常", "Travel"],
        creator_handle="Somchai",
        creator_name="Somchai Jaidee",
        concepts=["tabby cat"],
    )
    fields = analyse_document(doc, segmenter)
    assert {"小猫咪", "小猫", "可爱"} <= set(fields["caption"])  # + cut_for_search sub-words
    assert "hà_nội" in fields["ocr"]  # pyvi compounds stay one token
    assert "ต้มยำ" in fields["transcript"] or "ต้มยำกุ้ง" in fields["transcript"]
    assert {"#萌宠日常", "#travel", "travel"} <= set(fields["hashtags"])
    assert {"@somchai", "somchai", "jaidee"} <= set(fields["creator"])
    assert {"tabby", "cat"} <= set(fields["concepts"])
    assert {"ha_noi", "ha", "noi", "pho"} <= set(fields["folded"])  # accents folded
    assert {"小猫", "猫", "可爱"} <= set(fields["cjk"])
    assert han_grams("猫a狗狗") == ["猫", "狗", "狗", "狗狗"]


def test_query_normalisation_tags_mentions_and_entities(analyzer: QueryAnalyzer) -> None:
    qa = analyzer.analyse("  ＃萌宠日常  @Somchai\u200b tabby cat ")
    assert qa.normalized == "#萌宠日常 @Somchai tabby cat"
    assert qa.hashtags == ["萌宠日常"] and qa.mentions == ["somchai"]
    assert "#萌宠日常" in qa.terms and "@somchai" in qa.terms
    labels = {e["text"]: e["label"] for e in qa.entities}
    assert labels == {"萌宠日常": "hashtag", "somchai": "creator", "tabby cat": "concept"}


def test_spelling_is_corrected_only_for_unknown_words(analyzer: QueryAnalyzer) -> None:
    qa = analyzer.analyse("dumplin recipe")
    assert qa.corrections == {"dumplin": "dumpling"}
    assert qa.corrected == "dumpling recipe" and qa.terms == ["dumpling", "recipe"]
    assert analyzer.analyse("volcanoe hike").corrected == "volcano hike"
    assert analyzer.analyse("pho").corrections == {}  # known without its accents
    assert analyzer.analyse("xq").corrections == {}  # too short to guess
    assert analyzer.analyse("dumplin", correct=False).terms == ["dumplin"]


@pytest.mark.parametrize(
    "raw", ["!!!", "🙂🙂🔥", '"(*:', "...;;--", ' " : ( * ) '], ids=lambda r: repr(r)
)
def test_queries_without_words_have_no_terms(analyzer: QueryAnalyzer, raw: str) -> None:
    qa = analyzer.analyse(raw)
    assert not qa.has_words and qa.terms == []


def test_long_queries_are_truncated_and_mixed_scripts_segmented(analyzer: QueryAnalyzer) -> None:
    qa = analyzer.analyse("word " * 2500)  # 12.5 kB
    assert qa.truncated and len(qa.normalized) <= MAX_QUERY_CHARS
    assert qa.terms == ["word"]
    mixed = analyzer.analyse("cute 小猫咪 แมว mèo")
    assert {"cute", "mèo"} <= set(mixed.terms)
    assert any("猫" in t for t in mixed.terms) and "แมว" in mixed.terms


def test_filters_parse_and_match() -> None:
    f = parse_filters("language:en|vi, creator:@Alice; hashtag:#Cat, duration:<30, date:7d", NOW)
    assert f.languages == ["en", "vi"] and f.creators == ["alice"] and f.hashtags == ["cat"]
    assert f.duration == (None, 30.0) and f.date == (NOW - 7 * 86400, None)
    meta = {"language": "en", "creator": "alice", "hashtags": ["cat"], "duration_s": 12.0,
            "created_at": NOW - 3600}  # fmt: skip
    assert f.matches(meta)
    assert not f.matches({**meta, "duration_s": 45.0})
    assert not f.matches({**meta, "language": "th"})
    assert parse_filters('{"duration": "short", "kind": ["video"]}', NOW).duration == (0.0, 15.0)
    assert parse_filters("date:2026-01-01..2026-01-31", NOW).date is not None
    assert not parse_filters(None, NOW) and not parse_filters("", NOW)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("colour:red,size:xl", "unknown filter(s): colour, size"),
        ("language", "not key:value"),
        ("duration:<abc", "not a number"),
        ("date:yesterday", "not an ISO date"),
        ("kind:gif", "not video, image or text"),
        ("{not json", "invalid JSON"),
    ],
)
def test_bad_filters_are_named(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_filters(raw, NOW)


def test_highlights_mark_matches_in_each_field() -> None:
    texts = {"caption": "Phở bò Hà Nội <3", "ocr": "SALE", "transcript": "we ate pho in ha noi"}
    found = highlights(texts, ["pho", "hà_nội"])
    assert found[0] == {"field": "caption", "snippet": "<em>Phở</em> bò <em>Hà Nội</em> &lt;3"}
    assert found[1]["field"] == "transcript" and "<em>pho</em>" in found[1]["snippet"]
    assert snippet("a" * 500 + " needle " + "b" * 500, ["needle"]).startswith("…")
    assert snippet("小猫咪太可爱了", ["可爱"]) == "小猫咪太<em>可爱</em>了"
    assert snippet("category", ["cat"]) is None  # whole Latin words only
    assert snippet("two cats", ["cat"]) == "two <em>cats</em>"


def test_fusion_methods_and_tuning_never_lose_to_a_single_retriever() -> None:
    a = [("d1", 9.0), ("d2", 5.0), ("d3", 1.0)]
    b = [("d3", 0.9), ("d1", 0.8)]
    assert fuse({"a": a, "b": b}, FusionConfig("rrf"))[0][0] == "d1"
    assert normalised(a) == {"d1": 1.0, "d2": 0.5, "d3": 0.0}
    only_b = fuse({"a": a, "b": b}, FusionConfig("wsum", {"a": 0.0, "b": 1.0}))
    assert [d for d, _ in only_b] == ["d3", "d1"]
    queries = [({"a": a, "b": b}, {"d3": 1.0}), ({"a": a, "b": b}, {"d1": 1.0})]
    tuned = tune(queries, ["a", "b"])
    assert tuned.score >= max(tuned.singles.values())


def test_metrics() -> None:
    assert ndcg_at_k(["x", "y"], {"x": 1}) == 1.0
    assert ndcg_at_k(["y", "x"], {"x": 1}) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert recall_at_k(["a", "b"], {"a": 1, "c": 2}, 100) == 0.5
