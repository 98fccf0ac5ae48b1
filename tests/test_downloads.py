"""Every file handed out by a staff screen is an attachment the browser must not cache."""

from __future__ import annotations

from juki.web.downloads import attachment


def test_a_download_is_an_attachment_with_its_name_and_is_never_cached():
    r = attachment(b"a,b\r\n", content_type="text/csv; charset=utf-8", filename="ledger-2026-11-22.csv")
    assert r.content == b"a,b\r\n" and r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="ledger-2026-11-22.csv"'
    assert r["Cache-Control"] == "no-store"
