"""大量出力の画面, mounted at /exports/. Each view declares its function.

- ``/exports/`` (``EXPORT_REQUEST``): my requests and the new-request form;
- ``/exports/<id>/produce/`` (``EXPORT_REQUEST``, POST): produce once; the response shows the key
  once and is not cached;
- ``/exports/<id>/download/`` (``EXPORT_REQUEST``): the encrypted file, requester only;
- ``/exports/pending/`` (``EXPORT_APPROVE``): the manager's queue; approve / reject with a comment.

The rules themselves are the actions' (:mod:`juki.exports.actions`); screens only hide buttons
that would be refused anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from juki.core.errors import JukiError
from juki.register.models import TownBlock
from juki.register.views.common import actor, error_page
from juki.security.access import logged_in_staff, requires
from juki.security.roles import Function
from juki.web.downloads import attachment

from .actions import (
    do_approve_export,
    do_download_export,
    do_produce_export,
    do_reject_export,
    do_request_export,
    row_ceiling,
)
from .kinds import all_kinds, kind_for, kind_label
from .models import ExportRequest, ExportState

FIELD_LABELS = {"purpose": "利用目的", "scope": "出力の種類", "town_blocks": "町丁字", "comment": "意見・理由"}


def _text(exc: JukiError) -> str:
    where = f"、項目: {FIELD_LABELS.get(exc.field, exc.field)}" if exc.field else ""
    return f"{exc.message}（エラーコード: {exc.code}{where}）"


def _describe(req: ExportRequest) -> str:
    try:
        return kind_for(req.scope).describe(req.parameters)
    except JukiError:
        return str(req.parameters)


def _row(req: ExportRequest) -> dict[str, Any]:
    return {"req": req, "kind": kind_label(req.scope), "scope_text": _describe(req),
            "state_label": ExportState(req.state).label, "ceiling": row_ceiling(req.expected_rows)}


@requires(Function.EXPORT_REQUEST)
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """自分の申請と新しい申請。"""
    form: dict[str, Any] = {"purpose": "", "scope": "residents_by_town_block", "town_blocks": []}
    status = 200
    if request.method == "POST":
        form = {"purpose": request.POST.get("purpose", ""), "scope": request.POST.get("scope", ""),
                "town_blocks": request.POST.getlist("town_blocks")}
        try:
            req = do_request_export(scope=form["scope"], purpose=form["purpose"],
                                    parameters={"town_blocks": form["town_blocks"]}, actor=actor(request))
        except JukiError as exc:
            messages.error(request, _text(exc))
            status = 400 if exc.status < 500 else exc.status
        else:
            messages.success(request, f"大量出力 {req.pk} を申請しました（{req.expected_rows}件）。管理責任者の承認を待ってください。")
            return HttpResponseRedirect(reverse("exports-mine"))
    rows = [_row(r) for r in ExportRequest.objects.filter(requested_by=logged_in_staff(request).staff_id).defer("file_enc")[:100]]
    return render(request, "exports/mine.html", {
        "title": "大量出力の申請", "rows": rows, "kinds": all_kinds(), "form": form,
        "blocks": TownBlock.objects.filter(abolished_on__isnull=True).order_by("code"),
        "selected": {str(b) for b in form["town_blocks"]},
    }, status=status)


@requires(Function.EXPORT_REQUEST)
@require_POST
def produce(request: HttpRequest, request_id: int) -> HttpResponse:
    """作成（一回限り）: the key is shown in this response only, never stored or sent again."""
    try:
        produced = do_produce_export(request_id, actor=actor(request))
    except JukiError as exc:
        if exc.code == "EXPORT_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
        return HttpResponseRedirect(reverse("exports-mine"))
    response = render(request, "exports/produced.html", {
        "title": "大量出力ファイルの作成", "req": produced.request, "key": produced.key_text,
        "file_name": produced.file_name,
    })
    response["Cache-Control"] = "no-store"
    return response


@requires(Function.EXPORT_REQUEST)
@require_GET
def download(request: HttpRequest, request_id: int) -> HttpResponse:
    """暗号化ファイルのダウンロード（申請者のみ）。"""
    try:
        blob, name = do_download_export(request_id, actor=actor(request))
    except JukiError as exc:
        if exc.code == "EXPORT_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
        return HttpResponseRedirect(reverse("exports-mine"))
    return attachment(blob, content_type="application/octet-stream", filename=name)


@requires(Function.EXPORT_APPROVE)
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    """承認待ちの申請（管理責任者）。"""
    qs = ExportRequest.objects.filter(state=ExportState.REQUESTED).defer("file_enc").order_by("requested_at", "pk")
    recent = ExportRequest.objects.exclude(state=ExportState.REQUESTED).defer("file_enc").order_by("-requested_at")[:20]
    return render(request, "exports/pending.html", {
        "title": "大量出力の承認", "rows": [_row(r) for r in qs], "recent": [_row(r) for r in recent],
        "me": logged_in_staff(request).staff_id,
    })


def _decide(request: HttpRequest, request_id: int, *, approve: bool) -> HttpResponse:
    comment = request.POST.get("comment", "")
    try:
        if approve:
            do_approve_export(request_id, actor=actor(request), comment=comment)
        else:
            do_reject_export(request_id, actor=actor(request), comment=comment)
    except JukiError as exc:
        if exc.code == "EXPORT_NOT_FOUND":
            return error_page(request, exc)
        messages.error(request, _text(exc))
    else:
        messages.success(request, f"大量出力 {request_id} を{'承認' if approve else '却下'}しました。")
    return HttpResponseRedirect(reverse("exports-pending"))


@requires(Function.EXPORT_APPROVE)
@require_POST
def approve(request: HttpRequest, request_id: int) -> HttpResponse:
    """承認。"""
    return _decide(request, request_id, approve=True)


@requires(Function.EXPORT_APPROVE)
@require_POST
def reject(request: HttpRequest, request_id: int) -> HttpResponse:
    """却下（理由が必要）。"""
    return _decide(request, request_id, approve=False)
