"""Issuing certificates at the counter (証明書の交付): requester rules, options, protection, numbers.

Sources: 住民基本台帳法12条 (本人又は同一世帯の者の請求), 12条の2 (国又は地方公共団体の機関の請求),
12条の3 (本人等以外の者の請求: 請求事由を明らかにして), 番号利用法 / 住基法12条5項 (個人番号は本人等の
請求に限り、既定では記載しない); docs/certificates-issuance.md.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from tests.register.factories import City, add_household, small_city

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.certificates import actions
from juki.certificates.actions import (
    IssueRequest,
    do_issue_certificate,
    do_reprint_certificate,
    do_void_certificate,
    open_pdf,
)
from juki.certificates.models import Certificate, CertificateRequest, CertificateStatus
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.register.models import RecordStatus, RemovalReason
from juki.security.models import Staff
from juki.security.roles import Role

MY_NUMBER = "123456789018"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def family(city: City) -> list[Any]:
    """試験 太郎1 (householder, with a My Number) and 試験 太郎2 (child)."""
    return add_household(city, [{"my_number": MY_NUMBER}, {}])


@pytest.fixture
def neighbour(city: City) -> Any:
    return add_household(city, [{"family_name": "隣人", "given_name": "一郎", "family_name_kana": "リンジン",
                                 "given_name_kana": "イチロウ"}], banchi="9番9号")[0]


@pytest.fixture
def counter(clerk: Staff, terminal: Any) -> Actor:
    return Actor(clerk, terminal.terminal_id, "127.0.0.1")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def own_request(rec: Any, **kw: Any) -> dict[str, Any]:
    """A 12条 request by the person themself."""
    return {"document_type": "copy_personal", "person_ids": [rec.person_id], "requester_type": "self",
            "requester_name": rec.full_name, "requester_person_id": rec.person_id,
            "identity_document": "my_number_card", **kw}


def third_party(rec: Any, **kw: Any) -> dict[str, Any]:
    return {"document_type": "copy_personal", "person_ids": [rec.person_id], "requester_type": "third_party",
            "requester_name": "債権 回収", "requester_address": "東京都千代田区1-1", "identity_document": "driving_licence",
            "purpose": "貸金返還請求訴訟の提起のため", "purpose_category": "own_rights", **kw}


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_REFUSED).order_by("seq"))


def assert_refused(counter: Actor, code: str, outcome: str = Outcome.INVALID, **request: Any) -> JukiError:
    before = (Certificate.objects.count(), CertificateRequest.objects.count(), len(refusals()))
    with pytest.raises(JukiError) as exc:
        do_issue_certificate(IssueRequest.from_form(**request), actor=counter)
    assert exc.value.code == code
    assert (Certificate.objects.count(), CertificateRequest.objects.count()) == before[:2], "nothing issued"
    events = refusals()
    # Refused by a rule on the request (住基法12条の2・12条の3, the form): 入力・要件の不備, not 拒否;
    # a 支援措置 refusal is a refusal of authority (拒否).
    assert len(events) == before[2] + 1 and events[-1].outcome == outcome
    assert events[-1].detail["code"] == code
    return exc.value


# --- issuing -----------------------------------------------------------------------------------------


def test_a_person_gets_their_resident_copy_signed_stored_encrypted_in_the_ledger_and_audited(counter, family):
    """住基法12条: the person asks for their own 住民票の写し; the ledger row holds everything."""
    me = family[0]
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(me)), actor=counter)

    assert re.fullmatch(rf"{clock.today().year}-\d{{6}}", cert.issuance_number)
    assert cert.status == CertificateStatus.ISSUED and cert.issued_by == "clerk01"
    assert cert.person_ids == [me.person_id] and cert.fee_yen == 300 and cert.page_count >= 1
    pdf = open_pdf(cert)
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf  # signed
    assert b"%PDF" not in bytes(cert.pdf_enc)[:64]  # stored encrypted
    import hashlib

    assert cert.content_sha256 == hashlib.sha256(pdf).hexdigest()
    text = pdf_text(pdf)
    assert "試験" in text and "太郎1" in text and cert.issuance_number in text
    req = cert.request
    assert (req.requester_type, req.identity_document, req.copies, req.fee_yen) == ("self", "my_number_card", 1, 300)
    assert req.options["my_number"] is False  # never by default

    event = AuditEvent.objects.get(event_type=EventType.CERTIFICATE_ISSUED)
    assert event.action == "print" and event.function == "certificate.issue" and event.staff_id == "clerk01"
    assert event.targets == [f"{me.person_id:010d}"]
    assert event.detail["document_type"] == "copy_personal" and event.detail["requester_type"] == "self"
    assert event.detail["issuance_number"] == cert.issuance_number
    assert "太郎" not in str(event.detail) and "試験" not in str(event.detail)  # no names in the detail


def test_a_household_member_may_ask_for_the_whole_household_under_article_12(counter, family):
    """住基法12条1項: a member of the same household (per the register) may ask for the others."""
    child = family[1]
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(
        child, document_type="copy_household", person_ids=[family[0].person_id, child.person_id])), actor=counter)
    text = pdf_text(open_pdf(cert))
    assert "太郎1" in text and "太郎2" in text


def test_someone_outside_the_household_is_refused_under_article_12(counter, family, neighbour):
    """住基法12条: the requester must be the person or in the same household — else 12条の3 applies."""
    assert_refused(counter, "CERTIFICATE_NOT_SAME_HOUSEHOLD", **own_request(neighbour, person_ids=[family[0].person_id]))


def _remove(rec: Any) -> None:
    rec.status, rec.removal_reason, rec.removed_on = RecordStatus.REMOVED, RemovalReason.MOVE_OUT, dt.date(2025, 3, 31)
    rec.retention_until = dt.date(2175, 3, 31)
    rec.save()


def test_a_requester_who_left_may_ask_only_about_those_who_left_with_them(family):
    """住基法12条: membership of the household is judged on the register; a requester who moved
    out is no longer a member of the household that stayed, but is of the one that left."""
    from juki.certificates.actions import Requester, check_requester

    me, child = family
    _remove(me)
    requester = Requester(requester_type="self", name=me.full_name, person_id=me.person_id,
                          identity_document="passport")
    with pytest.raises(JukiError) as exc:
        check_requester(requester, [me.person_id, child.person_id], {})
    assert exc.value.code == "CERTIFICATE_NOT_SAME_HOUSEHOLD"
    _remove(child)
    check_requester(requester, [me.person_id, child.person_id], {})  # both left together: allowed


def test_an_article_12_request_needs_the_requesters_addressee_number_and_a_personal_id(counter, family):
    me = family[0]
    assert_refused(counter, "CERTIFICATE_REQUESTER_PERSON_REQUIRED", **own_request(me, requester_person_id=None))
    assert_refused(counter, "CERTIFICATE_IDENTITY_REQUIRED", **own_request(me, identity_document=""))
    assert_refused(counter, "CERTIFICATE_IDENTITY_NOT_PERSONAL", **own_request(me, identity_document="official_id"))


def test_a_public_body_needs_its_name_purpose_and_official_id_and_pays_no_fee(counter, family):
    """住基法12条の2: 国又は地方公共団体の機関 — purpose and the official's ID; 公用 is fee-exempt."""
    base = {"document_type": "copy_personal", "person_ids": [family[0].person_id], "requester_type": "public_body",
            "requester_name": "試験県警察本部", "identity_document": "official_id", "purpose": "捜査関係事項照会のため"}
    assert_refused(counter, "CERTIFICATE_PURPOSE_REQUIRED", **{**base, "purpose": ""})
    assert_refused(counter, "CERTIFICATE_OFFICIAL_ID_REQUIRED", **{**base, "identity_document": "driving_licence"})
    assert_refused(counter, "CERTIFICATE_REQUESTER_NAME_REQUIRED", **{**base, "requester_name": " "})
    cert = do_issue_certificate(IssueRequest.from_form(**base, copies=2), actor=counter)
    assert cert.fee_yen == 0 and cert.request.fee_exemption == "公用請求"


