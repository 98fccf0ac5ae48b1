"""docs/privacy-disclosure.md lists every disclosure URL with its function and every 5xxx event."""

from __future__ import annotations

from pathlib import Path

from django.urls import get_resolver

from juki.audit.events import EVENT_TYPE_LABELS, EventType
from juki.disclosure import urls

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy-disclosure.md"


def test_the_doc_names_every_disclosure_url_and_event():
    text = DOC.read_text()
    for pattern in urls.urlpatterns:
        assert f"`{pattern.name}`" in text
        assert pattern.name in get_resolver().reverse_dict
    for t in EventType:
        if 5000 <= t.value < 6000:
            assert f"| {EVENT_TYPE_LABELS[t]} | {t.value} |" in text
    assert "JUKI_DISCLOSURE_STAFF_POLICY" in text and "PDF" in text
