"""The issuance ledger (交付簿) and its daily report: every certificate issued, reprinted or voided.

Source: docs/certificates-issuance.md ("Every certificate issued, reprinted or voided — by whom, for whom, at whose
request, fee — with a daily ledger report"). Persons appear as addressee numbers, never names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from typing import Any

import pytest
from tests.register.factories import add_household, small_city

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.certificates import fees
from juki.certificates.actions import (
    IssueRequest,
    do_issue_certificate,
    do_reprint_certificate,
    do_void_certificate,
)
from juki.certificates.ledger import daily_ledger, ledger_csv
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def family(db: None) -> list[Any]:
    return add_household(small_city(), [{}, {}])


@pytest.fixture
def counter(clerk: Any, terminal: Any) -> Actor:
    return Actor(clerk, terminal.terminal_id, "127.0.0.1")


def own(rec: Any, **kw: Any) -> dict[str, Any]:
    return {"document_type": "copy_personal", "person_ids": [rec.person_id], "requester_type": "self",
            "requester_name": rec.full_name, "requester_person_id": rec.person_id, "identity_document": "passport",
            **kw}


@pytest.fixture
def a_day(counter: Actor, family: list[Any]) -> dict[str, Any]:
    """Three requests: a 2-copy personal copy, a household copy (reprinted), a public-body copy (voided)."""
    a = do_issue_certificate(IssueRequest.from_form(**own(family[0], copies=2)), actor=counter)
    b = do_issue_certificate(IssueRequest.from_form(**own(family[0], document_type="copy_household",
                                            person_ids=[p.person_id for p in family])), actor=counter)
    b2 = do_reprint_certificate(b.pk, reason="紙詰まり", actor=counter)
    c = do_issue_certificate(IssueRequest.from_form(document_type="copy_personal", person_ids=[family[1].person_id],
                             requester_type="public_body", requester_name="試験市税務課",
                             identity_document="official_id", purpose="課税調査"), actor=counter)
    do_void_certificate(c.pk, reason="誤交付", actor=counter)
    return {"a": a, "b": b, "b2": b2, "c": c}


def test_the_daily_ledger_lists_issues_reprints_and_voids_with_totals(a_day, family):
    ledger = daily_ledger(clock.today())
    events = [(r.cert.issuance_number, r.event) for r in ledger.rows]
    a, b, b2, c = (a_day[k].issuance_number for k in ("a", "b", "b2", "c"))
    assert sorted(events) == sorted([(a, "交付"), (b, "交付"), (b, "無効"), (b2, "再交付"), (c, "交付"),
                                   (c, "無効")])
    row_b = next(r for r in ledger.rows if r.cert.issuance_number == b)
    assert row_b.subject_count == 2 and row_b.persons == [f"{p.person_id:010d}" for p in family]
    assert row_b.status_label == "無効"  # voided by the reprint
    personal = next(t for t in ledger.totals if t.label == "住民票の写し（個人票）")
    household = next(t for t in ledger.totals if t.label == "住民票の写し（世帯連記式）")
    assert (personal.issued, personal.voided, personal.copies, personal.fee_yen) == (2, 1, 3, 600)
    assert (household.issued, household.reprinted, household.voided, household.fee_yen) == (1, 1, 1, 300)
    assert ledger.fee_total == 900  # 300×2 + 300, reprint and 公用 free


def test_a_void_on_a_later_day_appears_in_that_days_ledger(counter, family, monkeypatch):
    cert = do_issue_certificate(IssueRequest.from_form(**own(family[0])), actor=counter)
    tomorrow = clock.today() + dt.timedelta(days=1)
    later = clock.now() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    do_void_certificate(cert.pk, reason="翌日の取消し", actor=counter)
    rows = daily_ledger(tomorrow).rows
    assert [(r.cert.issuance_number, r.event, r.fee_yen) for r in rows] == [(cert.issuance_number, "無効", 0)]


def test_the_ledger_csv_has_numbers_not_names(a_day, family):
    data = ledger_csv(daily_ledger(clock.today()))
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:4] == ["交付番号", "日時", "区分", "証明書の種類"]
    assert any(r and r[0] == a_day["a"].issuance_number and r[10] == "" for r in rows)
    assert f"{family[0].person_id:010d}" in text
    assert "太郎" not in text and "試験 太郎" not in text
    assert rows[-1][1:] == ["合計", "3", "1", "2", "5", "900"]


def test_the_ledger_screen_csv_and_pdf_are_audited(as_staff, clerk, a_day):
    client = as_staff(clerk)
    page = client.get("/certificates/ledger/", {"date": clock.today().isoformat()})
    assert page.status_code == 200 and a_day["b2"].issuance_number in page.content.decode()
    response = client.get("/certificates/ledger/csv/", {"date": clock.today().isoformat()})
    assert response["Content-Disposition"].startswith("attachment;") and response["Cache-Control"] == "no-store"
    pdf = client.get("/certificates/ledger/pdf/", {"date": clock.today().isoformat()})
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert "交付簿" in text and a_day["a"].issuance_number in text
    assert AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_LEDGER_VIEWED).count() == 1
    formats = sorted(e.detail["format"] for e in AuditEvent.objects.filter(
        event_type=EventType.CERTIFICATE_LEDGER_EXPORTED))
    assert formats == ["csv", "pdf"]


def test_a_bad_ledger_date_is_refused(as_staff, clerk, db):
    response = as_staff(clerk).get("/certificates/ledger/", {"date": "2026-13-40"})
    assert response.status_code == 302


# --- fees --------------------------------------------------------------------------------------------


def test_the_fee_is_per_copy_times_copies_from_the_configured_table(settings, counter, family):
    settings.JUKI_CERTIFICATE_FEES = '{"copy_personal": 350}'
    cert = do_issue_certificate(IssueRequest.from_form(**own(family[0], copies=3)), actor=counter)
    assert cert.fee_yen == 1050 and cert.request.fee_yen == 1050


def test_the_move_out_certificate_is_free_by_default():
    assert fees.fee_for("move_out", 1, requester_type="self").total == 0
    assert fees.fee_for("removed_copy", 2, requester_type="self").total == 600


def test_a_configured_exemption_waives_the_fee_and_an_unknown_one_is_refused(settings, counter, family):
    settings.JUKI_CERTIFICATE_FEE_EXEMPTIONS = '["生活保護の申請のため"]'
    cert = do_issue_certificate(IssueRequest.from_form(**own(family[0], fee_exemption="生活保護の申請のため")), actor=counter)
    assert cert.fee_yen == 0 and cert.request.fee_exemption == "生活保護の申請のため"
    with pytest.raises(JukiError) as exc:
        do_issue_certificate(IssueRequest.from_form(**own(family[0], fee_exemption="知人だから")), actor=counter)
    assert exc.value.code == "CERTIFICATE_FEE_EXEMPTION_UNKNOWN"


def test_a_bad_fee_table_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.JUKI_CERTIFICATE_FEES = '{"copy_personal": -1}'
    with pytest.raises(ImproperlyConfigured):
        fees.fee_table()
    settings.JUKI_CERTIFICATE_FEES = '{"passport": 100}'
    with pytest.raises(ImproperlyConfigured):
        fees.fee_table()