def test_a_third_party_without_a_purpose_is_refused_and_nothing_is_issued(counter, family):
    """住基法12条の3第1項 and docs/certificates-issuance.md: a third-party request without purpose is refused, audited."""
    assert_refused(counter, "CERTIFICATE_PURPOSE_REQUIRED", **third_party(family[0], purpose="  "))
    assert_refused(counter, "CERTIFICATE_PURPOSE_CATEGORY_REQUIRED", **third_party(family[0], purpose_category=""))


def test_a_third_partys_purpose_and_its_legal_ground_are_recorded(counter, family):
    """住基法12条の3第1項各号: 自己の権利行使・義務履行 / 国等への提出 / その他正当な理由."""
    cert = do_issue_certificate(IssueRequest.from_form(**third_party(family[0], purpose_category="submission",
                                                       purpose="家庭裁判所への提出")), actor=counter)
    req = cert.request
    assert (req.requester_type, req.purpose_category, req.purpose) == ("third_party", "submission", "家庭裁判所への提出")
    event = AuditEvent.objects.get(event_type=EventType.CERTIFICATE_ISSUED)
    assert event.purpose == "家庭裁判所への提出" and event.detail["purpose_category"] == "submission"


@pytest.mark.parametrize("requester", ["third_party", "public_body"])
@pytest.mark.parametrize("option", ["my_number", "domicile"])
def test_my_number_and_domicile_are_refused_unless_the_person_or_household_asks(counter, family, requester, option):
    """番号利用法・住基法12条5項 / 12条の3第7項: 個人番号・本籍 only on a 12条 request."""
    request = third_party(family[0]) if requester == "third_party" else {
        "document_type": "copy_personal", "person_ids": [family[0].person_id], "requester_type": "public_body",
        "requester_name": "試験市税務課", "identity_document": "official_id", "purpose": "課税調査"}
    exc = assert_refused(counter, "CERTIFICATE_OPTION_NOT_ALLOWED", **request, options={option: True})
    assert exc.field == f"options.{option}"
    assert ("12条の3" if requester == "third_party" else "12条の2") in exc.message


