"""Login, second factor, screen lock, password change, logout and terminal enrolment pages.

Views translate HTTP to the actions in :mod:`juki.security.auth` and back; every refusal is a
:class:`~juki.core.errors.JukiError` already audited by the action, shown on the page (or as
problem+json) with its stable code and Japanese message.
"""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from juki.core.errors import JukiError

from .. import auth, terminals
from ..access import logged_in_staff, requires
from ..middleware import _wants_json, refuse
from ..models import Staff
from ..roles import Function

# --- forms -----------------------------------------------------------------------------------


class LoginForm(forms.Form):
    staff_id = forms.CharField(
        label="職員ID", max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "spellcheck": "false",
                                      "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="パスワード", max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="確認コード（6桁）", max_length=8, strip=True,
        widget=forms.TextInput(attrs={
            "autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric",
            "pattern": "[0-9 ]{6,7}", "size": 8,
        }),
    )


class UnlockForm(forms.Form):
    password = forms.CharField(
        label="パスワード", max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autofocus": True, "autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label="現在のパスワード", max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autofocus": True, "autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label="新しいパスワード", max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label="新しいパスワード（確認）", max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TerminalEnrolForm(forms.Form):
    code = forms.CharField(
        label="登録コード", max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false",
                                      "autocapitalize": "characters", "placeholder": "XXXX-XXXX-XXXX"}),
    )


# --- helpers -----------------------------------------------------------------------------------

def _page(request: HttpRequest, template: str, context: dict[str, Any], error: JukiError | None = None) -> HttpResponse:
    """Render an auth page; with ``error``, the refusal's status, code and message (or problem+json)."""
    if error is not None and _wants_json(request):
        return refuse(request, error.code, error.message, error.status)
    return render(request, template, {**context, "error": error}, status=error.status if error else 200)


