"""Search over a real store, tantivy, usearch and E5: languages, fields, visual queries,
spelling, bad input, filters, facets, highlights, explain, logging, suggestions and fusion."""

from __future__ import annotations

from typing import Any

import pytest

from reelstack.core.errors import InvalidInput
from reelstack.search.fusion import FusionConfig, evaluate, tune


def _found(corpus: Any, q: str, **kw: object) -> list[str]:
    names = {v: k for k, v in corpus.ids.items()}
    response = corpus.search.search(q, log=False, **kw)
    return [names[r["item_id"]] for r in response["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dumpling recipe", "cooking"),  # en caption
        ("小猫咪", "zh"),  # zh, jieba
        ("可爱", "zh"),
        ("ต้มยำกุ้ง", "th"),  # th, pythainlp
        ("Phở bò", "vi"),  # vi, pyvi
        ("pho ha noi", "vi"),  # vi typed without accents
        ("nasi goreng", "id"),  # id
        ("#萌宠日常", "zh"),  # exact hashtag
        ("@guitar_maker", "guitar"),  # exact creator
        ("waterfall", "ocr_only"),  # only in the on-screen text
        ("sourdough", "asr_only"),  # only in the speech
    ],
)
def test_finds_posts_in_every_language_and_field(corpus: Any, query: str, expected: str) -> None:
    assert _found(corpus, query)[0] == expected


@pytest.mark.parametrize("query", ["cat", "kitten", "小猫"])
def test_visual_query_finds_a_post_by_what_it_shows(corpus: Any, query: str) -> None:
    response = corpus.search.search(query, log=False, explain=True)
    by_id = {r["item_id"]: r for r in response["results"]}
    cat = by_id[corpus.ids["cat"]]  # its caption and speech say nothing of cats
    assert "crossmodal" in cat["matched_by"]
    assert cat["explain"]["retrievers"]["crossmodal"]["score"] > 0.84
    if query != "小猫":  # the Chinese caption about a kitten rightly comes first there
        assert response["results"][0] is cat


def test_misspelled_query_is_corrected(corpus: Any) -> None:
    response = corpus.search.search("volcanoe hike", log=False)
    spelling = response["query_analysis"]["spelling"]
    assert spelling == {"corrections": {"volcanoe": "volcano"}, "corrected": "volcano hike"}
    assert response["results"][0]["item_id"] == corpus.ids["volcano"]


@pytest.mark.parametrize("q", ["!!!", "🙂🔥🙂", '"', ":", "(", "*", '"(*:)', "AND OR NOT -+~^"])
def test_punctuation_emoji_and_syntax_characters_never_raise(corpus: Any, q: str) -> None:
    response = corpus.search.search(q, log=False)
    assert isinstance(response["results"], list)


def test_syntax_characters_inside_a_real_query(corpus: Any) -> None:
    assert _found(corpus, 'title:"dumpling" (recipe*')[0] == "cooking"


def test_bad_input_is_refused_clearly(corpus: Any) -> None:
    for q in ("", "   "):
        with pytest.raises(InvalidInput, match="non-empty"):
            corpus.search.search(q)
    for k in (0, 10_000):
        with pytest.raises(InvalidInput, match="k must be between 1 and 100"):
            corpus.search.search("cat", k=k)
    with pytest.raises(InvalidInput, match="unknown filter\\(s\\): colour"):
        corpus.search.search("cat", filters="colour:red")
    long = corpus.search.search("dumpling " * 1200, log=False)  # ~10 kB
    assert long["query_analysis"]["truncated"] and long["results"]


def test_mixed_script_query(corpus: Any) -> None:
    found = _found(corpus, "dumpling 小猫咪 ต้มยำกุ้ง", k=5)
    assert {"cooking", "zh", "th"} <= set(found[:4])


