"""The pipeline's contract: order, resume, version-driven recompute, error isolation."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pytest

from reelstack.config import UnderstandSettings
from reelstack.core.errors import ModelUnavailable
from reelstack.runtime.platform import Platform
from reelstack.testing.factories import make_creator, make_item
from reelstack.understand.pipeline import Pipeline, order_stages
from reelstack.understand.stage import Post, Stage, StageError, StageInput

CALLS: Counter[str] = Counter()


class _Registry:
    """Stand-in registry: versions come from a dict the test edits."""

    def __init__(self) -> None:
        self.versions = {"m-a": "pkg==1/a", "m-b": "pkg==1/b"}

    def version(self, name: str) -> str:
        if name not in self.versions:
            raise ModelUnavailable(f"model {name!r} needs the package 'x'")
        return self.versions[name]


class Upper(Stage):
    name = "upper"
    models = ("m-a",)

    def process(self, batch: list[StageInput]) -> list[Any]:
        CALLS[self.name] += 1
        out: list[Any] = []
        for inp in batch:
            if "boom" in inp.post.caption:
                out.append(StageError("cannot shout boom"))
            else:
                out.append({"text": inp.post.caption.upper()})
        return out


class Length(Stage):
    name = "length"
    requires = ("upper",)
    models = ("m-b",)

    def process(self, batch: list[StageInput]) -> list[Any]:
        CALLS[self.name] += 1
        if any("crash" in i.post.caption for i in batch):
            raise RuntimeError("batch-level crash")
        return [{"n": len(i.upstream["upper"]["text"])} for i in batch]


class Tolerant(Stage):
    name = "tolerant"
    requires = ("upper",)
    optional = ("upper",)

    def process(self, batch: list[StageInput]) -> list[Any]:
        return [{"has_upper": "upper" in i.upstream} for i in batch]


class VideoOnly(Stage):
    name = "video_only"
    applies_to: ClassVar[frozenset[str]] = frozenset({"video"})

    def process(self, batch: list[StageInput]) -> list[Any]:
        return [{"ok": True} for _ in batch]


def _posts(platform: Platform, captions: list[str]) -> list[tuple[str, Post]]:
    creator = platform.store.upsert_creator(make_creator())
    posts = []
    for caption in captions:
        item = platform.store.insert_item(make_item(creator, caption=caption))
        posts.append((item.id, Post(item_id=item.id, kind="text", media_path=None,
                                    caption=caption)))  # fmt: skip
    return posts


@pytest.fixture
def registry() -> _Registry:
    CALLS.clear()
    return _Registry()


def _pipeline(platform: Platform, registry: _Registry, *stages: type[Stage]) -> Pipeline:
    settings = UnderstandSettings()
    made = [cls(registry, settings) for cls in stages]  # type: ignore[arg-type]
    return Pipeline(made, platform.blobs, platform.store, batch_size=4)


def test_stages_run_in_dependency_order(registry: _Registry) -> None:
    stages = [Length(registry, UnderstandSettings()), Upper(registry, UnderstandSettings())]
    assert [s.name for s in order_stages(stages)] == ["upper", "length"]


def test_results_are_stored_with_versions_and_rerun_skips(platform, registry) -> None:
    posts = _posts(platform, ["hello", "สวัสดี", "x"])
    report, values = _pipeline(platform, registry, Upper, Length).run_posts(posts)
    assert report.computed == Counter({"upper": 3, "length": 3})
    assert values[posts[0][0]]["length"] == {"n": 5}
    stored = platform.store.get_features(posts[0][0])
    assert stored["upper"].model_version == "upper/1 pkg==1/a"
    assert stored["upper"].value == {"text": "HELLO"}
    again, _ = _pipeline(platform, registry, Upper, Length).run_posts(posts)
    assert again.computed == Counter() and again.reused == Counter({"upper": 3, "length": 3})


def test_model_version_change_recomputes_stage_and_downstream(platform, registry) -> None:
    posts = _posts(platform, ["a", "b"])
    _pipeline(platform, registry, Upper, Length).run_posts(posts)
    registry.versions["m-a"] = "pkg==2/a"
    report, _ = _pipeline(platform, registry, Upper, Length).run_posts(posts)
    assert report.computed == Counter({"upper": 2, "length": 2})
    registry.versions["m-b"] = "pkg==2/b"
    report, _ = _pipeline(platform, registry, Upper, Length).run_posts(posts)
    assert report.computed == Counter({"length": 2})


def test_one_bad_item_fails_alone(platform, registry) -> None:
    posts = _posts(platform, ["fine", "boom", "crash here", "also fine"])
    report, values = _pipeline(platform, registry, Upper, Length, Tolerant).run_posts(posts)
    boom, crash = posts[1][0], posts[2][0]
    assert values[boom]["upper"] == {"error": "StageError: cannot shout boom"}
    assert values[boom]["length"] == {"error": "upstream stage 'upper' failed"}
    assert values[boom]["tolerant"] == {"has_upper": False}  # optional upstream: still runs
    assert "batch-level crash" in values[crash]["length"]["error"]
    assert values[posts[3][0]]["length"] == {"n": 9}
    assert {(k, s) for k, s, _ in report.errors} == {
        (boom, "upper"),
        (boom, "length"),
        (crash, "length"),
    }
    stored = platform.store.get_features(crash)["length"]
    assert "error" in stored.value and stored.model_version == "length/1 pkg==1/b"


def test_errors_are_retried_on_the_next_run(platform, registry) -> None:
    posts = _posts(platform, ["boom"])
    _pipeline(platform, registry, Upper).run_posts(posts)
    report, _ = _pipeline(platform, registry, Upper).run_posts(posts)
    assert CALLS["upper"] == 2 and report.errors


def test_missing_model_is_an_error_per_item_not_a_crash(platform, registry) -> None:
    posts = _posts(platform, ["a"])
    del registry.versions["m-b"]
    _, values = _pipeline(platform, registry, Upper, Length).run_posts(posts)
    assert values[posts[0][0]]["upper"] == {"text": "A"}
    assert "needs the package" in values[posts[0][0]]["length"]["error"]
    assert platform.store.get_features(posts[0][0])["length"].model_version == "unavailable"


def test_force_recomputes_a_stage_and_what_follows(platform, registry) -> None:
    posts = _posts(platform, ["a"])
    _pipeline(platform, registry, Upper, Length).run_posts(posts)
    report, _ = _pipeline(platform, registry, Upper, Length).run_posts(posts, force={"upper"})
    assert report.computed == Counter({"upper": 1, "length": 1})


def test_stages_skip_kinds_they_do_not_apply_to(platform, registry) -> None:
    posts = _posts(platform, ["text post"])
    _, values = _pipeline(platform, registry, VideoOnly).run_posts(posts)
    assert "video_only" not in values[posts[0][0]]
    assert platform.store.get_features(posts[0][0]) == {}