def _already_logged_in(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return HttpResponseRedirect("/")
    return None


def _after_login(staff: Staff, pending_next: str) -> HttpResponse:
    if staff.must_change_password:
        return HttpResponseRedirect("/password/")
    return HttpResponseRedirect(pending_next or "/")


def _group(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


# --- views -------------------------------------------------------------------------------------


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """ログイン（職員ID・パスワード）."""
    if (done := _already_logged_in(request)) is not None:
        return done
    terminal = getattr(request, "terminal", None)
    if request.method == "POST":
        # No form-level refusal: an empty field is just a failed attempt (same answer, audited).
        staff_id = request.POST.get("staff_id", "")[:32]
        next_url = auth.safe_next_url(request, request.POST.get("next"))
        try:
            pending = auth.do_begin_login(request, staff_id, request.POST.get("password", ""), next_url=next_url)
        except JukiError as err:
            form = LoginForm(initial={"staff_id": staff_id.strip(), "next": next_url})
            return _page(request, "security/auth_login.html", {"form": form, "terminal": terminal}, err)
        return HttpResponseRedirect("/login/totp/enrol/" if pending.needs_enrolment else "/login/totp/")
    form = LoginForm(initial={"next": auth.safe_next_url(request, request.GET.get("next"))})
    return _page(request, "security/auth_login.html", {"form": form, "terminal": terminal})


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    """二要素認証（確認コードの入力）."""
    if (done := _already_logged_in(request)) is not None:
        return done
    pending = auth.pending_login(request)
    if pending is None:
        return HttpResponseRedirect("/login/")
    if pending.needs_enrolment:
        return HttpResponseRedirect("/login/totp/enrol/")
    if request.method == "POST":
        form = CodeForm(request.POST)
        try:
            staff = auth.do_complete_login(request, form.data.get("code", ""))
        except JukiError as err:
            if auth.pending_login(request) is None:  # the attempt is over: start again
                return _page(request, "security/auth_login.html",
                             {"form": LoginForm(initial={"next": pending.next_url}),
                              "terminal": getattr(request, "terminal", None)}, err)
            return _page(request, "security/auth_totp.html", {"form": CodeForm()}, err)
        return _after_login(staff, pending.next_url)
    return _page(request, "security/auth_totp.html", {"form": CodeForm()})


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def totp_enrol_view(request: HttpRequest) -> HttpResponse:
    """二要素認証の登録（初回ログイン時）: QR code and secret, confirmed by one code."""
    if (done := _already_logged_in(request)) is not None:
        return done
    pending = auth.pending_login(request)
    if pending is None:
        return HttpResponseRedirect("/login/")
    if not pending.needs_enrolment:
        return HttpResponseRedirect("/login/totp/")
    staff = Staff.objects.filter(pk=pending.staff_pk).first()
    secret = auth.pending_totp_secret(request, staff) if staff is not None else None
    if staff is None or secret is None or pending.expired():
        auth.clear_pending(request)
        return HttpResponseRedirect("/login/")

    enrolling, enrol_secret = staff, secret

    def context() -> dict[str, Any]:
        uri = auth.provisioning_uri(enrolling, enrol_secret)
        qr = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="二要素認証の登録用QRコード")
        return {"form": CodeForm(), "staff": enrolling, "secret": enrol_secret, "secret_grouped": _group(enrol_secret),
                "qr_svg": mark_safe(qr), "uri": uri}  # noqa: S308 - segno's own SVG, no user input

    if request.method == "POST":
        try:
            staff = auth.do_enrol_totp(request, CodeForm(request.POST).data.get("code", ""))
        except JukiError as err:
            if auth.pending_login(request) is None:
                return _page(request, "security/auth_login.html",
                             {"form": LoginForm(initial={"next": pending.next_url}),
                              "terminal": getattr(request, "terminal", None)}, err)
            return _page(request, "security/auth_totp_enrol.html", context(), err)
        messages.success(request, "二要素認証を登録しました。次回からは認証アプリの確認コードでログインします。")
        return _after_login(staff, pending.next_url)
    return _page(request, "security/auth_totp_enrol.html", context())


@requires(Function.SESSION)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """ログアウト."""
    auth.do_logout(request)
    messages.success(request, "ログアウトしました。")
    return HttpResponseRedirect("/login/")


@requires(Function.SESSION)
@require_http_methods(["GET", "POST"])
def lock_view(request: HttpRequest) -> HttpResponse:
    """画面ロック: opening this page locks the session; the password unlocks it."""
    next_url = auth.safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        form = UnlockForm(request.POST)
        try:
            auth.do_unlock_screen(request, form.data.get("password", ""))
        except JukiError as err:
            if not request.user.is_authenticated:  # the account locked: the session is over
                return _page(request, "security/auth_login.html",
                             {"form": LoginForm(), "terminal": getattr(request, "terminal", None)}, err)
            return _page(request, "security/auth_lock.html", {"form": UnlockForm(initial={"next": next_url})}, err)
        return HttpResponseRedirect(next_url)
    auth.do_lock_screen(request)
    return _page(request, "security/auth_lock.html", {"form": UnlockForm(initial={"next": next_url})})


@requires(Function.SESSION)
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    """パスワード変更 (forced after the first login or a reset, or by choice)."""
    from django.contrib.auth.password_validation import password_validators_help_texts

    ctx = {"help_texts": password_validators_help_texts(), "forced": logged_in_staff(request).must_change_password}
    if request.method == "POST":
        form = PasswordChangeForm(request.POST)
        data = form.data
        try:
            auth.do_change_password(request, data.get("current", ""), data.get("new", ""), data.get("confirm", ""))
        except JukiError as err:
            if not request.user.is_authenticated:
                return _page(request, "security/auth_login.html",
                             {"form": LoginForm(), "terminal": getattr(request, "terminal", None)}, err)
            return _page(request, "security/auth_password.html", {**ctx, "form": PasswordChangeForm()}, err)
        messages.success(request, "パスワードを変更しました。")
        return HttpResponseRedirect("/")
    return _page(request, "security/auth_password.html", {**ctx, "form": PasswordChangeForm()})


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def terminal_enrol_view(request: HttpRequest) -> HttpResponse:
    """端末のブラウザ登録: redeem the one-time code an administrator issued for this workstation.

    ``?code=`` fills the form (so ``make run`` can print a clickable URL); redeeming always
    needs the button (POST), so a link preview or prefetch cannot consume the code.
    """
    current = getattr(request, "terminal", None)
    if request.method == "POST":
        form = TerminalEnrolForm(request.POST)
        try:
            terminal = auth.do_enrol_terminal(request, form.data.get("code", ""))
        except JukiError as err:
            return _page(request, "security/auth_terminal_enrol.html",
                         {"form": TerminalEnrolForm(initial={"code": form.data.get("code", "")}), "current": current},
                         err)
        response = render(request, "security/auth_terminal_enrolled.html", {"enrolled": terminal})
        terminals.set_cookie(response, terminal)
        return response
    form = TerminalEnrolForm(initial={"code": request.GET.get("code", "")[:32]})
    return _page(request, "security/auth_terminal_enrol.html", {"form": form, "current": current})