def test_a_my_number_copy_prints_the_number_and_audits_a_purpose_bound_reveal(counter, family):
    """The My Number is decrypted inside the action for this purpose only; never logged in clear."""
    me = family[0]
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(me, options={"my_number": True})), actor=counter)
    text = pdf_text(open_pdf(cert)).replace(" ", "")
    assert MY_NUMBER in text
    reveal = AuditEvent.objects.get(event_type=EventType.MY_NUMBER_REVEALED)
    assert reveal.purpose == actions.MY_NUMBER_PURPOSE and reveal.targets == [f"{me.person_id:010d}"]
    assert reveal.function == "certificate.issue"
    for event in AuditEvent.objects.all():
        assert MY_NUMBER not in str(event.detail) + event.purpose
    assert AuditEvent.objects.get(event_type=EventType.CERTIFICATE_ISSUED).detail["my_number"] is True


def test_a_removed_person_on_a_current_record_form_is_refused(counter, family):
    """docs/certificates-issuance.md: a removed person (除票) on a 住民票の写し is refused with a specific message."""
    me = family[1]
    me.status, me.removal_reason, me.removed_on = RecordStatus.REMOVED, RemovalReason.DEATH, dt.date(2024, 1, 1)
    me.retention_until = dt.date(2174, 1, 1)
    me.save()
    assert_refused(counter, "certificate.removed_on_current_form",
                   **own_request(family[0], person_ids=[me.person_id]))