def test_filters_facets_highlights_and_explain(corpus: Any) -> None:
    assert _found(corpus, "dumpling 小猫咪", filters="language:zh") == ["zh"]
    assert _found(corpus, "dumpling 小猫咪", filters="hashtag:cooking") == ["cooking"]
    assert _found(corpus, "dumpling", filters="duration:>100") == []
    response = corpus.search.search("dumpling recipe steam", explain=True, log=False)
    facets = response["facets"]
    assert {"language", "creator", "hashtag", "duration", "date"} == set(facets)
    assert facets["creator"][0] == {"value": "cooking_maker", "count": 1}
    top = response["results"][0]
    assert {h["field"] for h in top["highlights"]} == {"caption", "transcript"}
    assert "<em>dumpling</em>" in top["highlights"][0]["snippet"]
    explain = top["explain"]
    assert {"bm25", "dense"} <= set(explain["retrievers"])
    assert {"caption", "transcript"} <= set(explain["bm25_fields"])
    assert explain["visibility_weight"] == 1.0


def test_searches_and_clicks_are_logged(corpus: Any) -> None:
    store = corpus.platform.store
    before = store.count_events()
    response = corpus.search.search("guitar chords", user="u-1")
    corpus.search.click(response["search_id"], corpus.ids["guitar"], user="u-1", position=1)
    events = [e for _, e in store.read_events(limit=10_000)][before:]
    assert [e.type for e in events] == ["search", "click"]
    assert events[0].context["query"] == "guitar chords" and events[0].user_id == "u-1"
    assert events[1].context["search_id"] == response["search_id"]
    with pytest.raises(InvalidInput):
        corpus.search.click("", corpus.ids["guitar"])


def test_suggestions_from_prefix_log_and_trending(corpus: Any) -> None:
    for q in ("sunrise hike", "sunrise hike", "dumpling recipe"):
        corpus.search.search(q, user="u-2")
    out = corpus.search.suggest("sun")
    texts = [c["text"] for c in out["completions"]]
    assert texts[0] == "sunrise hike" and out["completions"][0]["source"] == "query"
    assert "sunrise" in texts  # from captions
    assert [c["text"] for c in corpus.search.suggest("#萌")["completions"]] == ["#萌宠日常"]
    assert "dumpling recipe" in corpus.search.suggest("sunrise hike")["related"]
    assert {t["query"] for t in corpus.search.suggest("")["trending"]} >= {"sunrise hike"}
    recovery = corpus.search.suggest("volcanoe")["recovery"]
    assert recovery == {"type": "spelling", "query": "volcano"}


def test_no_results_recovers_with_a_relaxed_query(corpus: Any) -> None:
    response = corpus.search.search("waterf", log=False)  # no word, 3 edits from "waterfall"
    assert response["query_analysis"]["recovery"] == {"type": "relaxed", "fuzzy": True}
    assert response["results"][0]["item_id"] == corpus.ids["ocr_only"]
    nothing = corpus.search.search("gibberishword", log=False)
    assert nothing["results"] == [] and nothing["query_analysis"]["recovery"] is None


LABELLED = {  # a tuning split over the corpus: query → the relevant post
    "dumpling recipe": "cooking",
    "bread baking at home": "asr_only",
    "waterfall trip": "ocr_only",
    "kitty": "cat",
    "guitar lesson": "guitar",
    "小猫": "zh",
    "tom yum soup": "th",
    "phở": "vi",
    "fried rice": "id",
    "mountain sunrise": "volcano",
    "beginner chords": "guitar",
    "steamed dough": "cooking",
}


def test_hybrid_never_scores_below_the_best_single_retriever(corpus: Any) -> None:
    service = corpus.search
    queries = []
    for q, key in LABELLED.items():
        runs, _ = service.runs(service.analyzer.analyse(q))
        queries.append((runs, {corpus.ids[key]: 1.0}))
    names = ["bm25", "exact", "dense", "crossmodal"]
    tuned = tune(queries, names)
    best_single = max(tuned.singles.values())
    assert tuned.score >= best_single
    s = service.settings
    default = evaluate(FusionConfig(s.fusion_method, s.fusion_weights, s.rrf_k), queries)
    assert default >= best_single  # the shipped weights too, on this split
