"""権限変更の承認: the queue of pending role change requests, approve / reject / withdraw.

Everyone with the page sees every pending request; the buttons appear only where the
viewer may decide (not their own request, not a change to themselves). The actions enforce
the same rules, so a forged POST is refused and audited.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from juki.core.errors import JukiError

from ..access import requires
from ..actions import do_approve_role_change, do_cancel_role_change, do_reject_role_change
from ..models import RoleChangeRequest
from ..roles import Function
from .admin_common import actor, back_with_error

State = RoleChangeRequest.State


def _queue_url() -> str:
    return reverse("admin-role-requests")


@requires(Function.ROLE_APPROVE)
def role_request_list(request: HttpRequest) -> HttpResponse:
    me = request.user.pk
    pending = []
    for r in RoleChangeRequest.objects.filter(state=State.PENDING).select_related("staff", "requested_by"):
        if r.requested_by_id == me:
            why_not = "自分の申請です。別の管理者が承認します。"
        elif r.staff_id == me:
            why_not = "自分自身に対する申請です。別の管理者が承認します。"
        else:
            why_not = ""
        pending.append({"req": r, "why_not": why_not, "mine": r.requested_by_id == me})
    decided = (
        RoleChangeRequest.objects.exclude(state=State.PENDING)
        .select_related("staff", "requested_by", "decided_by")
        .order_by("-decided_at", "-requested_at")[:50]
    )
    return render(request, "security/admin_role_requests.html", {"pending": pending, "decided": decided})


def _decide(request: HttpRequest, pk: int, action: Callable[..., RoleChangeRequest], done: str) -> HttpResponse:
    req = get_object_or_404(RoleChangeRequest, pk=pk)
    try:
        kwargs = {"comment": request.POST.get("comment", "")} if action is not do_cancel_role_change else {}
        req = action(req, actor=actor(request), **kwargs)
    except JukiError as exc:
        return back_with_error(request, exc, _queue_url())
    messages.success(request, f"申請番号 {req.pk}（{req.staff.staff_id}・{req.get_role_display()}の"
                              f"{req.get_kind_display()}）を{done}しました。")
    return HttpResponseRedirect(_queue_url())


@requires(Function.ROLE_APPROVE)
@require_POST
def role_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_approve_role_change, "承認")


@requires(Function.ROLE_APPROVE)
@require_POST
def role_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_reject_role_change, "却下")


@requires(Function.ROLE_REQUEST)
@require_POST
def role_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_cancel_role_change, "取り下げ")