def test_an_unknown_person_is_refused(counter, family):
    exc = assert_refused(counter, "CERTIFICATE_PERSON_NOT_FOUND", **own_request(family[0], person_ids=[9_999_999]))
    assert "0009999999" in exc.message


def test_staff_without_the_issuing_function_are_refused(auditor, terminal, family):
    with pytest.raises(JukiError) as exc:
        do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=Actor(auditor, terminal.terminal_id))
    assert exc.value.code == "FORBIDDEN" and not Certificate.objects.exists()


def test_copies_must_be_between_one_and_twenty(counter, family):
    assert_refused(counter, "CERTIFICATE_COPIES", **own_request(family[0], copies=0))
    assert_refused(counter, "CERTIFICATE_COPIES", **own_request(family[0], copies="21"))


# --- protection (支援措置) ---------------------------------------------------------------------------


@pytest.fixture
def protected(make_staff: Callable[..., Staff], terminal: Any, family: list[Any]) -> Any:
    """family[0] is under a DV measure; the named offender is 加害 一郎."""
    from juki.protection import actions as protection

    po1 = Actor(make_staff("po01", Role.PROTECTION_OFFICER), terminal.terminal_id)
    po2 = Actor(make_staff("po02", Role.PROTECTION_OFFICER), terminal.terminal_id)
    m = protection.do_register_measure(
        family[0].person_id, kind="dv", applied_on=clock.today(), opinion_source="police", opinion_note="試験警察署",
        offenders=[{"name": "加害　一郎", "name_kana": "カガイ　イチロウ"}], actor=po1)
    return protection.do_confirm_measure(m.pk, actor=po2)


def test_a_third_party_request_for_a_protected_record_is_refused_and_nothing_is_issued(counter, family, protected):
    """事務処理要領 第5-10 / docs/protection.md: a protected record is not issued to third parties; audited."""
    assert_refused(counter, "protection.refused", Outcome.DENIED, **third_party(family[0]))
    assert AuditEvent.objects.filter(event_type=EventType.PROTECTION_ISSUANCE_REFUSED).count() == 1


def test_the_named_offender_is_refused_even_as_a_public_body_request(counter, family, protected):
    assert_refused(counter, "protection.refused", Outcome.DENIED, document_type="copy_personal", person_ids=[family[0].person_id],
                   requester_type="public_body", requester_name="加害　一郎", identity_document="official_id",
                   purpose="照会")


def test_the_person_under_protection_still_gets_their_own_copy(counter, family, protected):
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    assert cert.status == CertificateStatus.ISSUED
    assert AuditEvent.objects.get(event_type=EventType.CERTIFICATE_ISSUED).detail["protection_warnings"] == 1


# --- issuance numbers ------------------------------------------------------------------------------


def test_issuance_numbers_are_consecutive_and_a_refused_issue_uses_none(counter, family, monkeypatch):
    """Gap-free: the number is drawn in the issuing transaction and rolls back with a failure."""
    first = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    from juki.certificates import documents

    def broken(*a: Any, **k: Any) -> Any:
        raise JukiError(code="certificate.layout_overflow", message="収まりません。")

    monkeypatch.setattr(documents, "render", broken)
    with pytest.raises(JukiError):
        do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    monkeypatch.undo()
    second = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    n1, n2 = (int(c.issuance_number.split("-")[1]) for c in (first, second))
    assert n2 == n1 + 1
    assert Certificate.objects.count() == 2 and CertificateRequest.objects.count() == 2


# --- reprint, void -----------------------------------------------------------------------------------


