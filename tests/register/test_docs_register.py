"""docs/register.md lists every change kind the registry knows (the docs cannot fall behind)."""

from pathlib import Path

from juki.register.changes.registry import all_handlers

DOC = Path(__file__).resolve().parents[2] / "docs" / "register.md"


def test_every_registered_change_kind_is_documented_with_its_article():
    text = DOC.read_text()
    for handler in all_handlers():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{handler.kind}` |")), None)
        assert row is not None, handler.kind
        assert handler.article in row and handler.label in row
