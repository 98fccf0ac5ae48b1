"""Request-level controls: terminal binding, idle screen lock, and deny-by-default permissions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from juki.audit.events import EventType, Outcome
from juki.audit.log import record_request

from . import terminals
from .access import API_DISPATCH, declared_function, staff_may
from .roles import Function

LOCK_EXEMPT_PREFIXES = ("/lock/", "/logout/", "/static/", "/login/", "/api/", "/healthz")
PASSWORD_CHANGE_EXEMPT_PREFIXES = ("/password/",)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def refuse(request: HttpRequest, code: str, message: str, status: int = 403) -> HttpResponse:
    """A refusal page or problem+json, with a stable code and a Japanese message."""
    if _wants_json(request):
        body = {"type": f"urn:juki:error:{code}", "title": message, "status": status, "code": code}
        return JsonResponse(body, status=status, content_type="application/problem+json")
    return render(request, "web/error.html", {"code": code, "message": message}, status=status)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response juki's views and middleware produce (キャッシュ禁止).

    Resident pages, search results, API JSON, refusals and redirects after a change all carry
    personal data or lead to it; a browser or proxy must not keep a copy on disk for the next
    user of a shared terminal. Static files are answered by WhiteNoise above this middleware
    and keep their long-lived caching. Directives a view set itself (e.g.
    ``add_never_cache_headers``) are kept, with ``no-store`` added.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response


class TerminalMiddleware:
    """Resolve the registered terminal (登録端末) from its signed cookie into ``request.terminal``,
    and end sessions that may not go on (セッションの終了):

    - the account was disabled (the backend loads nobody for it) — ``SESSION_ENDED``;
    - the session is older than ``SESSION_COOKIE_AGE`` since login (absolute limit; the
      cookie's own expiry slides with activity) — ``SESSION_EXPIRED``;
    - the session is bound to the terminal it logged in from: if the cookie changes, the
      terminal is revoked, or the staff member is no longer assigned to it, the session ends
      — ``TERMINAL_SESSION_MISMATCH``.

    Each is audited as ``SESSION_ENDED`` with outcome denied and the real reason.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.terminal = terminals.terminal_from_request(request)  # type: ignore[attr-defined]  # request attribute of this middleware
        user = getattr(request, "user", None)
        if user is None:
            return self.get_response(request)
        if not user.is_authenticated:
            if SESSION_KEY in request.session:
                # A session whose account can no longer be loaded: disabled (or removed).
                from .models import Staff

                staff_id = Staff.objects.filter(pk=request.session[SESSION_KEY]).values_list("staff_id", flat=True).first()
                record_request(request, EventType.SESSION_ENDED, action="logout", function=Function.SESSION,
                               staff_id=staff_id or "", outcome=Outcome.DENIED, detail={"reason": "account_disabled"})
                request.session.flush()
                return refuse(request, "SESSION_ENDED", "このセッションは終了しました。再度ログインしてください。", 401)
            return self.get_response(request)
        login_at = request.session.get("login_at")
        if login_at is not None and time.time() - float(login_at) > settings.SESSION_COOKIE_AGE:
            record_request(request, EventType.SESSION_ENDED, action="logout", function=Function.SESSION,
                           outcome=Outcome.DENIED, detail={"reason": "expired",
                                                           "max_age_seconds": settings.SESSION_COOKIE_AGE})
            logout(request)
            return refuse(request, "SESSION_EXPIRED", "セッションの有効期限が切れました。再度ログインしてください。", 401)
        bound = request.session.get("terminal_id")
        terminal = request.terminal  # type: ignore[attr-defined]  # request attribute of this middleware
        ok = (
            terminal is not None
            and bound == terminal.terminal_id
            and user.terminals.filter(pk=terminal.pk).exists()
        )
        if not ok:
            record_request(
                request, EventType.SESSION_ENDED, action="logout", function=Function.SESSION,
                outcome=Outcome.DENIED, detail={"reason": "terminal_mismatch", "bound": bound or ""},
            )
            logout(request)
            return refuse(request, "TERMINAL_SESSION_MISMATCH",
                          "この端末ではセッションを継続できません。再度ログインしてください。", status=401)
        return self.get_response(request)


class IdleLockMiddleware:
    """Lock the screen after ``JUKI_IDLE_LOCK_SECONDS`` without activity (画面ロック), and hold a
    staff member who must change the password (初回パスワード変更) at the change page.

    A locked session reaches nothing but the unlock page and logout until the password is
    given again; a session that must change its password reaches only the change page, the
    lock page and logout.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(LOCK_EXEMPT_PREFIXES):
            now = time.time()
            last = request.session.get("last_activity", now)
            if not request.session.get("locked") and now - last > settings.JUKI_IDLE_LOCK_SECONDS:
                request.session["locked"] = True
                record_request(request, EventType.SCREEN_LOCKED, action="lock", function=Function.SESSION,
                               detail={"idle_seconds": int(now - last), "reason": "idle"})
            if request.session.get("locked"):
                if _wants_json(request) or request.headers.get("HX-Request"):
                    return refuse(request, "SCREEN_LOCKED", "画面がロックされています。パスワードを入力してください。", 401)
                return HttpResponseRedirect(f"/lock/?next={quote(request.get_full_path())}")
            request.session["last_activity"] = now
            if user.must_change_password and not request.path.startswith(PASSWORD_CHANGE_EXEMPT_PREFIXES):
                if _wants_json(request) or request.headers.get("HX-Request"):
                    return refuse(request, "PASSWORD_CHANGE_REQUIRED",
                                  "パスワードの変更が必要です。先にパスワードを変更してください。", 403)
                return HttpResponseRedirect("/password/")
        return self.get_response(request)


class PermissionMiddleware:
    """Deny by default: a view reaches its code only if it declared a function and the
    staff member's roles and terminal allow it. Every refusal is audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        function = declared_function(view)
        if function == API_DISPATCH:
            return None  # each API operation is checked by juki.api.auth
        if function is None:
            record_request(request, EventType.ACCESS_DENIED, action="deny", function="undeclared",
                           outcome=Outcome.DENIED, detail={"path": request.path})
            return refuse(request, "FORBIDDEN", "この機能を利用する権限がありません。")
        function = Function(function)
        user = request.user
        if function != Function.PUBLIC and not user.is_authenticated:
            if _wants_json(request):
                return refuse(request, "AUTH_REQUIRED", "ログインが必要です。", 401)
            return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={request.get_full_path()}")
        if not staff_may(user, getattr(request, "terminal", None), function):
            record_request(request, EventType.ACCESS_DENIED, action="deny", function=function.value,
                           outcome=Outcome.DENIED, detail={"path": request.path})
            return refuse(request, "FORBIDDEN", "この機能を利用する権限がありません。")
        request.juki_function = function  # type: ignore[attr-defined]  # request attribute of this middleware
        return None
