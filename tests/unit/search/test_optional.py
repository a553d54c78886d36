"""Without the search extra installed, search says which package is missing."""

from __future__ import annotations

import sys

import pytest

from reelstack.core.errors import ModelUnavailable
from reelstack.search.analysis.spell import Speller
from reelstack.search.index.lexical import import_tantivy
from reelstack.search.index.vectors import new_index


@pytest.mark.parametrize(
    ("modules", "build", "package"),
    [
        (("tantivy",), import_tantivy, "tantivy"),
        (("usearch", "usearch.index"), lambda: new_index("usearch", 8), "usearch"),
        (("symspellpy",), Speller, "symspellpy"),
    ],
)
def test_missing_package_is_named(monkeypatch, modules, build, package) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    with pytest.raises(ModelUnavailable, match=package) as caught:
        build()
    assert "reelstack[search]" in caught.value.message
    assert new_index("exact", 8) is not None  # the exact backend needs nothing
