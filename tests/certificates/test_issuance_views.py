"""The counter screens for certificates (/certificates/): form, issue, detail, download, reprint, void.

Sources: docs/certificates-issuance.md (the requester, identity document, purpose and fee are recorded;
a protected record shows a prominent warning at the counter); DESIGN §6 (deny by default).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.register.factories import add_household, small_city

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.certificates.models import Certificate, CertificateStatus
from juki.core import clock
from juki.core.actor import Actor
from juki.security.roles import Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def family(db: None) -> list[Any]:
    return add_household(small_city(), [{}, {}])


def issue_form(rec: Any, **kw: Any) -> dict[str, Any]:
    return {"document_type": "copy_personal", "person_ids": [f"{rec.person_id:010d}"], "requester_type": "self",
            "requester_name": rec.full_name, "requester_person_id": f"{rec.person_id:010d}",
            "identity_document": "my_number_card", "copies": "2", "options": ["householder_and_relationship"], **kw}


def test_the_form_shows_the_household_with_the_person_preselected(as_staff, clerk, family):
    page = as_staff(clerk).get("/certificates/new/", {"person": f"{family[0].person_id:010d}"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "太郎1" in html and "太郎2" in html
    assert f'value="{family[0].person_id:010d}" id="person-{family[0].person_id:010d}" checked' in html
    assert f'value="{family[1].person_id:010d}" id="person-{family[1].person_id:010d}">' in html
    # Looking up the household at the counter is a resident view, audited.
    assert AuditEvent.objects.filter(event_type=EventType.RESIDENT_VIEW, staff_id="clerk01").exists()


def test_issuing_from_the_form_records_the_request_and_shows_the_download(as_staff, clerk, family):
    client = as_staff(clerk)
    response = client.post("/certificates/new/", issue_form(family[0]))
    cert = Certificate.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certificates/{cert.pk}/"
    assert cert.request.copies == 2 and cert.fee_yen == 600  # 300 yen × 2 copies
    page = client.get(f"/certificates/{cert.pk}/").content.decode()
    assert cert.issuance_number in page and "PDFをダウンロード" in page and "600円" in page

    pdf = client.get(f"/certificates/{cert.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="certificate-{cert.issuance_number}.pdf"'
    assert pdf["Cache-Control"] == "no-store" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_DOWNLOADED).count() == 1

    listing = client.get("/certificates/").content.decode()
    assert cert.issuance_number in listing


def test_a_refused_request_shows_the_reason_and_keeps_the_input(as_staff, clerk, family):
    response = as_staff(clerk).post("/certificates/new/", issue_form(
        family[0], requester_type="third_party", purpose="", requester_name="第三 者", identity_document="passport"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "CERTIFICATE_PURPOSE_REQUIRED" in html and "第三 者" in html
    assert not Certificate.objects.exists()


def test_reprint_and_void_from_the_detail_page(as_staff, clerk, family):
    client = as_staff(clerk)
    client.post("/certificates/new/", issue_form(family[0]))
    cert = Certificate.objects.get()
    assert client.post(f"/certificates/{cert.pk}/reprint/", {"reason": ""}).status_code == 302
    assert Certificate.objects.count() == 1  # refused: no reason
    response = client.post(f"/certificates/{cert.pk}/reprint/", {"reason": "紙詰まり"})
    reprint = Certificate.objects.exclude(pk=cert.pk).get()
    assert response["Location"] == f"/certificates/{reprint.pk}/"
    client.post(f"/certificates/{reprint.pk}/void/", {"reason": "申出による取消し"})
    reprint.refresh_from_db()
    assert reprint.status == CertificateStatus.VOIDED
    page = client.get(f"/certificates/{reprint.pk}/").content.decode()
    assert "無効" in page and "PDFをダウンロード" not in page
    assert client.get(f"/certificates/{reprint.pk}/pdf/").status_code == 302  # refused, back to the detail


def test_the_counter_sees_a_prominent_protection_warning(as_staff, clerk, make_staff, terminal, family):
    """事務処理要領 第5-10 / docs/protection.md: the counter sees a prominent warning for a protected record."""
    from juki.protection import actions as protection

    po1 = Actor(make_staff("po01", Role.PROTECTION_OFFICER), terminal.terminal_id)
    po2 = Actor(make_staff("po02", Role.PROTECTION_OFFICER), terminal.terminal_id)
    m = protection.do_register_measure(family[1].person_id, kind="dv", applied_on=clock.today(),
                                       opinion_source="police", offenders=[{"name": "加害　一郎"}], actor=po1)
    protection.do_confirm_measure(m.pk, actor=po2)
    html = as_staff(clerk).get("/certificates/new/", {"person": f"{family[0].person_id:010d}"}).content.decode()
    assert 'id="protection-warning"' in html and f"{family[1].person_id:010d}" in html


def test_the_resident_page_links_to_issuing_with_the_person(as_staff, clerk, family):
    html = as_staff(clerk).get(f"/register/persons/{family[0].person_id}/").content.decode()
    assert f'/certificates/new/?person={family[0].person_id:010d}' in html


ALL_PATHS = ["/certificates/", "/certificates/new/", "/certificates/1/", "/certificates/1/pdf/",
             "/certificates/1/reprint/", "/certificates/1/void/", "/certificates/ledger/", "/certificates/ledger/csv/",
             "/certificates/ledger/pdf/"]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_staff_without_the_issuing_function_are_denied(as_staff, auditor, path):
    """DESIGN §6 deny by default: every certificate screen declares CERTIFICATE_ISSUE (窓口 only)."""
    assert as_staff(auditor).get(path).status_code == 403


@pytest.mark.parametrize("path", ALL_PATHS)
def test_clerks_reach_every_certificate_screen(as_staff, clerk, path):
    response = as_staff(clerk).get(path)
    assert response.status_code != 403 and response.wsgi_request.juki_function == "certificate.issue"


def test_the_menu_offers_issuing_and_the_ledger_to_clerks(as_staff, clerk):
    html = as_staff(clerk).get("/").content.decode()
    assert 'href="/certificates/"' in html and 'href="/certificates/ledger/"' in html


def test_after_voiding_the_public_verification_page_shows_void(as_staff, clerk, family):
    """docs/certificates-verification.md: a voided certificate stays in the ledger and no longer verifies as valid."""
    from django.test import Client

    as_staff(clerk).post("/certificates/new/", issue_form(family[0]))
    cert = Certificate.objects.get()
    assert 'data-status="valid"' in Client().get(f"/verify/{cert.verification_code}").content.decode()
    as_staff(clerk).post(f"/certificates/{cert.pk}/void/", {"reason": "誤交付"})
    page = Client().get(f"/verify/{cert.verification_code}").content.decode()
    assert 'data-status="void"' in page and "無効" in page and "太郎" not in page
