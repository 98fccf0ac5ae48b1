"""証明書交付の画面, mounted at /certificates/. Each view declares its function (CERTIFICATE_ISSUE).

- ``/certificates/``: today's certificates issued by me, links to a new request and the ledger;
- ``/certificates/new/``: the request form (``?person=<宛名番号>`` shows that person's household
  with checkboxes, the person pre-selected, and the protection warning for them); POST issues;
- ``/certificates/<id>/``: the ledger row, download (issuer, same day), reprint, void;
- ``/certificates/ledger/`` (+ ``csv/``, ``pdf/``): the daily ledger (交付簿), audited.

The rules are the actions' (:mod:`juki.certificates.actions`); screens only prepare input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from juki.audit.events import EventType
from juki.audit.log import record_request
from juki.core import clock
from juki.core.errors import JukiError
from juki.protection.checks import warnings_for
from juki.register.access import access_resident
from juki.register.requesters import IdentityDocument
from juki.register.views.common import actor, error_page
from juki.security.access import logged_in_staff, requires
from juki.web.downloads import attachment

from . import fees, ledger
from .actions import (
    FUNCTION,
    IssueRequest,
    certificate_not_found,
    do_download_certificate,
    do_issue_certificate,
    do_reprint_certificate,
    do_void_certificate,
    issue_refusals_audited,
    parse_person_ids,
)
from .documents.options import ENTRY_ITEMS
from .models import (
    Certificate,
    CertificateStatus,
    DocumentType,
    PurposeCategory,
    RequesterType,
)

FIELD_LABELS = {
    "document_type": "証明書の種類", "person_ids": "対象者", "requester_type": "請求者の区分",
    "requester_name": "請求者氏名・名称", "requester_person_id": "請求者の宛名番号",
    "identity_document": "本人確認書類", "purpose": "請求事由", "purpose_category": "請求事由の区分",
    "copies": "通数", "fee_exemption": "手数料免除事由", "reason": "理由", "date": "日付",
    "options.my_number": "個人番号", "options.domicile": "本籍・筆頭者", "items": "証明する事項",
}

#: Options offered as checkboxes (name → label), in documents.Options.
OPTION_LABELS = [
    ("householder_and_relationship", "世帯主・続柄"), ("domicile", "本籍・筆頭者"), ("resident_code", "住民票コード"),
    ("my_number", "個人番号（本人・同一世帯の者の請求に限る）"), ("history", "異動履歴"),
    ("foreign_items", "国籍・地域、在留資格等（外国人住民）"),
]
DEFAULT_OPTIONS = {"householder_and_relationship"}


def _text(exc: JukiError) -> str:
    where = f"、項目: {FIELD_LABELS.get(exc.field, exc.field)}" if exc.field else ""
    return f"{exc.message}（エラーコード: {exc.code}{where}）"


def _warnings(person_ids: list[int]) -> list[Any]:
    if not person_ids:
        return []
    return warnings_for(person_ids, clock.today())


@requires(FUNCTION)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """本日の交付（自分の分）。"""
    today = clock.today()
    rows = (Certificate.objects.filter(issued_by=logged_in_staff(request).staff_id, issued_on=today)
            .select_related("request").defer("pdf_enc"))
    return render(request, "certificates/index.html", {"title": "証明書交付", "rows": rows, "today": today})


def _form_from_post(post: Any) -> dict[str, Any]:
    return {
        "document_type": post.get("document_type", ""),
        "person_ids": post.getlist("person_ids"),
        "extra_person_ids": post.get("extra_person_ids", ""),
        "options": set(post.getlist("options")),
        "items": post.getlist("items"),
        "requester_type": post.get("requester_type", ""),
        "requester_name": post.get("requester_name", ""),
        "requester_address": post.get("requester_address", ""),
        "requester_relation": post.get("requester_relation", ""),
        "requester_person_id": post.get("requester_person_id", ""),
        "identity_document": post.get("identity_document", ""),
        "identity_document_note": post.get("identity_document_note", ""),
        "purpose": post.get("purpose", ""),
        "purpose_category": post.get("purpose_category", ""),
        "copies": post.get("copies", "1"),
        "fee_exemption": post.get("fee_exemption", ""),
        "query_name": post.get("query_name", ""),
        "query_birth_date": post.get("query_birth_date", ""),
        "query_address": post.get("query_address", ""),
        "person": post.get("person", ""),
    }


def _candidates(request: HttpRequest, person: str) -> tuple[list[Any], str]:
    """The household of the person to choose from (a resident view, audited)."""
    if not person.strip():
        return [], ""
    try:
        view = access_resident(actor(request), person.strip())
    except JukiError as exc:
        return [], _text(exc)
    members = view.household_members or [view.record]
    if all(m.person_id != view.record.person_id for m in members):
        members = [view.record, *members]
    return members, ""


@requires(FUNCTION)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """交付請求の受付と交付。"""
    status = 200
    if request.method == "POST":
        form = _form_from_post(request.POST)
        chosen = [*form["person_ids"], form["extra_person_ids"]]
        options: dict[str, Any] = {name: name in form["options"] for name, _ in OPTION_LABELS}
        if form["document_type"] == DocumentType.ENTRY_CERTIFICATE:
            options["items"] = list(form["items"])
        subject_query = {k: form[f"query_{k}"].strip() for k in ("name", "birth_date", "address")
                         if form[f"query_{k}"].strip()}
        try:
            ids = parse_person_ids(" ".join(str(c) for c in chosen))
            who = actor(request)
            with issue_refusals_audited(who, document_type=form["document_type"],
                                        requester_type=form["requester_type"], person_ids=ids):
                issue = IssueRequest.from_form(
                    document_type=form["document_type"], person_ids=ids,
                    requester_type=form["requester_type"], requester_name=form["requester_name"],
                    requester_address=form["requester_address"], requester_relation=form["requester_relation"],
                    requester_person_id=form["requester_person_id"] or None,
                    identity_document=form["identity_document"],
                    identity_document_note=form["identity_document_note"], purpose=form["purpose"],
                    purpose_category=form["purpose_category"], options=options,
                    subject_query=subject_query or None, copies=form["copies"], fee_exemption=form["fee_exemption"],
                )
            cert = do_issue_certificate(issue, actor=who)
        except JukiError as exc:
            messages.error(request, _text(exc))
            status = 400 if exc.status < 500 else exc.status
        else:
            messages.success(request, f"証明書を交付しました（交付番号 {cert.issuance_number}）。PDFを取得して印刷してください。")
            return HttpResponseRedirect(reverse("certificates-detail", args=[cert.pk]))
    else:
        form = _form_from_post(request.GET)
        form["options"] = set(DEFAULT_OPTIONS)
        form["copies"] = "1"
        if form["person"]:
            form["person_ids"] = [form["person"]]
            form["requester_type"] = form["requester_type"] or RequesterType.SELF_OR_HOUSEHOLD
    members, lookup_error = _candidates(request, form["person"])
    try:
        selected = parse_person_ids(" ".join([*map(str, form["person_ids"]), form["extra_person_ids"]]))
    except JukiError:
        selected = []
    shown = {m.person_id for m in members}
    warned = sorted(set(selected) | shown)
    return render(request, "certificates/new.html", {
        "title": "証明書の交付", "form": form, "members": members, "lookup_error": lookup_error,
        "selected": {str(p) for p in selected} | {f"{p:010d}" for p in selected},
        "document_types": DocumentType.choices, "requester_types": RequesterType.choices,
        "identity_documents": IdentityDocument.choices, "purpose_categories": PurposeCategory.choices,
        "option_labels": OPTION_LABELS, "entry_items": list(ENTRY_ITEMS.items()),
        "exemptions": fees.exemption_reasons(), "fee_table": fees.fee_table(),
        "protection_warnings": _warnings(warned),
    }, status=status)


def _get(certificate_id: int) -> Certificate | None:
    return Certificate.objects.select_related("request", "reprint_of").defer("pdf_enc").filter(pk=certificate_id).first()


@requires(FUNCTION)
@require_GET
def detail(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """交付記録（ダウンロード・再交付・無効）。"""
    cert = _get(certificate_id)
    if cert is None:
        return error_page(request, certificate_not_found())
    req = cert.request
    return render(request, "certificates/detail.html", {
        "title": f"交付番号 {cert.issuance_number}", "cert": cert, "req": req,
        "persons": [f"{int(p):010d}" for p in cert.person_ids],
        "reprints": cert.reprints.defer("pdf_enc").order_by("issued_at"),
        "may_download": (cert.status == CertificateStatus.ISSUED and cert.issued_by == logged_in_staff(request).staff_id
                         and cert.issued_on == clock.today()),
        "is_issued": cert.status == CertificateStatus.ISSUED,
        "options": [label for name, label in OPTION_LABELS if (req.options or {}).get(name)],
    })


@requires(FUNCTION)
@require_GET
def download(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """証明書PDF（交付した職員、交付日のみ）。"""
    try:
        pdf, name = do_download_certificate(certificate_id, actor=actor(request))
    except JukiError as exc:
        if exc.code == "CERTIFICATE_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
        return HttpResponseRedirect(reverse("certificates-detail", args=[certificate_id]))
    return attachment(pdf, content_type="application/pdf", filename=name)


@requires(FUNCTION)
@require_POST
def reprint(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """再交付（元の証明書は無効になる）。"""
    try:
        cert = do_reprint_certificate(certificate_id, reason=request.POST.get("reason", ""), actor=actor(request))
    except JukiError as exc:
        if exc.code == "CERTIFICATE_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
        return HttpResponseRedirect(reverse("certificates-detail", args=[certificate_id]))
    messages.success(request, f"再交付しました（交付番号 {cert.issuance_number}）。元の証明書は無効になりました。")
    return HttpResponseRedirect(reverse("certificates-detail", args=[cert.pk]))


@requires(FUNCTION)
@require_POST
def void(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """無効にする（理由が必要）。"""
    try:
        cert = do_void_certificate(certificate_id, reason=request.POST.get("reason", ""), actor=actor(request))
    except JukiError as exc:
        if exc.code == "CERTIFICATE_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
    else:
        messages.success(request, f"交付番号 {cert.issuance_number} を無効にしました。")
    return HttpResponseRedirect(reverse("certificates-detail", args=[certificate_id]))


def _ledger(request: HttpRequest) -> ledger.Ledger | HttpResponse:
    try:
        day = ledger.parse_day(request.GET.get("date"))
    except JukiError as exc:
        messages.error(request, _text(exc))
        return HttpResponseRedirect(reverse("certificates-ledger"))
    return ledger.daily_ledger(day)


def _audit_ledger(request: HttpRequest, data: ledger.Ledger, fmt: str) -> None:
    event = EventType.CERTIFICATE_LEDGER_VIEWED if fmt == "screen" else EventType.CERTIFICATE_LEDGER_EXPORTED
    record_request(request, event, action="view" if fmt == "screen" else "export", function=FUNCTION.value,
                   detail={"date": data.day.isoformat(), "rows": data.count, "format": fmt})


@requires(FUNCTION)
@require_GET
def ledger_view(request: HttpRequest) -> HttpResponse:
    """交付簿（日報）。"""
    data = _ledger(request)
    if isinstance(data, HttpResponse):
        return data
    _audit_ledger(request, data, "screen")
    return render(request, "certificates/ledger.html", {"title": "交付簿", "ledger": data})


#: The ledger's files: how each is made from the day's ledger, and its content type.
_LEDGER_FILES: dict[str, tuple[Callable[[ledger.Ledger], bytes], str]] = {
    "csv": (ledger.ledger_csv, "text/csv; charset=utf-8"),
    "pdf": (ledger.ledger_pdf, "application/pdf"),
}


def _ledger_file(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _ledger(request)
    if isinstance(data, HttpResponse):
        return data
    _audit_ledger(request, data, fmt)
    make, content_type = _LEDGER_FILES[fmt]
    return attachment(make(data), content_type=content_type, filename=f"certificate-ledger-{data.day.isoformat()}.{fmt}")


@requires(FUNCTION)
@require_GET
def ledger_csv(request: HttpRequest) -> HttpResponse:
    """交付簿のCSV。"""
    return _ledger_file(request, "csv")


@requires(FUNCTION)
@require_GET
def ledger_pdf(request: HttpRequest) -> HttpResponse:
    """交付簿のPDF。"""
    return _ledger_file(request, "pdf")