def test_a_reprint_is_a_new_ledger_row_and_voids_the_original_without_a_fee(counter, family):
    original = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    reprint = do_reprint_certificate(original.pk, reason="プリンタの紙詰まり", actor=counter)
    original.refresh_from_db()
    assert reprint.reprint_of_id == original.pk and reprint.request_id == original.request_id
    assert reprint.issuance_number != original.issuance_number
    assert reprint.verification_code != original.verification_code and reprint.fee_yen == 0
    assert original.status == CertificateStatus.VOIDED and reprint.issuance_number in original.void_reason
    assert reprint.issuance_number in pdf_text(open_pdf(reprint))
    event = AuditEvent.objects.get(event_type=EventType.CERTIFICATE_REPRINTED)
    assert event.action == "print" and event.detail["reprint_of"] == original.issuance_number
    with pytest.raises(JukiError) as exc:
        do_reprint_certificate(original.pk, reason="再度", actor=counter)
    assert exc.value.code == "CERTIFICATE_VOIDED"


def test_a_reprint_needs_a_reason(counter, family):
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    with pytest.raises(JukiError) as exc:
        do_reprint_certificate(cert.pk, reason=" ", actor=counter)
    assert exc.value.code == "CERTIFICATE_REPRINT_REASON_REQUIRED"
    assert Certificate.objects.count() == 1 and refusals()[-1].action == "reprint"


def test_voiding_needs_a_reason_and_records_who_and_when(counter, family):
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    with pytest.raises(JukiError) as exc:
        do_void_certificate(cert.pk, reason="", actor=counter)
    assert exc.value.code == "CERTIFICATE_VOID_REASON_REQUIRED"
    do_void_certificate(cert.pk, reason="請求者の申出による取消し", actor=counter)
    cert.refresh_from_db()
    assert (cert.status, cert.voided_by, cert.void_reason) == ("voided", "clerk01", "請求者の申出による取消し")
    assert cert.voided_at is not None
    with pytest.raises(JukiError) as exc:
        do_void_certificate(cert.pk, reason="二度目", actor=counter)
    assert exc.value.code == "CERTIFICATE_ALREADY_VOIDED"
    event = AuditEvent.objects.get(event_type=EventType.CERTIFICATE_VOIDED)
    assert event.targets == [f"{family[0].person_id:010d}"]


def test_only_the_issuer_may_download_the_pdf_on_the_day_while_valid(counter, family, make_staff, terminal):
    cert = do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    pdf, name = actions.do_download_certificate(cert.pk, actor=counter)
    assert pdf.startswith(b"%PDF") and name == f"certificate-{cert.issuance_number}.pdf"
    other = Actor(make_staff("clerk02", Role.CLERK), terminal.terminal_id)
    with pytest.raises(JukiError) as exc:
        actions.do_download_certificate(cert.pk, actor=other)
    assert exc.value.code == "CERTIFICATE_NOT_YOURS"
    do_void_certificate(cert.pk, reason="取消し", actor=counter)
    with pytest.raises(JukiError) as exc:
        actions.do_download_certificate(cert.pk, actor=counter)
    assert exc.value.code == "CERTIFICATE_VOIDED"


# --- access review -------------------------------------------------------------------------------------


def test_issuing_counts_as_a_print_in_the_access_review(counter, family):
    """Hiroshima digest D2.13 / jlis-001b §5: the review counts prints per staff member."""
    from juki.review.report import build_review

    do_issue_certificate(IssueRequest.from_form(**own_request(family[0])), actor=counter)
    today = clock.today()
    review = build_review(today, today)
    line = next(s for s in review.staff if s.staff_id == "clerk01")
    assert line.prints == 1


def test_the_database_refuses_a_third_party_request_without_its_ground_or_purpose(db):
    """Defence in depth for 住基法12条の3 / 12条の2: check constraints behind the action's rules."""
    from django.db import IntegrityError, transaction

    base = {"received_by": "clerk01", "received_at": clock.now(), "requester_name": "某",
            "identity_document": "passport", "document_type": "copy_personal"}
    for bad in ({"requester_type": "third_party", "purpose": "", "purpose_category": "own_rights"},
                {"requester_type": "third_party", "purpose": "訴訟", "purpose_category": ""},
                {"requester_type": "public_body", "purpose": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CertificateRequest.objects.create(**base, **bad)
