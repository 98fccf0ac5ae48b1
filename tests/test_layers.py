"""Tools sit outside the domain (docs/architecture.md, Shape): ``juki.tools`` (the demo city,
``juki bench``) may import the domain apps, nothing in the domain imports ``juki.tools``."""

from __future__ import annotations

import ast
from pathlib import Path

import juki

SRC = Path(juki.__file__).parent


def imported_modules(path: Path) -> set[str]:
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_nothing_outside_the_tools_imports_the_tools():
    offenders = {
        str(path.relative_to(SRC.parent)): sorted(m for m in imported_modules(path)
                                                  if m == "juki.tools" or m.startswith("juki.tools."))
        for path in SRC.rglob("*.py") if "tools" not in path.relative_to(SRC).parts[:1]
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_import_scan_sees_absolute_and_relative_imports():
    pkg = SRC / "tools" / "demo"
    assert "juki.tools.demo.plans" in imported_modules(pkg / "generator.py")  # from .plans import …
    assert "juki.register.models" in imported_modules(pkg / "generator.py")
