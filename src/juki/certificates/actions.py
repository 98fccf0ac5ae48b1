"""Issuing certificates at the counter (証明書の交付): the actions every screen calls.

- :func:`do_issue_certificate` (``CERTIFICATE_ISSUE``): checks who asks under which article of
  the Basic Resident Registers Act, runs the protection check (支援措置), validates the document,
  draws the issuance number, renders, signs and stores the PDF (encrypted), writes the ledger
  row (交付簿) and the audit event — the ledger row, the number and the event in one
  transaction, so a failure leaves no number used and nothing issued.
- :func:`do_reprint_certificate`: 再交付 — a *new* rendering with a new issuance number and
  verification code (the number and the code are printed on the page, so the stored PDF cannot
  be handed out again as another ledger row); the original is voided in the same transaction,
  so at most one valid paper exists per request. No fee.
- :func:`do_void_certificate`: 無効 with a reason; the public verification page then shows 無効.
- :func:`do_download_certificate`: the stored PDF, for the staff member who issued it, on the
  day of issue (a later copy is a reprint).

Who may ask (住民基本台帳法):

- **12条** (本人又は同一世帯の者): the requester is a resident named by addressee number and is
  either a person the document is about or in the same household as each of them (per the
  register); an identity document is required. Only these requests may include 個人番号 or
  本籍・筆頭者 (番号法 / 12条の3第7項 and the options the standard allows).
- **12条の2** (国又は地方公共団体の機関): the public body's name, the purpose, and an official
  ID (職員証); always fee-exempt (公用).
- **12条の3** (本人等以外の者): the purpose and which of the law's grounds it falls under
  (自己の権利行使・義務履行 / 国等への提出 / その他正当な理由) are required and recorded.

Refusals raise :class:`~juki.core.errors.JukiError` and are audited (``CERTIFICATE_REFUSED``)
after the transaction is left; nothing is issued. Successes are audited inside it. The audit
detail carries the document type, requester type and numbers — never names or My Numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from juki.audit.events import EventType
from juki.audit.log import record, refusals_audited
from juki.core import clock, keys
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, PermissionDenied, ValidationFailed
from juki.protection.checks import check_issuance
from juki.register import numbering, queries
from juki.register.models import Person, RecordStatus
from juki.register.models.person import ADDRESSEE_NO_DIGITS
from juki.register.my_numbers import reveal
from juki.register.requesters import IdentityDocument, Requester
from juki.security.roles import Function

from . import documents, signing, verification
from .documents import Options, validate
from .fees import fee_for
from .models import (
    Certificate,
    CertificateRequest,
    CertificateStatus,
    DocumentType,
    PurposeCategory,
    RequesterType,
)

FUNCTION = Function.CERTIFICATE_ISSUE
PDF_KEY_PURPOSE = "certificate-pdf"
#: The purpose recorded when a My Number is decrypted to be printed (purpose-bound reveal).
MY_NUMBER_PURPOSE = "個人番号記載の住民票の写しの交付"
MAX_COPIES = 20
PURPOSE_MAX = 2000
REASON_MAX = 500
#: Options only a 12条 request (the person or a household member) may ask for.
OWN_REQUEST_ONLY_OPTIONS = {"my_number": "個人番号", "domicile": "本籍・筆頭者"}


# --- errors --------------------------------------------------------------------------------------

def certificate_not_found() -> JukiError:
    return JukiError(code="CERTIFICATE_NOT_FOUND", message="該当する交付記録が見つかりません。", status=404)


def _refuse(code: str, message: str, field: str | None = None) -> ValidationFailed:
    return ValidationFailed(code, message, field=field)


def _audited_refusal(actor: Actor, action: str, targets: list[str], detail: dict[str, Any]) -> Any:
    return refusals_audited(EventType.CERTIFICATE_REFUSED, action=action, function=FUNCTION.value,
                            staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
                            targets=targets, detail=detail)


# --- input -----------------------------------------------------------------------------------------

def parse_person_ids(values: Any) -> list[int]:
    """Addressee numbers from a list or from text (comma, space or newline separated), in order."""
    if isinstance(values, str):
        values = values.replace("、", ",").replace("，", ",").replace(",", " ").split()
    out: list[int] = []
    for value in values or []:
        text = str(value).strip()
        if not text:
            continue
        if not is_ascii_digits(text) or len(text) > ADDRESSEE_NO_DIGITS:
            raise _refuse("CERTIFICATE_PERSON_INVALID", f"宛名番号「{text[:20]}」の形式が正しくありません。",
                          "person_ids")
        n = int(text)
        if n not in out:
            out.append(n)
    return out


def _targets(person_ids: list[int]) -> list[str]:
    return [f"{p:0{ADDRESSEE_NO_DIGITS}d}" for p in person_ids]


def _safe_targets(values: Any) -> list[str]:
    try:
        return _targets(parse_person_ids(values))
    except JukiError:
        return []


def _options_dict(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if isinstance(options, dict):
        return dict(options)
    return dict(options.to_dict())


def _wants(options: dict[str, Any], name: str) -> bool:
    return bool(options.get(name))


def check_requester(r: Requester, person_ids: list[int], options: dict[str, Any]) -> None:
    """The requester rules of 住基法12条 / 12条の2 / 12条の3 (see the module docstring)."""
    if r.requester_type not in RequesterType.values:
        raise _refuse("CERTIFICATE_REQUESTER_TYPE", "請求者の区分を選んでください。", "requester_type")
    if not r.name.strip():
        raise _refuse("CERTIFICATE_REQUESTER_NAME_REQUIRED", "請求者の氏名（名称）を入力してください。", "requester_name")
    if r.identity_document not in IdentityDocument.values:
        raise _refuse("CERTIFICATE_IDENTITY_REQUIRED", "確認した本人確認書類を選んでください。", "identity_document")
    if len(r.purpose) > PURPOSE_MAX:
        raise _refuse("CERTIFICATE_PURPOSE_TOO_LONG", f"請求事由は{PURPOSE_MAX}文字以内で入力してください。", "purpose")

    if r.requester_type == RequesterType.SELF_OR_HOUSEHOLD:
        # 12条: the person or a member of the same household, checked against the register.
        if r.identity_document == IdentityDocument.OFFICIAL_ID:
            raise _refuse("CERTIFICATE_IDENTITY_NOT_PERSONAL",
                          "本人・同一世帯の者の請求では、職員証ではなく本人確認書類を確認してください（住基法12条3項）。",
                          "identity_document")
        if person_ids:
            if r.person_id is None:
                raise _refuse("CERTIFICATE_REQUESTER_PERSON_REQUIRED",
                              "本人・同一世帯の者の請求では、請求者の宛名番号を入力してください（住基法12条）。",
                              "requester_person_id")
            _check_same_household(r.person_id, person_ids)
    else:
        for name, label in OWN_REQUEST_ONLY_OPTIONS.items():
            if _wants(options, name):
                article = "12条の2" if r.requester_type == RequesterType.PUBLIC_BODY else "12条の3"
                raise _refuse("CERTIFICATE_OPTION_NOT_ALLOWED",
                              f"{label}は本人又は同一世帯の者の請求（住基法12条）でなければ記載できません"
                              f"（この請求は{article}による請求です）。", f"options.{name}")
        if not r.purpose.strip():
            raise _refuse("CERTIFICATE_PURPOSE_REQUIRED", "請求事由（利用目的）を入力してください。", "purpose")
    if r.requester_type == RequesterType.PUBLIC_BODY:
        # 12条の2: the body's name, the purpose, and the official's ID (公用請求).
        if r.identity_document != IdentityDocument.OFFICIAL_ID:
            raise _refuse("CERTIFICATE_OFFICIAL_ID_REQUIRED",
                          "国又は地方公共団体の機関の請求では、職員の身分証明書（職員証）を確認してください（住基法12条の2）。",
                          "identity_document")
    if r.requester_type == RequesterType.THIRD_PARTY:
        # 12条の3第1項: the purpose must fall under one of the law's grounds, and is recorded.
        if r.purpose_category not in PurposeCategory.values:
            raise _refuse("CERTIFICATE_PURPOSE_CATEGORY_REQUIRED",
                          "本人等以外の者の請求では、請求事由の区分を選んでください（住基法12条の3第1項）。",
                          "purpose_category")
        if r.identity_document == IdentityDocument.OFFICIAL_ID:
            raise _refuse("CERTIFICATE_IDENTITY_NOT_PERSONAL", "請求者本人の本人確認書類を確認してください。",
                          "identity_document")


def _check_same_household(requester_id: int, person_ids: list[int]) -> None:
    requester = queries.current_record(requester_id)
    if requester is None:
        raise _refuse("CERTIFICATE_REQUESTER_NOT_FOUND", "請求者の宛名番号に該当する住民がいません。",
                      "requester_person_id")
    others = [p for p in person_ids if p != requester_id]
    if not others:
        return
    others_now = {r.person_id: r for r in queries.current_records(others)}
    for p in others:
        rec = others_now.get(p)
        if rec is None or rec.household_id != requester.household_id:
            raise _refuse("CERTIFICATE_NOT_SAME_HOUSEHOLD",
                          f"宛名番号 {p:0{ADDRESSEE_NO_DIGITS}d} の方は請求者と同一の世帯に属していません。"
                          "住基法12条の請求（本人又は同一世帯の者）では交付できません。", "person_ids")
        if requester.status != RecordStatus.RESIDENT and rec.status == RecordStatus.RESIDENT:
            # A requester who left the household (転出・消除) is no longer a member of it; they
            # may still ask about those who left with them (e.g. the 転出証明書 of the household).
            raise _refuse("CERTIFICATE_NOT_SAME_HOUSEHOLD",
                          f"請求者は既にこの世帯の住民ではないため、宛名番号 {p:0{ADDRESSEE_NO_DIGITS}d} の方の証明書は"
                          "住基法12条の請求では交付できません。", "person_ids")


# --- numbers and storage -------------------------------------------------------------------------

def issuance_series(on: dt.date) -> str:
    return f"certificate-{on.year}"


def next_issuance_number(on: dt.date) -> str:
    """交付番号 ``2026-000123``: per calendar year, gap-free (allocated in the issuing transaction,
    so a rolled-back issue gives its number back) and concurrency-safe (row lock)."""
    (n,) = numbering.allocate(issuance_series(on))
    return f"{on.year}-{n:06d}"


def _aad(issuance_number: str) -> bytes:
    return f"certificate:{issuance_number}".encode()


def seal_pdf(pdf: bytes, issuance_number: str) -> bytes:
    return keys.encrypt(pdf, purpose=PDF_KEY_PURPOSE, aad=_aad(issuance_number))


def open_pdf(cert: Certificate) -> bytes:
    """The stored (signed) PDF of a ledger row, decrypted."""
    if not cert.pdf_enc:
        raise JukiError(code="CERTIFICATE_PDF_MISSING", message="この証明書のPDFは保管されていません。", status=404)
    return keys.decrypt(bytes(cert.pdf_enc), aad=_aad(cert.issuance_number))


def file_name(cert: Certificate) -> str:
    return f"certificate-{cert.issuance_number}.pdf"


# --- production ------------------------------------------------------------------------------------

def _protection_check(actor: Actor, req: CertificateRequest, on: dt.date) -> list[Any]:
    """支援措置: refuses (and records the attempt itself) for a protected record asked for by the
    named offender or a third party; returns the warnings for the counter otherwise."""
    if not req.person_ids:
        return []
    return list(check_issuance(
        list(req.person_ids), requester_type=req.requester_type, requester_name=req.requester_name,
        requester_person_id=req.requester_person_id, document_type=req.document_type, actor=actor, on=on,
    ) or [])


def _validate_document(req: CertificateRequest, on: dt.date) -> Any:
    options = Options.from_dict(dict(req.options or {}))
    validate(req.document_type, list(req.person_ids), options, subject_query=dict(req.subject_query or {}) or None,
             on=on)
    return options


def _my_numbers(actor: Actor, req: CertificateRequest, issuance_number: str) -> dict[int, str] | None:
    """Decrypt the My Numbers to print, audited as a purpose-bound reveal (no number logged)."""
    if not _wants(dict(req.options or {}), "my_number"):
        return None
    out: dict[int, str] = {}
    for rec in queries.current_records(req.person_ids):
        if rec.my_number_enc:
            out[rec.person_id] = reveal(bytes(rec.my_number_enc), rec.person_id)
    record(EventType.MY_NUMBER_REVEALED, action="reveal", function=FUNCTION.value, staff_id=actor.staff_id,
           terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(sorted(out)), purpose=MY_NUMBER_PURPOSE,
           detail={"issuance_number": issuance_number, "document_type": req.document_type})
    return out


def _produce(actor: Actor, req: CertificateRequest, options: Any, *, on: dt.date, fee_yen: int,
             reprint_of: Certificate | None = None) -> Certificate:
    """Inside the caller's transaction: number, code, render, sign, store, ledger row."""
    number = next_issuance_number(on)
    code = verification.new_code()
    stamp = documents.Stamp(issuance_number=number, issued_on=on, verification_code=code,
                            verification_url=verification.verification_url(code))
    my_numbers = _my_numbers(actor, req, number)
    pdf, pages = documents.render(req.document_type, list(req.person_ids), options, stamp, my_numbers=my_numbers,
                                  subject_query=dict(req.subject_query or {}) or None)
    del my_numbers
    signed = signing.sign_pdf(pdf)
    return Certificate.objects.create(
        request=req, issuance_number=number, document_type=req.document_type, person_ids=list(req.person_ids),
        issued_by=actor.staff_id, issued_at=clock.now(), issued_on=on, reprint_of=reprint_of,
        verification_code=code, content_sha256=verification.content_digest(signed), page_count=pages,
        fee_yen=fee_yen, pdf_enc=seal_pdf(signed, number),
    )


