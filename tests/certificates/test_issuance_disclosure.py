"""The disclosure document lists the certificates issued about the person (docs/privacy-disclosure.md,
docs/certificates-issuance.md): date, document type, requester type and issuance number — nothing of other persons.

Source: 個人情報保護法76条 (開示請求): the resident learns what was provided about them; the
ledger (交付簿) is the record of each certificate issued.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.register.factories import add_household, small_city

from juki.certificates.actions import IssueRequest, do_issue_certificate, do_reprint_certificate
from juki.core import clock
from juki.core.actor import Actor
from juki.disclosure import actions
from juki.disclosure.document import disclosure_document
from juki.disclosure.models import RequestKind
from juki.register.requesters import Requester


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_disclosure_document_lists_certificates_issued_about_the_person(clerk, terminal, as_staff):
    city = small_city()
    me, child = add_household(city, [{}, {}])
    (other,) = add_household(city, [{"family_name": "他人"}], banchi="5番")
    counter = Actor(clerk, terminal.terminal_id, "127.0.0.1")
    mine = do_issue_certificate(IssueRequest.from_form(document_type="copy_personal", person_ids=[me.person_id],
                                requester_type="third_party", requester_name="債権 者", identity_document="passport",
                                purpose="訴訟のため", purpose_category="own_rights"), actor=counter)
    reprint = do_reprint_certificate(mine.pk, reason="紙詰まり", actor=counter)
    theirs = do_issue_certificate(IssueRequest.from_form(document_type="copy_personal", person_ids=[other.person_id],
                                  requester_type="self", requester_name="他人", requester_person_id=other.person_id,
                                  identity_document="passport"), actor=counter)

    req = actions.do_receive_disclosure_request(me.person_id, kind=RequestKind.DISCLOSURE, received_on=clock.today(),
                                                requester=Requester(identity_document="passport"), actor=counter)
    actions.do_start_disclosure_request(req.pk, actor=counter)
    doc = disclosure_document(counter, req.pk)
    numbers = [c["number"] for c in doc.certificates]
    assert numbers == [mine.issuance_number, reprint.issuance_number]
    assert theirs.issuance_number not in numbers
    first = doc.certificates[0]
    assert first["document_type"] == "住民票の写し（個人票）" and first["requester_type"].startswith("本人等以外の者")
    assert first["status"] == "無効" and doc.certificates[1]["reprint"] is True

    html = as_staff(clerk).get(f"/disclosure/{req.pk}/document/").content.decode()
    assert "交付した証明書" in html and mine.issuance_number in html and theirs.issuance_number not in html
