"""The disclosure document (開示文書) as an A4 PDF (docs/privacy-disclosure.md: the resident receives a document).

Rendered from a print template with IPAmj明朝 (docs/decisions/0004-pdf-rendering.md). Producing
it is audited like the HTML document — a DISCLOSURE_DOCUMENT event with the person as target,
here with ``format: pdf`` — so it shows up in the person's next disclosure (DESIGN §6).
Only holders of DISCLOSURE_MANAGE (窓口) produce it (security/roles.py).
"""

from __future__ import annotations

import re
import subprocess

import pytest
from tests.register.factories import add_household

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.disclosure import actions
from juki.disclosure.models import DisclosureRequest
from juki.register.access import access_resident
from juki.register.requesters import Requester

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text of a PDF as poppler's pdftotext extracts it (fails on an invalid PDF)."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _request(city, clerk, *, start: bool = True) -> tuple[DisclosureRequest, int]:
    (rec,) = add_household(city, [{"family_name": "印刷", "given_name": "文子", "family_name_kana": "インサツ",
                                   "given_name_kana": "フミコ"}])
    actor = Actor(clerk, "T-COUNTER-01")
    access_resident(actor, rec.person_id)
    req = actions.do_receive_disclosure_request(rec.person_id, kind="disclosure", received_on=clock.today(),
                                                requester=Requester(identity_document="passport"), actor=actor)
    if start:
        actions.do_start_disclosure_request(req.pk, actor=actor)
    return req, rec.person_id


def test_a_clerk_downloads_the_disclosure_document_as_a4_pdf(city, clerk, as_staff):
    req, person_id = _request(city, clerk)

    response = as_staff(clerk).get(f"/disclosure/{req.pk}/document.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="disclosure-{req.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Page size: +595.2\d* x 841.89 pts \(A4\)", info)
    text = pdf_text(response.content)
    for label in ("保有個人情報開示文書（住民基本台帳）", "開示請求番号", "宛名番号", "現在の記載事項", "除票の状況",
                  "履歴", "この方に関する異動", "開示・訂正・利用停止の請求", "アクセス記録"):
        assert label in text, label
    assert "印刷文子" in text  # the person's name (full-width space removed with the whitespace)
    assert f"{person_id:010d}" in text
    assert "住民票照会" in text  # the clerk's view is in the access record (RESIDENT_VIEW)


def test_the_pdf_is_audited_like_the_html_document_with_the_person_as_target(city, clerk, as_staff):
    req, person_id = _request(city, clerk)
    as_staff(clerk).get(f"/disclosure/{req.pk}/document.pdf")
    event = AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT).get()
    assert (event.staff_id, event.action, event.outcome) == ("clerk01", "print", Outcome.OK)
    assert event.targets == [f"{person_id:010d}"]
    assert event.detail["format"] == "pdf" and event.detail["request"] == req.pk


def test_the_html_document_records_format_html(city, clerk, as_staff):
    req, _ = _request(city, clerk)
    as_staff(clerk).get(f"/disclosure/{req.pk}/document/")
    assert AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT).get().detail["format"] == "html"


def test_a_pdf_for_a_request_not_yet_started_is_refused_and_the_refusal_audited(city, clerk, as_staff):
    req, _ = _request(city, clerk, start=False)
    response = as_staff(clerk).get(f"/disclosure/{req.pk}/document.pdf")
    assert response.status_code == 400 and not response.content.startswith(b"%PDF")
    assert "DISCLOSURE_DOCUMENT_NOT_STARTED" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT).exists()
    refusal = AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_ACTION_REFUSED).get()
    assert refusal.outcome == Outcome.INVALID and refusal.detail["format"] == "pdf"


@pytest.mark.parametrize("persona", ["auditor", "statistician", "approver", "admin"])
def test_personas_without_disclosure_manage_get_403_on_the_pdf(city, clerk, as_staff, request, persona):
    req, _ = _request(city, clerk)
    response = as_staff(request.getfixturevalue(persona)).get(f"/disclosure/{req.pk}/document.pdf")
    assert response.status_code == 403 and not response.content.startswith(b"%PDF")
    assert not AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT).exists()


def test_detail_page_links_to_the_pdf(city, clerk, as_staff):
    req, _ = _request(city, clerk)
    body = as_staff(clerk).get(f"/disclosure/{req.pk}/").content.decode()
    assert f'href="/disclosure/{req.pk}/document.pdf"' in body