def _detail(req: CertificateRequest, cert: Certificate, **extra: Any) -> dict[str, Any]:
    return {"certificate": cert.pk, "issuance_number": cert.issuance_number, "document_type": req.document_type,
            "requester_type": req.requester_type, "purpose_category": req.purpose_category,
            "copies": req.copies, "fee_yen": cert.fee_yen, "pages": cert.page_count,
            "my_number": _wants(dict(req.options or {}), "my_number"), **extra}


@dataclass(frozen=True)
class IssueRequest:
    """交付請求: what the counter asks for, typed. The view builds it from the form
    (:meth:`from_form`); the action checks it against the law and the register."""

    document_type: str
    person_ids: tuple[int, ...]
    requester: Requester
    copies: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)
    subject_query: Mapping[str, Any] | None = None
    fee_exemption: str = ""

    @classmethod
    def from_form(
        cls,
        *,
        document_type: str,
        person_ids: Any,
        requester_type: str,
        requester_name: str,
        identity_document: str,
        requester_address: str = "",
        requester_relation: str = "",
        requester_person_id: int | str | None = None,
        identity_document_note: str = "",
        purpose: str = "",
        purpose_category: str = "",
        options: Any = None,
        subject_query: dict[str, Any] | None = None,
        copies: int | str = 1,
        fee_exemption: str = "",
    ) -> IssueRequest:
        """From the form's text: addressee numbers parsed (``CERTIFICATE_PERSON_INVALID``), text
        trimmed; a count of copies that is not a number becomes 0, which the action refuses."""
        try:
            n_copies = int(str(copies).strip())
        except ValueError:
            n_copies = 0
        requester_pid = parse_person_ids([requester_person_id]) if requester_person_id not in (None, "") else []
        return cls(
            document_type=str(document_type), person_ids=tuple(parse_person_ids(person_ids)),
            requester=Requester(
                requester_type=str(requester_type), name=(requester_name or "").strip(),
                address=(requester_address or "").strip(), relation=(requester_relation or "").strip(),
                person_id=requester_pid[0] if requester_pid else None,
                identity_document=str(identity_document or ""),
                identity_document_note=(identity_document_note or "").strip(), purpose=(purpose or "").strip(),
                purpose_category=str(purpose_category or "") if requester_type == RequesterType.THIRD_PARTY else "",
            ),
            copies=n_copies, options=_options_dict(options), subject_query=dict(subject_query or {}) or None,
            fee_exemption=str(fee_exemption or ""),
        )


