"""Disclosure screens (開示請求等), mounted at /disclosure/. Each view declares its function.

Views parse the form, call one action (:mod:`.actions`) or the document access function
(:mod:`.document`), and show refusals with their code; they never write themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from juki.core.errors import JukiError
from juki.register.requesters import Requester
from juki.register.views.common import actor, error_page
from juki.security.access import requires
from juki.security.roles import Function
from juki.web.downloads import attachment

from . import actions
from .actions import TRANSITION_LABELS, TRANSITIONS
from .document import disclosure_document
from .forms import CompleteForm, ReceiveForm, RefuseForm
from .models import DisclosureRequest, RequestKind, RequestState
from .pdf import document_pdf

LIST_SIZE = 100


def _error_text(exc: JukiError) -> str:
    return f"{exc.message}（エラーコード: {exc.code}）"


@requires(Function.DISCLOSURE_MANAGE)
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponse:
    """開示請求等の一覧と受付."""
    form = ReceiveForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = actions.do_receive_disclosure_request(
                d["addressee_no"], kind=d["kind"], received_on=d["received_on"], requester=Requester(
                    identity_document=d["identity_document"], identity_document_note=d["identity_note"],
                    capacity=d["requester"]),
                request_text=d["request_text"], actor=actor(request),
            )
        except JukiError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, f"開示請求等 {req.pk} を受け付けました。")
            return redirect("disclosure-detail", request_id=req.pk)
    state = request.GET.get("state", "")
    qs = DisclosureRequest.objects.all()
    if state in RequestState.values:
        qs = qs.filter(state=state)
    return render(request, "disclosure/list.html", {
        "form": form, "error": error, "requests": list(qs[:LIST_SIZE]), "states": RequestState.choices,
        "state": state,
    }, status=400 if error else 200)


def _detail(request: HttpRequest, req: DisclosureRequest, *, error: str = "", status: int = 200,
            complete_form: Any = None, refuse_form: Any = None) -> HttpResponse:
    allowed = {t for (s, t) in TRANSITIONS if s == req.state}
    return render(request, "disclosure/detail.html", {
        "req": req, "error": error, "allowed": allowed, "labels": TRANSITION_LABELS,
        "complete_form": complete_form or CompleteForm(), "refuse_form": refuse_form or RefuseForm(),
        "document_ready": req.kind == RequestKind.DISCLOSURE
        and req.state in (RequestState.IN_PROGRESS, RequestState.COMPLETED),
    }, status=status)


def _load(request_id: int) -> DisclosureRequest:
    req = DisclosureRequest.objects.select_related("person").filter(pk=request_id).first()
    if req is None:
        raise actions.request_not_found(request_id)
    return req


@requires(Function.DISCLOSURE_MANAGE)
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """開示請求等の詳細と処理."""
    try:
        return _detail(request, _load(request_id))
    except JukiError as exc:
        return error_page(request, exc)


def _after(request: HttpRequest, request_id: int, call: Any, done: str, **forms_: Any) -> HttpResponse:
    try:
        call()
    except JukiError as exc:
        try:
            req = _load(request_id)
        except JukiError as missing:
            return error_page(request, missing)
        return _detail(request, req, error=_error_text(exc), status=exc.status, **forms_)
    messages.success(request, done)
    return redirect("disclosure-detail", request_id=request_id)


@requires(Function.DISCLOSURE_MANAGE)
@require_POST
def request_start(request: HttpRequest, request_id: int) -> HttpResponse:
    return _after(request, request_id,
                  lambda: actions.do_start_disclosure_request(request_id, actor=actor(request)), "処理を開始しました。")


@requires(Function.DISCLOSURE_MANAGE)
@require_POST
def request_complete(request: HttpRequest, request_id: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    return _after(request, request_id, lambda: actions.do_complete_disclosure_request(
        request_id, decision=data.get("decision", ""), change_id=data.get("change_id"), actor=actor(request),
    ), "完了として記録しました。", complete_form=form)


@requires(Function.DISCLOSURE_MANAGE)
@require_POST
def request_refuse(request: HttpRequest, request_id: int) -> HttpResponse:
    form = RefuseForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    return _after(request, request_id, lambda: actions.do_refuse_disclosure_request(
        request_id, reason=reason, actor=actor(request),
    ), "不開示・不承認として記録しました。", refuse_form=form)


@requires(Function.DISCLOSURE_MANAGE)
@require_GET
def request_document(request: HttpRequest, request_id: int) -> HttpResponse:
    """開示文書 (printable HTML; the PDF is :func:`request_document_pdf`)."""
    try:
        doc = disclosure_document(actor(request), request_id)
    except JukiError as exc:
        return error_page(request, exc)
    return render(request, "disclosure/document.html", {"doc": doc})


@requires(Function.DISCLOSURE_MANAGE)
@require_GET
def request_document_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    """開示文書 (A4 PDF, IPAmj明朝): the same document, audited as DISCLOSURE_DOCUMENT with format pdf."""
    try:
        doc = disclosure_document(actor(request), request_id, output="pdf")
    except JukiError as exc:
        return error_page(request, exc)
    return attachment(document_pdf(doc), content_type="application/pdf",
                      filename=f"disclosure-{doc.request.pk}.pdf")
