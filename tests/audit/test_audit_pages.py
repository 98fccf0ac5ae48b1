"""Auditor pages at /audit/ (decision 0002: the auditor "read[s] and review[s] audit logs
... no resident browsing"; item 6: reads are logged; digests §5: access records are reviewed
by the responsible officer). Only AUDIT_READ reaches them — clerks and administrators get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from conftest import logged_in
from juki.audit.events import EVENT_TYPE_LABELS, EventType, Outcome, event_type_label
from juki.audit.log import record
from juki.audit.models import AuditEvent
from juki.core import clock


@pytest.fixture
def as_auditor(auditor, terminal) -> Client:
    return logged_in(Client(), auditor, terminal)


def _page(client: Client, **params) -> str:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_auditor_reaches_the_list_with_japanese_labels(as_auditor, log):
    html = _page(as_auditor)
    assert "操作記録" in html and "住民検索" in html and "住民票照会" in html
    assert 'href="/audit/10/"' in html


@pytest.mark.parametrize("persona", ["clerk", "admin"])
def test_a_clerk_and_an_administrator_are_refused(request, terminal, log, persona):
    staff = request.getfixturevalue(persona)
    client = logged_in(Client(), staff, terminal)
    for url in ("/audit/", "/audit/1/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "操作記録" not in response.content.decode().split("<main>")[1]
    denied = AuditEvent.objects.filter(event_type=EventType.ACCESS_DENIED, staff_id=staff.staff_id)
    assert denied.count() == 2  # the refusals are themselves audited


def test_an_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_viewing_the_list_is_itself_audited_with_its_filters(as_auditor, auditor, log):
    _page(as_auditor, staff_id="clerk01", person_id="100004")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.event_type == EventType.AUDIT_LOG_SEARCHED and event.staff_id == auditor.staff_id
    assert event.criteria == {"staff_id": "clerk01", "person_id": "100004"}
    assert event.targets == ["0000100004"] and event.terminal_id == "T-COUNTER-01"  # normalised 10-digit form


def test_viewing_an_event_is_itself_audited(as_auditor, auditor, log):
    response = as_auditor.get("/audit/4/")
    assert response.status_code == 200
    html = response.content.decode()
    assert log[3].hash in html and "内容はハッシュと一致します" in html and "前の記録とつながっています" in html
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.event_type == EventType.AUDIT_EVENT_VIEWED and event.detail == {"seq": 4, "event_id": log[3].pk}


def test_the_detail_page_flags_an_event_whose_content_no_longer_matches(as_auditor, log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="clerk99")
    html = as_auditor.get("/audit/4/").content.decode()
    assert "内容がハッシュと一致しません" in html


def test_an_unknown_seq_is_not_found(as_auditor, log):
    assert as_auditor.get("/audit/999/").status_code == 404


def _seqs(html: str) -> list[int]:
    import re

    return [int(s) for s in re.findall(r'<td><a href="/audit/(\d+)/">', html)]


@pytest.mark.parametrize(("params", "expected"), [
    ({"staff_id": "clerk02"}, [10, 8, 6, 4, 2]),
    ({"event_type": str(int(EventType.RESIDENT_SEARCH))}, [10, 8, 6, 4, 2]),
    ({"function": "resident.view"}, [9, 7, 5, 3, 1]),
    ({"person_id": "100006"}, [7]),
    ({"terminal_id": "T-OTHER"}, [11]),
    ({"outcome": "denied"}, [11]),
])
def test_the_list_filters(as_auditor, log, params, expected):
    record(EventType.ACCESS_DENIED, action="deny", function="audit.read", staff_id="clerk01",
           terminal_id="T-OTHER", outcome=Outcome.DENIED)
    assert _seqs(_page(as_auditor, **params)) == expected


def test_the_list_filters_by_date_range_in_japan_time(as_auditor, monkeypatch, db):
    jst = dt.timezone(dt.timedelta(hours=9))
    for day, hour in [(1, 0), (1, 23), (2, 0), (3, 12)]:
        monkeypatch.setattr(clock, "now", lambda d=day, h=hour: dt.datetime(2026, 5, d, h, 30, tzinfo=jst))
        record(EventType.PAGE_VIEW, action="view", function="session", staff_id="clerk01")
    monkeypatch.undo()
    html = _page(as_auditor, date_from="2026-05-01", date_to="2026-05-02", staff_id="clerk01")
    assert _seqs(html) == [3, 2, 1]


def test_a_reversed_date_range_is_refused_with_a_japanese_message(as_auditor, log):
    response = as_auditor.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert "開始日は終了日以前" in response.content.decode()


def test_the_list_is_paged_fifty_at_a_time_by_seq(as_auditor, db):
    for _ in range(120):
        record(EventType.PAGE_VIEW, action="view", function="session", staff_id="clerk01")
    first = _page(as_auditor, staff_id="clerk01")
    assert _seqs(first) == list(range(120, 70, -1))
    assert "before=71" in first
    second = _page(as_auditor, staff_id="clerk01", before="71")
    assert _seqs(second) == list(range(70, 20, -1))
    newer = _page(as_auditor, staff_id="clerk01", after="70")
    assert _seqs(newer) == list(range(120, 70, -1))


def test_every_event_type_has_a_japanese_label():
    missing = [t.name for t in EventType if t not in EVENT_TYPE_LABELS]
    assert missing == [], f"add a label in juki/audit/events.py EVENT_TYPE_LABELS for {missing}"
    assert event_type_label(EventType.AUDIT_CHECKPOINT) == "操作記録チェックポイント作成"
    assert event_type_label(123456) == "種別 123456"