def issue_refusals_audited(actor: Actor, *, document_type: str, requester_type: str, person_ids: Any) -> Any:
    """Audit a refused issue (``CERTIFICATE_REFUSED``) — also one refused while the view builds
    the :class:`IssueRequest` from the form."""
    return _audited_refusal(actor, "issue", _safe_targets(person_ids), {"document_type": str(document_type)[:32],
                                                                        "requester_type": str(requester_type)[:16]})


def do_issue_certificate(request: IssueRequest, *, actor: Actor) -> Certificate:
    """交付: one certificate for one request (see the module docstring for the rules)."""
    document_type, requester = request.document_type, request.requester
    with issue_refusals_audited(actor, document_type=document_type, requester_type=requester.requester_type,
                                person_ids=list(request.person_ids)):
        actor.require(FUNCTION)
        if document_type not in DocumentType.values:
            raise _refuse("CERTIFICATE_DOCUMENT_TYPE", "証明書の種類を選んでください。", "document_type")
        ids = list(request.person_ids)
        if document_type == DocumentType.NO_RECORD:
            if ids:
                raise _refuse("CERTIFICATE_NO_RECORD_WITH_PERSONS",
                              "不在住証明書は宛名番号ではなく照会された氏名・生年月日・住所で請求します。", "person_ids")
        elif not ids:
            raise _refuse("CERTIFICATE_PERSONS_REQUIRED", "証明書の対象者を選んでください。", "person_ids")
        known = set(Person.objects.filter(addressee_no__in=ids).values_list("addressee_no", flat=True))
        missing = [p for p in ids if p not in known]
        if missing:
            raise JukiError(code="CERTIFICATE_PERSON_NOT_FOUND", status=404, field="person_ids",
                            message=f"宛名番号 {missing[0]:0{ADDRESSEE_NO_DIGITS}d} に該当する住民が見つかりません。")
        n_copies = request.copies
        if not 1 <= n_copies <= MAX_COPIES:
            raise _refuse("CERTIFICATE_COPIES", f"通数は1から{MAX_COPIES}までで入力してください。", "copies")
        opts = dict(request.options)
        subject_query = request.subject_query
        fee_exemption = request.fee_exemption
        check_requester(requester, ids, opts)
        fee = fee_for(document_type, n_copies, requester_type=requester.requester_type, exemption=fee_exemption)
        on = clock.today()
        req = CertificateRequest(
            received_by=actor.staff_id, received_at=clock.now(), requester_type=requester.requester_type,
            requester_name=requester.name, requester_address=requester.address,
            requester_relation=requester.relation, requester_person_id=requester.person_id,
            identity_document=requester.identity_document,
            identity_document_note=requester.identity_document_note, purpose=requester.purpose,
            purpose_category=requester.purpose_category, document_type=document_type, person_ids=ids,
            options=opts, subject_query=dict(subject_query or {}), copies=n_copies, fee_yen=fee.total,
            fee_exemption=fee.exemption,
        )
        # The protection check records the attempt in its own transaction, so it runs first.
        warnings = _protection_check(actor, req, on)
        with transaction.atomic():
            document_options = _validate_document(req, on)
            req.options = _options_dict(document_options) or opts
            req.save()
            cert = _produce(actor, req, document_options, on=on, fee_yen=fee.total)
            record(EventType.CERTIFICATE_ISSUED, action="print", function=FUNCTION.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(ids), purpose=req.purpose,
                   detail=_detail(req, cert, fee_exemption=fee.exemption, protection_warnings=len(warnings)))
    return cert


