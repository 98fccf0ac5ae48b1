"""職員管理: staff list, creation, detail, disable / enable, terminals, credential reset,
and role change requests. Administrators see staff data only — never resident data."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from juki.core.errors import JukiError

from ..access import requires
from ..actions import (
    do_create_staff,
    do_disable_staff,
    do_enable_staff,
    do_request_role_change,
    do_reset_staff_credentials,
    do_set_staff_own_record,
    do_set_staff_terminals,
)
from ..models import RoleChangeRequest, RoleGrant, Staff, Terminal
from ..roles import ROLE_LABELS, Function, Role, role_conflicts
from .admin_common import actor, back_with_error, form_error, render_once


def _detail_url(staff: Staff) -> str:
    return reverse("admin-staff-detail", args=[staff.staff_id])


@requires(Function.STAFF_MANAGE)
def staff_list(request: HttpRequest) -> HttpResponse:
    """職員一覧 (with a simple filter on ID, name or office)."""
    q = request.GET.get("q", "").strip()
    staff = Staff.objects.prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.filter(revoked_at__isnull=True), to_attr="active_grants"),
        "terminals",
    )
    if q:
        staff = staff.filter(Q(staff_id__icontains=q) | Q(name__icontains=q) | Q(office__icontains=q))
    rows = [
        {
            "staff": s,
            "roles": sorted(Role(g.role).label for g in s.active_grants),
            "terminals": sorted(t.terminal_id for t in s.terminals.all()),
        }
        for s in staff
    ]
    return render(request, "security/admin_staff_list.html", {"rows": rows, "q": q})


@requires(Function.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    """職員の作成: individual account, application number required; password shown once."""
    terminals = Terminal.objects.filter(is_active=True)
    values = {k: request.POST.get(k, "").strip() for k in ("staff_id", "name", "office", "application_no")}
    chosen = request.POST.getlist("terminals")
    context = {"values": values, "terminals": terminals, "chosen": chosen}
    if request.method == "GET":
        return render(request, "security/admin_staff_form.html", context)
    try:
        created = do_create_staff(values["staff_id"], values["name"], values["office"], values["application_no"],
                                  actor=actor(request))
    except JukiError as exc:
        return form_error(request, "security/admin_staff_form.html", context, exc)
    if chosen:
        try:
            do_set_staff_terminals(created.staff, chosen, actor=actor(request))
        except JukiError as exc:
            messages.error(request, f"職員は作成しましたが、端末を設定できませんでした: {exc.message}（エラーコード: {exc.code}）")
    return render_once(request, "security/admin_staff_password.html",
                       {"staff": created.staff, "password": created.initial_password, "created": True})


@requires(Function.STAFF_MANAGE)
def staff_detail(request: HttpRequest, staff_id: str) -> HttpResponse:
    """職員の詳細: roles, terminals, role change history; forms for every change."""
    staff = get_object_or_404(Staff, staff_id=staff_id)
    grants = staff.role_grants.select_related("request__requested_by", "request__decided_by").order_by("granted_at")
    requests = staff.role_requests.select_related("requested_by", "decided_by")[:50]
    held = set(staff.roles())
    grantable = [
        (r.value, label, [f"{a.label}・{b.label}" for a, b in role_conflicts(held | {r})])
        for r, label in ROLE_LABELS.items() if r not in held
    ]
    return render(request, "security/admin_staff_detail.html", {
        "subject": staff,
        "active_grants": [g for g in grants if g.revoked_at is None],
        "past_grants": [g for g in grants if g.revoked_at is not None],
        "requests": requests,
        "held": [(r.value, r.label) for r in sorted(held)],
        "grantable": grantable,
        "all_terminals": Terminal.objects.filter(Q(is_active=True) | Q(staff=staff)).distinct(),
        "assigned": set(staff.terminals.values_list("terminal_id", flat=True)),
        "is_self": staff.pk == request.user.pk,
    })


@requires(Function.STAFF_MANAGE)
@require_POST
def staff_disable(request: HttpRequest, staff_id: str) -> HttpResponse:
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        do_disable_staff(staff, request.POST.get("reason", ""), actor=actor(request),
                         application_no=request.POST.get("application_no", ""))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    messages.success(request, f"職員 {staff.staff_id} を無効化しました。ログイン中のセッションは終了しました。")
    return HttpResponseRedirect(_detail_url(staff))


@requires(Function.STAFF_MANAGE)
@require_POST
def staff_enable(request: HttpRequest, staff_id: str) -> HttpResponse:
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        do_enable_staff(staff, actor=actor(request), application_no=request.POST.get("application_no", ""))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    messages.success(request, f"職員 {staff.staff_id} を有効にしました。")
    return HttpResponseRedirect(_detail_url(staff))


@requires(Function.STAFF_MANAGE)
@require_POST
def staff_terminals(request: HttpRequest, staff_id: str) -> HttpResponse:
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        result = do_set_staff_terminals(staff, request.POST.getlist("terminals"), actor=actor(request))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    shown = "、".join(t.terminal_id for t in result) or "なし"
    messages.success(request, f"利用可能端末を設定しました: {shown}")
    return HttpResponseRedirect(_detail_url(staff))


@requires(Function.STAFF_MANAGE)
@require_POST
def staff_own_record(request: HttpRequest, staff_id: str) -> HttpResponse:
    """自身の宛名番号の設定 (empty removes the link); only the number is shown, never the record."""
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        staff = do_set_staff_own_record(staff, request.POST.get("own_addressee_no", ""), actor=actor(request),
                                        application_no=request.POST.get("application_no", ""))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    if staff.own_addressee_no:
        messages.success(request, f"自身の宛名番号を設定しました: {staff.own_addressee_no:010d}")
    else:
        messages.success(request, "自身の宛名番号の設定を解除しました。")
    return HttpResponseRedirect(_detail_url(staff))


@requires(Function.STAFF_MANAGE)
@require_POST
def staff_reset(request: HttpRequest, staff_id: str) -> HttpResponse:
    """パスワード・二要素の再設定: a new one-time password, shown once."""
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        created = do_reset_staff_credentials(staff, actor=actor(request),
                                             application_no=request.POST.get("application_no", ""))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    return render_once(request, "security/admin_staff_password.html",
                       {"staff": created.staff, "password": created.initial_password, "created": False})


@requires(Function.ROLE_REQUEST)
@require_POST
def staff_role_request(request: HttpRequest, staff_id: str) -> HttpResponse:
    """権限変更の申請 (grant or revoke); a second administrator approves it."""
    staff = get_object_or_404(Staff, staff_id=staff_id)
    try:
        req = do_request_role_change(
            staff, request.POST.get("role", ""), request.POST.get("kind", ""),
            request.POST.get("application_no", ""), request.POST.get("reason", ""), actor=actor(request),
        )
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(staff))
    verb = "付与" if req.kind == RoleChangeRequest.Kind.GRANT else "取消"
    messages.success(request, f"役割「{req.get_role_display()}」の{verb}を申請しました（申請番号 {req.pk}）。"
                              "別のシステム管理者が承認すると有効になります。")
    return HttpResponseRedirect(_detail_url(staff))
