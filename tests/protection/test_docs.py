"""docs/protection.md states the rules with their source and lists every protection screen."""

from __future__ import annotations

from pathlib import Path

from juki.protection.urls import urlpatterns

DOC = Path(__file__).resolve().parents[2] / "docs" / "protection.md"


def test_the_document_cites_the_source_and_lists_every_screen():
    text = DOC.read_text(encoding="utf-8")
    assert "住民基本台帳事務処理要領 第5-10" in text
    for article in ("12条の2", "12条の3", "12条6項"):
        assert article in text
    for pattern in urlpatterns:
        assert f"`{pattern.name}`" in text, pattern.name