def _locked(certificate_id: int | str) -> Certificate:
    text = str(certificate_id).strip()
    if not is_ascii_digits(text):
        raise certificate_not_found()
    cert = Certificate.objects.select_for_update().select_related("request").filter(pk=int(text)).first()
    if cert is None:
        raise certificate_not_found()
    return cert


def _reason(reason: str, code: str, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(code, f"{label}を入力してください。", "reason")
    if len(reason) > REASON_MAX:
        raise _refuse("CERTIFICATE_REASON_TOO_LONG", f"{label}は{REASON_MAX}文字以内で入力してください。", "reason")
    return reason


def _targets_of(certificate_id: int | str) -> list[str]:
    text = str(certificate_id).strip()
    if not is_ascii_digits(text):
        return []
    ids = Certificate.objects.filter(pk=int(text)).values_list("person_ids", flat=True).first()
    return _safe_targets(ids or [])


def do_reprint_certificate(certificate_id: int | str, *, reason: str, actor: Actor) -> Certificate:
    """再交付: re-rendered under a new number and code; the original is voided; no fee."""
    with _audited_refusal(actor, "reprint", _targets_of(certificate_id), {"certificate": str(certificate_id)[:20]}):
        actor.require(FUNCTION)
        reason = _reason(reason, "CERTIFICATE_REPRINT_REASON_REQUIRED", "再交付の理由")
        original = Certificate.objects.select_related("request").filter(
            pk=int(certificate_id) if is_ascii_digits(str(certificate_id)) else -1).first()
        if original is None:
            raise certificate_not_found()
        on = clock.today()
        req = original.request
        warnings = _protection_check(actor, req, on)
        with transaction.atomic():
            original = _locked(certificate_id)
            if original.status != CertificateStatus.ISSUED:
                raise JukiError(code="CERTIFICATE_VOIDED", status=409,
                                message="無効にした証明書は再交付できません。新しく交付してください。")
            options = _validate_document(req, on)
            cert = _produce(actor, req, options, on=on, fee_yen=0, reprint_of=original)
            original.status = CertificateStatus.VOIDED
            original.voided_by, original.voided_at = actor.staff_id, clock.now()
            original.void_reason = f"再交付（交付番号 {cert.issuance_number}）: {reason}"
            original.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
            record(EventType.CERTIFICATE_REPRINTED, action="print", function=FUNCTION.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(list(req.person_ids)),
                   purpose=req.purpose, detail=_detail(req, cert, reprint_of=original.issuance_number,
                                                       reason=reason, protection_warnings=len(warnings)))
    return cert


def do_void_certificate(certificate_id: int | str, *, reason: str, actor: Actor) -> Certificate:
    """無効: the certificate stays in the ledger, marked 無効 with who, when and why."""
    with _audited_refusal(actor, "void", _targets_of(certificate_id), {"certificate": str(certificate_id)[:20]}):
        actor.require(FUNCTION)
        reason = _reason(reason, "CERTIFICATE_VOID_REASON_REQUIRED", "無効にする理由")
        with transaction.atomic():
            cert = _locked(certificate_id)
            if cert.status != CertificateStatus.ISSUED:
                raise JukiError(code="CERTIFICATE_ALREADY_VOIDED", message="この証明書は既に無効です。", status=409)
            cert.status = CertificateStatus.VOIDED
            cert.voided_by, cert.voided_at, cert.void_reason = actor.staff_id, clock.now(), reason
            cert.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
            record(EventType.CERTIFICATE_VOIDED, action="void", function=FUNCTION.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(list(cert.person_ids)),
                   detail={"certificate": cert.pk, "issuance_number": cert.issuance_number,
                           "document_type": cert.document_type, "reason": reason})
    return cert


def do_download_certificate(certificate_id: int | str, *, actor: Actor) -> tuple[bytes, str]:
    """The stored PDF: for the staff member who issued it, on the day of issue, while valid."""
    with _audited_refusal(actor, "download", _targets_of(certificate_id), {"certificate": str(certificate_id)[:20]}):
        actor.require(FUNCTION)
        with transaction.atomic():
            cert = _locked(certificate_id)
            if cert.issued_by != actor.staff_id:
                raise PermissionDenied("CERTIFICATE_NOT_YOURS",
                                       "証明書のPDFは交付した職員だけが取得できます。必要なら再交付してください。")
            if cert.status != CertificateStatus.ISSUED:
                raise JukiError(code="CERTIFICATE_VOIDED", message="無効にした証明書のPDFは取得できません。", status=409)
            if cert.issued_on != clock.today():
                raise PermissionDenied("CERTIFICATE_DOWNLOAD_EXPIRED",
                                       "証明書のPDFは交付した日のうちだけ取得できます。必要なら再交付してください。")
            pdf = open_pdf(cert)
            record(EventType.CERTIFICATE_DOWNLOADED, action="download", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
                   targets=_targets(list(cert.person_ids)),
                   detail={"certificate": cert.pk, "issuance_number": cert.issuance_number,
                           "document_type": cert.document_type})
    return pdf, file_name(cert)
