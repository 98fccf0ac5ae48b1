"""Node apps share schemas, not code paths (docs/network.md): juki.cs, juki.prefecture and
juki.national depend on juki.network and the foundations, never on one another, and nothing
outside them imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import juki

SRC = Path(juki.__file__).parent
NODE_APPS = ("cs", "prefecture", "national")


def absolute_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def test_node_apps_import_no_other_node_app():
    offenders = {}
    for path in SRC.rglob("*.py"):
        top = path.relative_to(SRC).parts[0]
        others = {f"juki.{app}" for app in NODE_APPS if app != top}
        bad = sorted(m for m in absolute_imports(path) if any(m == o or m.startswith(f"{o}.") for o in others))
        if bad:
            offenders[str(path.relative_to(SRC))] = bad
    assert offenders == {}


def test_the_scan_sees_imports():
    assert "juki.network.identity" in absolute_imports(SRC / "cs" / "models.py")
