"""The access review report as an A4 PDF (docs/privacy-review.md: "as a page and as PDF/CSV").

The PDF is rendered from a print template with IPAmj明朝 (docs/decisions/0004-pdf-rendering.md);
it lists per-staff counts, the flags and the reviewers' marks with comments. Downloading it is
audited like the CSV (AUDIT_REVIEW_EXPORTED, format pdf; DESIGN §6). Only auditors hold
AUDIT_REVIEW (security/roles.py).
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.review.marks import do_mark_flag_reviewed
from juki.review.report import build_review
from juki.review.rules import RULE_OFF_HOURS

from .conftest import MONTH, Scenario

URL = "/audit/review/pdf/"


def pdf_text(data: bytes) -> str:
    """The text of a PDF as poppler's pdftotext extracts it (fails on an invalid PDF)."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def pdf_info(data: bytes) -> str:
    return subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_auditor_downloads_the_review_as_a4_pdf_with_counts_flags_and_marks(
        scenario: Scenario, auditor: Any, as_staff: Any) -> None:
    flag = next(f for f in build_review(*MONTH).flags if f.rule == RULE_OFF_HOURS)
    do_mark_flag_reviewed(*MONTH, flag.key, "夜間の転入対応。課長確認済み。", actor=Actor(auditor, "T-COUNTER-01"))

    response = as_staff(auditor).get(URL, {"month": "2026-10"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="access-review-2026-10-01-2026-10-31.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert re.search(r"Page size: +841.89 x 595.2\d* pts \(A4\)", pdf_info(response.content))  # A4 landscape
    text = pdf_text(response.content)
    for label in ("アクセス記録点検報告書", "点検期間", "2026年10月1日〜2026年10月31日", "職員別の件数",
                  "個人番号表示", "要確認事項と点検結果", "点検コメント"):
        assert label in text, label
    for sid in ("normal01", "night01", "heavy01", "surname01", "nochange01", "denied01"):
        assert sid in text, sid
    for title in ("執務時間外のアクセス", "同じ役割の職員と比べて多い件数", "拒否の繰り返し"):
        assert title in text, title
    assert "夜間の転入対応。課長確認済み。" in text and "確認済み" in text and "未点検" in text
    assert "氏名2件" in text  # search key types per staff (Hiroshima digest D2.13)


def test_the_pdf_download_is_audited_like_the_csv(scenario: Scenario, auditor: Any, as_staff: Any) -> None:
    as_staff(auditor).get(URL, {"date_from": "2026-10-01", "date_to": "2026-10-31"})
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_EXPORTED).get()
    assert (event.staff_id, event.action, event.outcome) == ("auditor01", "export", Outcome.OK)
    assert event.criteria == {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    assert event.detail["format"] == "pdf" and event.detail["flags"] == 5 and event.targets == []


def test_an_invalid_period_is_refused_without_a_pdf_and_the_refusal_is_audited(
        db: None, auditor: Any, as_staff: Any) -> None:
    response = as_staff(auditor).get(URL, {"date_from": "2026-10-31", "date_to": "2026-10-01"})
    assert response.status_code == 400 and not response.content.startswith(b"%PDF")
    assert "期間の開始日は終了日以前" in response.content.decode()
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_EXPORTED).get()
    assert event.outcome == Outcome.ERROR


def test_an_empty_period_still_gives_a_valid_pdf(db: None, auditor: Any, as_staff: Any) -> None:
    response = as_staff(auditor).get(URL, {"month": "2026-09"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "この期間に住民へのアクセスはありません。" in text and "要確認事項はありません。" in text


@pytest.mark.parametrize("persona", ["clerk", "approver", "admin"])
def test_personas_without_audit_review_get_403_and_no_export_is_logged(
        db: None, as_staff: Any, request: pytest.FixtureRequest, persona: str) -> None:
    response = as_staff(request.getfixturevalue(persona)).get(URL, {"month": "2026-10"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_EXPORTED).exists()


def test_report_page_links_to_the_pdf(db: None, auditor: Any, as_staff: Any) -> None:
    body = as_staff(auditor).get("/audit/review/", {"month": "2026-10"}).content.decode()
    assert "/audit/review/pdf/?date_from=2026-10-01&amp;date_to=2026-10-31" in body


def test_the_screen_and_the_print_template_share_the_staff_table_and_flag_texts(
        scenario: Scenario, auditor: Any, as_staff: Any) -> None:
    """Both templates include the same partials (audit/_review_staff_table.html,
    _review_flag.html, _review_mark.html), so the rows and the flag texts cannot drift apart."""
    from django.template.loader import render_to_string

    from juki.review.pdf import review_print_context

    flag = next(f for f in build_review(*MONTH).flags if f.rule == RULE_OFF_HOURS)
    do_mark_flag_reviewed(*MONTH, flag.key, "夜間の転入対応。", actor=Actor(auditor, "T-COUNTER-01"))
    review = build_review(*MONTH)
    printed = render_to_string("audit/review_print.html", review_print_context(review))
    screen = as_staff(auditor).get("/audit/review/", {"month": "2026-10"}).content.decode()

    def rows(html: str) -> list[str]:
        table = re.search(r"<table class=\"(?:staff|review-summary)\">.*?</table>", html, re.S)
        assert table is not None
        return [re.sub(r"<[^>]+>|\s+", "", r) for r in re.findall(r"<tr>.*?</tr>", table.group(0), re.S)]

    assert rows(screen) == rows(printed) and len(rows(screen)) == 1 + len(review.staff)
    assert "窓口" in rows(printed)[1]  # roles in Japanese on both
    for f in review.flags:
        text = render_to_string("audit/_review_flag.html", {"flag": f}).strip()
        assert text in screen and text in printed
    mark = render_to_string("audit/_review_mark.html", {"flag": review.flag(flag.key)}).strip()
    assert mark in screen and mark in printed
