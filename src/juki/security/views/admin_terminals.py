"""端末管理: registered terminals (list, register, functions, enrolment code, revoke) and the
read-only list of API clients (外部システム; created and revoked with ``juki apiclient``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from juki.core.errors import JukiError

from ..access import requires
from ..actions import (
    do_issue_enrolment_code,
    do_register_terminal,
    do_revoke_terminal,
    do_set_terminal_functions,
)
from ..models import ApiClient, Terminal
from ..roles import FUNCTION_LABELS, TERMINAL_FUNCTIONS, Function
from .admin_common import actor, back_with_error, form_error, render_once


def function_choices() -> list[tuple[str, str]]:
    """(value, Japanese label) of every function a terminal may be restricted to."""
    return [(f.value, FUNCTION_LABELS.get(f, f.value)) for f in sorted(TERMINAL_FUNCTIONS, key=lambda f: f.value)]




def _detail_url(terminal: Terminal) -> str:
    return reverse("admin-terminal-detail", args=[terminal.terminal_id])


@requires(Function.TERMINAL_MANAGE)
def terminal_list(request: HttpRequest) -> HttpResponse:
    all_values = {f.value for f in TERMINAL_FUNCTIONS}
    rows = [
        {"terminal": t, "all": set(t.functions) >= all_values, "staff_count": t.staff.count()}
        for t in Terminal.objects.all()
    ]
    return render(request, "security/admin_terminal_list.html", {"rows": rows})


@requires(Function.TERMINAL_MANAGE)
@require_http_methods(["GET", "POST"])
def terminal_create(request: HttpRequest) -> HttpResponse:
    values = {k: request.POST.get(k, "").strip() for k in ("terminal_id", "name", "location")}
    chosen = request.POST.getlist("functions") if request.method == "POST" else [v for v, _ in function_choices()]
    context = {"values": values, "choices": function_choices(), "chosen": chosen}
    if request.method == "GET":
        return render(request, "security/admin_terminal_form.html", context)
    try:
        terminal = do_register_terminal(values["terminal_id"], values["name"], values["location"], chosen,
                                        actor=actor(request))
    except JukiError as exc:
        return form_error(request, "security/admin_terminal_form.html", context, exc)
    messages.success(request, f"端末 {terminal.terminal_id} を登録しました。ブラウザ登録コードを発行して、その端末のブラウザを登録してください。")
    return HttpResponseRedirect(_detail_url(terminal))


@requires(Function.TERMINAL_MANAGE)
def terminal_detail(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = get_object_or_404(Terminal, terminal_id=terminal_id)
    return render(request, "security/admin_terminal_detail.html", {
        "terminal": terminal,
        "choices": function_choices(),
        "chosen": set(terminal.functions),
        "staff": terminal.staff.all(),
    })


@requires(Function.TERMINAL_MANAGE)
@require_POST
def terminal_functions(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = get_object_or_404(Terminal, terminal_id=terminal_id)
    try:
        do_set_terminal_functions(terminal, request.POST.getlist("functions"), actor=actor(request))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(terminal))
    messages.success(request, "利用可能機能を変更しました。")
    return HttpResponseRedirect(_detail_url(terminal))


@requires(Function.TERMINAL_MANAGE)
@require_POST
def terminal_revoke(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = get_object_or_404(Terminal, terminal_id=terminal_id)
    try:
        do_revoke_terminal(terminal, actor=actor(request), reason=request.POST.get("reason", ""))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(terminal))
    messages.success(request, f"端末 {terminal.terminal_id} の登録を取り消しました。この端末のセッションは終了します。")
    return HttpResponseRedirect(_detail_url(terminal))


@requires(Function.TERMINAL_MANAGE)
@require_POST
def terminal_enrol(request: HttpRequest, terminal_id: str) -> HttpResponse:
    """ブラウザ登録コードの発行: the code and URL are shown on this page only, once."""
    terminal = get_object_or_404(Terminal, terminal_id=terminal_id)
    try:
        code = do_issue_enrolment_code(terminal, actor=actor(request))
    except JukiError as exc:
        return back_with_error(request, exc, _detail_url(terminal))
    terminal.refresh_from_db()
    url = request.build_absolute_uri(reverse("terminal-enrol") + "?" + urlencode({"code": code}))
    return render_once(request, "security/admin_terminal_enrol.html", {"terminal": terminal, "code": code, "url": url})


@requires(Function.TERMINAL_MANAGE)
def apiclient_list(request: HttpRequest) -> HttpResponse:
    return render(request, "security/admin_apiclient_list.html", {"clients": ApiClient.objects.all()})
