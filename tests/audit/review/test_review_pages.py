"""Auditor screens for the access review (docs/privacy-review.md): report, CSV, marking flags reviewed.
Every use is audited (DESIGN §6); only auditors hold AUDIT_REVIEW (security/roles.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent, ReviewMark
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.review.marks import do_mark_flag_reviewed
from juki.review.report import build_review
from juki.review.rules import RULE_OFF_HOURS

from .conftest import MONTH, Scenario

URLS = ["/audit/review/", "/audit/review/csv/"]


def _flag(rule: str) -> Any:
    return next(f for f in build_review(*MONTH).flags if f.rule == rule)


def test_auditor_sees_report_with_flags_and_the_view_is_audited(scenario: Scenario, auditor: Any,
                                                                 as_staff: Any) -> None:
    response = as_staff(auditor).get("/audit/review/", {"month": "2026-10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "アクセス記録の点検" in body
    for sid in ("normal01", "night01", "heavy01", "surname01", "nochange01", "denied01"):
        assert sid in body
    for title in ("執務時間外のアクセス", "同じ役割の職員と比べて多い件数", "職員と同じ氏の住民の照会",
                  "異動・請求のない住民の照会", "拒否の繰り返し"):
        assert title in body
    assert "氏名 2件" in body  # search key type counts (Hiroshima D2.13)
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_VIEWED).get()
    assert event.staff_id == "auditor01" and event.outcome == Outcome.OK
    assert event.criteria == {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    assert event.detail["flags"] == 5 and event.targets == []


def test_range_is_accepted_and_a_reversed_range_is_refused(scenario: Scenario, auditor: Any, as_staff: Any) -> None:
    client = as_staff(auditor)
    ok = client.get("/audit/review/", {"date_from": "2026-10-05", "date_to": "2026-10-05"})
    assert ok.status_code == 200 and "night01" in ok.content.decode()
    bad = client.get("/audit/review/", {"date_from": "2026-10-06", "date_to": "2026-10-05"})
    assert bad.status_code == 400
    assert "開始日は終了日以前" in bad.content.decode()
    assert AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_VIEWED, outcome=Outcome.ERROR).exists()


def test_csv_has_staff_ids_counts_and_flags_but_no_resident_data(scenario: Scenario, auditor: Any,
                                                                 as_staff: Any) -> None:
    response = as_staff(auditor).get("/audit/review/csv/", {"month": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_id = {r["職員ID"]: r for r in rows}
    assert set(by_id) == {"normal01", "night01", "heavy01", "surname01", "nochange01", "denied01"}
    assert by_id["heavy01"]["検索"] == "40"
    assert by_id["night01"]["要確認:執務時間外のアクセス"] == "1"
    assert by_id["normal01"]["未点検の要確認事項"] == "0"
    assert by_id["normal01"]["検索条件の種類と件数"] == "生年月日:2;氏名:2"
    for person in [*scenario.shiken, *scenario.yamada]:
        assert person.family_name not in text and person.given_name not in text
        assert f"{person.person_id:010d}" not in text  # addressee numbers left out too
    assert "普通" not in text  # not even staff names
    assert AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_EXPORTED, staff_id="auditor01").exists()


def test_marking_a_flag_reviewed_stores_the_comment_and_is_audited(scenario: Scenario, auditor: Any,
                                                                  as_staff: Any) -> None:
    flag = _flag(RULE_OFF_HOURS)
    client = as_staff(auditor)
    response = client.post("/audit/review/mark/", {"date_from": "2026-10-01", "date_to": "2026-10-31",
                                                    "flag_key": flag.key, "comment": "夜間の転入対応。課長確認済み。"})
    assert response.status_code == 302
    mark = ReviewMark.objects.get(flag_key=flag.key)
    assert (mark.comment, mark.reviewed_by, mark.staff_id, mark.rule) == (
        "夜間の転入対応。課長確認済み。", "auditor01", "night01", RULE_OFF_HOURS)
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_MARKED).get()
    assert event.outcome == Outcome.OK and event.staff_id == "auditor01"
    assert event.detail["flag_key"] == flag.key and event.detail["comment"] == "夜間の転入対応。課長確認済み。"

    page = client.get(response["Location"]).content.decode()
    assert "確認済み" in page and "夜間の転入対応。課長確認済み。" in page
    assert _flag(RULE_OFF_HOURS).reviewed


def test_remarking_keeps_the_previous_comment_in_the_log(scenario: Scenario, auditor: Any) -> None:
    flag = _flag(RULE_OFF_HOURS)
    actor = Actor(auditor, "T-COUNTER-01")
    do_mark_flag_reviewed(*MONTH, flag.key, "一回目", actor=actor)
    do_mark_flag_reviewed(*MONTH, flag.key, "二回目", actor=actor)
    assert ReviewMark.objects.get(flag_key=flag.key).comment == "二回目"
    last = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_MARKED).order_by("-seq").first()
    assert last is not None and last.detail["previous_comment"] == "一回目"


@pytest.mark.parametrize(("key", "comment", "code"), [
    ("off_hours|normal01|2026-10-05", "確認", "REVIEW_FLAG_NOT_FOUND"),  # not a flag of the report
    (None, "", "REVIEW_COMMENT_REQUIRED"),
])
def test_mark_is_refused_for_unknown_flag_or_empty_comment_and_the_refusal_is_audited(
        scenario: Scenario, auditor: Any, key: str | None, comment: str, code: str) -> None:
    key = key or _flag(RULE_OFF_HOURS).key
    with pytest.raises(JukiError) as exc:
        do_mark_flag_reviewed(*MONTH, key, comment, actor=Actor(auditor, "T-COUNTER-01"))
    assert exc.value.code == code
    assert not ReviewMark.objects.exists()
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_MARKED).get()
    assert event.outcome == Outcome.INVALID and event.detail["code"] == code


def test_clerk_cannot_mark_through_the_action(scenario: Scenario, clerk: Any) -> None:
    with pytest.raises(JukiError) as exc:
        do_mark_flag_reviewed(*MONTH, _flag(RULE_OFF_HOURS).key, "x", actor=Actor(clerk, "T-COUNTER-01"))
    assert exc.value.code == "FORBIDDEN"
    assert not ReviewMark.objects.exists()


@pytest.mark.parametrize("url", URLS)
def test_clerk_gets_403_on_review_pages(db: None, clerk: Any, as_staff: Any, url: str) -> None:
    assert as_staff(clerk).get(url, {"month": "2026-10"}).status_code == 403


def test_clerk_gets_403_on_mark(scenario: Scenario, clerk: Any, as_staff: Any) -> None:
    response = as_staff(clerk).post("/audit/review/mark/", {"date_from": "2026-10-01", "date_to": "2026-10-31",
                                                            "flag_key": _flag(RULE_OFF_HOURS).key, "comment": "x"})
    assert response.status_code == 403
    assert not ReviewMark.objects.exists()


def test_menu_shows_review_to_auditor_only(db: None, auditor: Any, clerk: Any, terminal: Any) -> None:
    from juki.web.menu import menu_for

    assert "/audit/review/" in [e.url for e in menu_for(auditor, terminal)]
    assert "/audit/review/" not in [e.url for e in menu_for(clerk, terminal)]


def test_review_mark_labels_exist() -> None:
    from juki.audit.events import EVENT_TYPE_LABELS

    for t in (EventType.AUDIT_REVIEW_VIEWED, EventType.AUDIT_REVIEW_EXPORTED, EventType.AUDIT_REVIEW_MARKED):
        assert EVENT_TYPE_LABELS[t]


def test_without_a_period_the_current_month_is_shown(db: None, auditor: Any, as_staff: Any) -> None:
    from juki.core import clock

    today = clock.today()
    response = as_staff(auditor).get("/audit/review/")
    assert response.status_code == 200
    assert f"{today.year}年{today.month}月1日" in response.content.decode()
