"""The import rules of ARCHITECTURE.md, checked on the source (not on what tests happen to run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "reelstack"
PILLARS = ("understand", "safety", "search", "recommend")

# package -> reelstack packages it must never import
FORBIDDEN = {
    "core": ("storage", "models", "ingest", "runtime", "api", "cli", "web", "demo", *PILLARS),
    "storage": ("models", "ingest", "runtime", "api", "cli", "web", "demo", *PILLARS),
    "models": ("storage", "ingest", "runtime", "api", "cli", "web", "demo", *PILLARS),
    "ingest": ("runtime", "api", "cli", "web", "demo", *PILLARS),
    **{pillar: ("api", "cli", "web", "demo") for pillar in PILLARS},
    "runtime": ("api", "cli", "web"),
    "api": ("cli",),
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name.split(".")[1] for name in found if name.startswith("reelstack.")}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_import_rules(package: str) -> None:
    files = list((SRC / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    for path in files:
        bad = _imports(path) & set(FORBIDDEN[package])
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"
