"""Staff login (ログイン), second factor (二要素認証), screen lock (画面ロック) and sessions.

The login sequence (docs/security-authentication.md draws it):

1. **Password** — :func:`do_begin_login`. Refused unless the browser carries the signed cookie
   of a registered, active terminal (登録端末) *and* the staff member is assigned to it. The
   refusal is the same code and message whatever the real reason (unknown ID, wrong password,
   disabled or locked account, unassigned terminal) — no "user exists" oracle — while the
   audit event records the real reason. A typed ID that names no account is logged only as a
   keyed hash and its length (:func:`attempted_id_hash`): it may be a password typed into the
   ID field. Per-account lockout after
   ``JUKI_LOGIN_MAX_FAILURES`` consecutive failures for ``JUKI_LOGIN_LOCK_SECONDS``; per-IP
   throttle over the failed-login events of the last ``JUKI_LOGIN_IP_WINDOW_SECONDS``.
   Success leaves a *pending* login in the session (staff, terminal, time; 5 minutes), not a
   logged-in session.
2. **Second factor** — :func:`do_enrol_totp` on first login (the secret is shown once as a QR
   code and stored AES-GCM-encrypted), :func:`do_complete_login` afterwards. RFC 6238 TOTP,
   30 s, one step of clock drift either way; a code whose time step is not later than the last
   accepted one is a replay and refused. A wrong code counts toward the lockout.
3. Only then ``django.contrib.auth.login`` (new session key), the session is bound to the
   terminal, and ``LOGIN_OK`` is audited. A staff member who must change the password is sent
   to :func:`do_change_password` before anything else (``IdleLockMiddleware`` enforces it).

Every refusal raises a :class:`~juki.core.errors.JukiError` (stable code, Japanese message)
after writing its audit event outside any transaction (see :mod:`juki.audit.log`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import SESSION_KEY, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction

from juki.audit.events import EventType, Outcome
from juki.audit.log import client_ip, record_request
from juki.audit.models import AuditEvent
from juki.core import clock, keys
from juki.core.digits import is_ascii_digits
from juki.core.errors import AuthenticationFailed, JukiError, ValidationFailed

from . import terminals
from .models import Staff, Terminal
from .roles import Function

# --- session keys and constants ----------------------------------------------------------

PENDING_KEY = "juki_pending_login"  # the half-done login: password given, second factor not yet
PENDING_SECRET_KEY = "juki_pending_totp"  # a TOTP secret offered for enrolment (encrypted)
PENDING_SECONDS = 5 * 60
SESSION_TERMINAL_KEY = "terminal_id"
SESSION_LAST_ACTIVITY_KEY = "last_activity"
SESSION_LOGIN_AT_KEY = "login_at"
SESSION_LOCKED_KEY = "locked"

TOTP_INTERVAL = 30
TOTP_DIGITS = 6
TOTP_VALID_WINDOW = 1
TOTP_ISSUER = "juki"

# Actions under which failed logins are audited; the per-IP throttle counts these (and not
# the throttled attempts themselves, so the throttle ends when its window has passed).
ACTION_LOGIN = "login"
ACTION_TOTP = "totp"
ACTION_TOTP_ENROL = "totp-enrol"
ACTION_THROTTLED = "login-throttled"
THROTTLE_COUNTED_ACTIONS = (ACTION_LOGIN, ACTION_TOTP, ACTION_TOTP_ENROL)


# --- refusals (stable codes, Japanese messages) -------------------------------------------

def login_failed() -> JukiError:
    """The one refusal for every account-related reason at login (no oracle)."""
    return AuthenticationFailed(
        code="LOGIN_FAILED",
        message="ログインできませんでした。職員ID・パスワードが正しくないか、この端末での利用が許可されていません。",
    )


def terminal_not_registered() -> JukiError:
    return JukiError(
        code="TERMINAL_NOT_REGISTERED", status=403,
        message="この端末は登録されていません。システム管理者に端末の登録を依頼してください。",
    )


def login_throttled() -> JukiError:
    return JukiError(
        code="LOGIN_THROTTLED", status=429,
        message="ログインの失敗が続いたため、しばらく受け付けません。時間をおいて再度お試しください。",
    )


def login_expired() -> JukiError:
    return AuthenticationFailed(
        code="LOGIN_EXPIRED", message="ログインの有効期限が切れました。職員IDとパスワードから入力し直してください。",
    )


def totp_invalid() -> JukiError:
    return AuthenticationFailed(code="TOTP_INVALID", message="確認コードが正しくありません。")


def totp_replayed() -> JukiError:
    return AuthenticationFailed(
        code="TOTP_REPLAYED", message="この確認コードは使用済みです。次のコードが表示されてから入力してください。",
    )


def unlock_failed() -> JukiError:
    return AuthenticationFailed(code="UNLOCK_FAILED", message="パスワードが正しくありません。")


def account_locked_in_session() -> JukiError:
    """For a staff member already identified by their session (no oracle to protect)."""
    return AuthenticationFailed(
        code="ACCOUNT_LOCKED",
        message="失敗が続いたためアカウントがロックされました。ログアウトしました。時間をおいて再度ログインしてください。",
    )


def terminal_enrolment_invalid() -> JukiError:
    return ValidationFailed(
        code="TERMINAL_ENROLMENT_INVALID", field="code",
        message="登録コードが正しくないか、有効期限が切れています。システム管理者に確認してください。",
    )


def terminal_enrolment_throttled() -> JukiError:
    return JukiError(
        code="TERMINAL_ENROLMENT_THROTTLED", status=429,
        message="登録コードの誤りが続いたため、しばらく受け付けません。時間をおいて再度お試しください。",
    )


# --- plain rules ---------------------------------------------------------------------------

def is_locked(staff: Staff, now: dt.datetime | None = None) -> bool:
    """Whether the account is in its lockout period (アカウントロック中)."""
    return staff.locked_until is not None and staff.locked_until > (now or clock.now())


def totp_enrolled(staff: Staff) -> bool:
    return staff.totp_enrolled_at is not None and bool(staff.totp_secret_enc)


def new_totp_secret() -> str:
    """A fresh 160-bit base32 secret (RFC 4226 recommends at least 128 bits)."""
    return pyotp.random_base32(length=32)


def totp_matching_step(secret: str, code: str, at: dt.datetime | None = None) -> int | None:
    """The time step (RFC 6238 T) at which ``code`` is valid, within ±1 step of ``at``, or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not is_ascii_digits(code):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    current = totp.timecode((at or clock.now()).timestamp())
    found = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        # Compare every candidate (no early exit): constant work whatever the code.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def provisioning_uri(staff: Staff, secret: str) -> str:
    """The otpauth:// URI a TOTP app reads from the QR code."""
    issuer = f"{TOTP_ISSUER} {settings.JUKI_MUNICIPALITY_NAME}".strip()
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL).provisioning_uri(
        name=staff.staff_id, issuer_name=issuer,
    )


def _totp_aad(staff: Staff) -> bytes:
    # Binds the ciphertext to its account: a secret copied to another row does not decrypt.
    return f"juki.totp:{staff.pk}".encode()


def encrypt_totp_secret(staff: Staff, secret: str) -> bytes:
    return keys.encrypt(secret.encode(), purpose="totp", aad=_totp_aad(staff))


def totp_secret_of(staff: Staff) -> str:
    """The staff member's TOTP secret in clear (only for verification)."""
    if staff.totp_secret_enc is None:
        raise ValueError("no TOTP secret enrolled")
    return keys.decrypt(bytes(staff.totp_secret_enc), aad=_totp_aad(staff)).decode()


def store_totp_secret(staff: Staff, secret: str, *, last_step: int = 0) -> None:
    """Write an enrolled TOTP secret (encrypted) to the account; the caller audits and locks."""
    staff.totp_secret_enc = encrypt_totp_secret(staff, secret)
    staff.totp_enrolled_at = clock.now()
    staff.totp_last_step = last_step
    staff.save(update_fields=["totp_secret_enc", "totp_enrolled_at", "totp_last_step"])


def ip_throttled(ip: str, event_type: EventType = EventType.LOGIN_FAILED,
                 actions: tuple[str, ...] | None = THROTTLE_COUNTED_ACTIONS) -> bool:
    """Whether ``ip`` made ``JUKI_LOGIN_IP_LIMIT`` failed attempts within the window.

    Counted from the audit log itself (index on ip, event_type, occurred_at), so the throttle
    holds across processes and restarts.
    """
    since = clock.now() - dt.timedelta(seconds=settings.JUKI_LOGIN_IP_WINDOW_SECONDS)
    qs = AuditEvent.objects.filter(ip=ip, event_type=int(event_type), occurred_at__gte=since)
    if actions is not None:
        qs = qs.filter(action__in=actions)
    return qs.count() >= settings.JUKI_LOGIN_IP_LIMIT


def safe_next_url(request: Any, candidate: str | None) -> str:
    """``candidate`` if it is a local path worth returning to after login or unlock, else "/"."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return "/"
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return "/"
    if candidate.startswith(("/login/", "/logout/", "/lock/", "/terminal/enrol/")):
        return "/"
    return candidate


def terminal_cookie_problem(request: Any) -> str:
    """Why ``request.terminal`` is None, for the audit log (never shown to the user)."""
    raw = request.COOKIES.get(settings.JUKI_TERMINAL_COOKIE)
    if not raw:
        return "no_terminal_cookie"
    try:
        data = signing.loads(raw, salt=terminals.SALT)
    except signing.BadSignature:
        return "terminal_cookie_bad_signature"
    terminal = Terminal.objects.filter(terminal_id=data.get("t")).first() if isinstance(data, dict) else None
    if terminal is None:
        return "terminal_unknown"
    if not terminal.is_active:
        return "terminal_revoked"
    return "terminal_binding_stale"  # an older cookie of a terminal enrolled again since


# --- pending login (password given, second factor not yet) ---------------------------------

@dataclass(frozen=True)
class PendingLogin:
    staff_pk: int
    terminal_id: str
    started: float
    next_url: str
    needs_enrolment: bool

    def expired(self) -> bool:
        return time.time() - self.started > PENDING_SECONDS


def pending_login(request: Any) -> PendingLogin | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return PendingLogin(**data)
    except TypeError:
        return None


def clear_pending(request: Any) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(PENDING_SECRET_KEY, None)


def pending_totp_secret(request: Any, staff: Staff) -> str | None:
    """The secret offered for enrolment in this pending login (kept encrypted in the session)."""
    blob = request.session.get(PENDING_SECRET_KEY)
    if not blob:
        return None
    try:
        return keys.decrypt(base64.b64decode(blob), aad=_totp_aad(staff)).decode()
    except Exception:  # noqa: BLE001 - a damaged or foreign value is simply no secret
        return None


# --- audit helpers ---------------------------------------------------------------------------

#: Key purpose of the keyed hash that stands in for a typed staff ID matching no account.
LOGIN_ID_KEY_PURPOSE = "login-id"


def attempted_id_hash(typed: str) -> str:
    """The keyed hash (HMAC-SHA256, ``kid:hex``) logged for a typed ID that matches no account.

    An auditor with the key can test a guess ("was ``yamada.t`` typed?"), nobody can read the
    typed text back — which may be a password typed into the ID field.
    """
    return keys.keyed_hash(typed, purpose=LOGIN_ID_KEY_PURPOSE)


def _attempted_id(typed: str) -> dict[str, Any]:
    """What the audit log keeps of a typed staff ID: in clear when it names an account (it
    says whose account was tried), otherwise only its keyed hash and its length."""
    if not typed:
        return {}
    if Staff.objects.filter(staff_id=typed).exists():
        return {"attempted_id": typed}
    return {"attempted_id_hash": attempted_id_hash(typed), "attempted_id_length": len(typed)}


def _deny(request: Any, event_type: EventType, *, action: str, reason: str, function: str = Function.PUBLIC.value,
          staff_id: str = "", **detail: Any) -> None:
    record_request(request, event_type, action=action, function=function, outcome=Outcome.DENIED,
                   staff_id=staff_id, detail={"reason": reason, **detail})


def _register_failure(request: Any, staff_pk: int) -> bool:
    """Count one failed attempt against the account; lock it at the limit. True if it locked now.

    The counter write and the ``ACCOUNT_LOCKED`` event land together; the caller audits the
    failed attempt itself afterwards.
    """
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff_pk)
        now = clock.now()
        if is_locked(staff, now):
            return False
        staff.failed_logins += 1
        locked = staff.failed_logins >= settings.JUKI_LOGIN_MAX_FAILURES
        locked_until = now + dt.timedelta(seconds=settings.JUKI_LOGIN_LOCK_SECONDS)
        if locked:
            staff.locked_until = locked_until
            staff.failed_logins = 0
        staff.save(update_fields=["failed_logins", "locked_until"])
        if locked:
            record_request(
                request, EventType.ACCOUNT_LOCKED, action="lock-account", function=Function.PUBLIC.value,
                staff_id=staff.staff_id,
                detail={"max_failures": settings.JUKI_LOGIN_MAX_FAILURES,
                        "locked_until": locked_until.isoformat()},
            )
    return locked


# --- actions ------------------------------------------------------------------------------

def do_begin_login(request: Any, staff_id: str, password: str, *, next_url: str = "/") -> PendingLogin:
    """Step 1: check the terminal and the password; leave a pending login in the session."""
    staff_id = (staff_id or "").strip()
    ip = client_ip(request)
    clear_pending(request)

    if ip_throttled(ip):
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_THROTTLED, reason="ip_throttled",
              **_attempted_id(staff_id))
        raise login_throttled()

    terminal: Terminal | None = getattr(request, "terminal", None)
    if terminal is None:
        _deny(request, EventType.TERMINAL_REFUSED, action=ACTION_LOGIN, reason=terminal_cookie_problem(request),
              **_attempted_id(staff_id))
        raise terminal_not_registered()

    staff = Staff.objects.filter(staff_id=staff_id).first() if staff_id else None
    if staff is None:
        Staff().set_password(password or "")  # the same hashing work as a real check
        reason = "unknown_id"
    else:
        password_ok = staff.check_password(password or "")
        if not staff.is_active:
            reason = "account_disabled"
        elif is_locked(staff):
            reason = "account_locked"
        elif not password_ok:
            reason = "wrong_password"
        elif not staff.terminals.filter(pk=terminal.pk).exists():
            reason = "terminal_not_assigned"
        else:
            reason = ""

    if reason:
        if reason in ("wrong_password", "terminal_not_assigned") and staff is not None:
            _register_failure(request, staff.pk)
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_LOGIN, reason=reason,
              staff_id=staff.staff_id if staff is not None else "",
              **(_attempted_id(staff_id) if staff is None else {}))
        raise login_failed()

    assert staff is not None
    request.session.cycle_key()  # no session fixation across the two steps
    pending = PendingLogin(
        staff_pk=staff.pk, terminal_id=terminal.terminal_id, started=time.time(),
        next_url=next_url, needs_enrolment=not totp_enrolled(staff),
    )
    request.session[PENDING_KEY] = pending.__dict__.copy()
    if pending.needs_enrolment:
        # A fresh secret for every first-login attempt, kept only in this session until confirmed.
        request.session[PENDING_SECRET_KEY] = base64.b64encode(
            encrypt_totp_secret(staff, new_totp_secret())).decode()
    return pending


def _pending_staff(request: Any, action: str) -> tuple[PendingLogin, Staff]:
    """The pending login and its staff member, or a refusal (audited) that clears it."""
    pending = pending_login(request)
    if pending is None:
        _deny(request, EventType.LOGIN_FAILED, action=action, reason="no_pending_login")
        raise login_expired()
    staff = Staff.objects.filter(pk=pending.staff_pk).first()
    staff_id = staff.staff_id if staff is not None else ""
    if pending.expired():
        clear_pending(request)
        _deny(request, EventType.LOGIN_FAILED, action=action, reason="pending_login_expired", staff_id=staff_id)
        raise login_expired()
    if ip_throttled(client_ip(request)):
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_THROTTLED, reason="ip_throttled", staff_id=staff_id)
        raise login_throttled()
    terminal: Terminal | None = getattr(request, "terminal", None)
    reason = ""
    if terminal is None or terminal.terminal_id != pending.terminal_id:
        reason = "terminal_changed"
    elif staff is None or not staff.is_active:
        reason = "account_disabled"
    elif is_locked(staff):
        reason = "account_locked"
    elif not staff.terminals.filter(pk=terminal.pk).exists():
        reason = "terminal_not_assigned"
    if reason:
        clear_pending(request)
        _deny(request, EventType.LOGIN_FAILED, action=action, reason=reason, staff_id=staff_id)
        raise login_failed()
    assert staff is not None
    return pending, staff


def _finish_login(request: Any, staff: Staff, pending: PendingLogin, *, second_factor: str) -> None:
    """Log in (new session key), bind the session to the terminal, audit LOGIN_OK.

    Called inside the transaction that accepted the second factor.
    """
    clear_pending(request)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.save(update_fields=["failed_logins", "locked_until"])
    login(request, staff, backend="juki.security.backends.StaffBackend")  # rotates the session key
    now = time.time()
    request.session[SESSION_TERMINAL_KEY] = pending.terminal_id
    request.session[SESSION_LAST_ACTIVITY_KEY] = now
    request.session[SESSION_LOGIN_AT_KEY] = now
    request.session[SESSION_LOCKED_KEY] = False
    record_request(request, EventType.LOGIN_OK, action=ACTION_LOGIN, function=Function.PUBLIC.value,
                   detail={"second_factor": second_factor, "must_change_password": staff.must_change_password})


def _second_factor_failed(request: Any, staff: Staff, action: str, reason: str, error: JukiError) -> JukiError:
    locked = _register_failure(request, staff.pk)
    if locked:
        clear_pending(request)
    _deny(request, EventType.LOGIN_FAILED, action=action, reason=reason, staff_id=staff.staff_id)
    return login_failed() if locked else error


def do_complete_login(request: Any, code: str) -> Staff:
    """Step 2 for an enrolled account: verify the TOTP code (no replay) and log in."""
    pending, staff = _pending_staff(request, ACTION_TOTP)
    if not totp_enrolled(staff):
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_TOTP, reason="totp_not_enrolled", staff_id=staff.staff_id)
        raise login_expired()
    step = totp_matching_step(totp_secret_of(staff), code)
    error: JukiError | None = None
    reason = ""
    with transaction.atomic():
        locked_row = Staff.objects.select_for_update().get(pk=staff.pk)
        if step is None:
            reason, error = "wrong_code", totp_invalid()
        elif step <= locked_row.totp_last_step:
            reason, error = "replayed_code", totp_replayed()
        else:
            locked_row.totp_last_step = step
            locked_row.save(update_fields=["totp_last_step"])
            _finish_login(request, locked_row, pending, second_factor="totp")
            return locked_row
    assert error is not None
    raise _second_factor_failed(request, staff, ACTION_TOTP, reason, error)


def do_enrol_totp(request: Any, code: str) -> Staff:
    """Step 2 on first login: confirm the offered secret with a code, store it, and log in."""
    pending, staff = _pending_staff(request, ACTION_TOTP_ENROL)
    secret = pending_totp_secret(request, staff)
    if totp_enrolled(staff) or secret is None:
        clear_pending(request)
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_TOTP_ENROL, reason="no_enrolment_pending",
              staff_id=staff.staff_id)
        raise login_expired()
    step = totp_matching_step(secret, code)
    if step is None:
        raise _second_factor_failed(request, staff, ACTION_TOTP_ENROL, "wrong_code", totp_invalid())
    with transaction.atomic():
        locked_row = Staff.objects.select_for_update().get(pk=staff.pk)
        if not totp_enrolled(locked_row):
            store_totp_secret(locked_row, secret, last_step=step)
            record_request(request, EventType.TOTP_ENROLLED, action=ACTION_TOTP_ENROL,
                           function=Function.PUBLIC.value, staff_id=locked_row.staff_id)
            _finish_login(request, locked_row, pending, second_factor="totp-enrolment")
            return locked_row
    # Enrolled meanwhile from another browser: this offer is void, start again.
    clear_pending(request)
    _deny(request, EventType.LOGIN_FAILED, action=ACTION_TOTP_ENROL, reason="already_enrolled",
          staff_id=staff.staff_id)
    raise login_expired()


def do_logout(request: Any) -> None:
    """ログアウト: audit, then end the session (server-side data deleted, cookie cleared)."""
    if request.user.is_authenticated:
        record_request(request, EventType.LOGOUT, action="logout", function=Function.SESSION.value)
    logout(request)


def do_lock_screen(request: Any, *, reason: str = "requested") -> None:
    """画面ロック: from now on the session reaches only the unlock page and logout."""
    if not request.session.get(SESSION_LOCKED_KEY):
        request.session[SESSION_LOCKED_KEY] = True
        record_request(request, EventType.SCREEN_LOCKED, action="lock", function=Function.SESSION.value,
                       detail={"reason": reason})


def _end_session_after_lockout(request: Any, event_type: EventType, action: str) -> None:
    staff_id = request.user.staff_id
    _deny(request, event_type, action=action, reason="account_locked", function=Function.SESSION.value,
          staff_id=staff_id)
    record_request(request, EventType.SESSION_ENDED, action="logout", function=Function.SESSION.value,
                   outcome=Outcome.DENIED, detail={"reason": "account_locked"})
    logout(request)


def do_unlock_screen(request: Any, password: str) -> None:
    """画面ロック解除: the password again. Failures count toward the account lockout."""
    staff: Staff = request.user
    if is_locked(staff):
        _end_session_after_lockout(request, EventType.UNLOCK_FAILED, "unlock")
        raise account_locked_in_session()
    if not staff.check_password(password or ""):
        locked = _register_failure(request, staff.pk)
        if locked:
            _end_session_after_lockout(request, EventType.UNLOCK_FAILED, "unlock")
            raise account_locked_in_session()
        _deny(request, EventType.UNLOCK_FAILED, action="unlock", reason="wrong_password",
              function=Function.SESSION.value, staff_id=staff.staff_id)
        raise unlock_failed()
    with transaction.atomic():
        if staff.failed_logins:
            Staff.objects.filter(pk=staff.pk).update(failed_logins=0)
        request.session[SESSION_LOCKED_KEY] = False
        request.session[SESSION_LAST_ACTIVITY_KEY] = time.time()
        record_request(request, EventType.SCREEN_UNLOCKED, action="unlock", function=Function.SESSION.value)


def do_change_password(request: Any, current: str, new: str, confirm: str) -> None:
    """パスワード変更 (forced at first login, or by choice): the current password, then the policy."""
    staff: Staff = request.user
    forced = staff.must_change_password

    def refuse(reason: str, error: JukiError, **detail: Any) -> JukiError:
        _deny(request, EventType.PASSWORD_CHANGE_FAILED, action="password", reason=reason,
              function=Function.SESSION.value, staff_id=staff.staff_id, forced=forced, **detail)
        return error

    if not staff.check_password(current or ""):
        if _register_failure(request, staff.pk):
            _end_session_after_lockout(request, EventType.PASSWORD_CHANGE_FAILED, "password")
            raise account_locked_in_session()
        raise refuse("wrong_current_password", ValidationFailed(
            code="PASSWORD_CURRENT_WRONG", field="current", message="現在のパスワードが正しくありません。"))
    if new != confirm:
        raise refuse("confirmation_mismatch", ValidationFailed(
            code="PASSWORD_MISMATCH", field="confirm", message="新しいパスワードと確認用の入力が一致しません。"))
    if new == current:
        raise refuse("unchanged", ValidationFailed(
            code="PASSWORD_UNCHANGED", field="new", message="現在と異なるパスワードを設定してください。"))
    try:
        validate_password(new, user=staff)
    except ValidationError as exc:
        raise refuse("policy", ValidationFailed(
            code="PASSWORD_POLICY", field="new", message=" ".join(exc.messages),
        ), rules=sorted({e.code or "invalid" for e in exc.error_list})) from None
    with transaction.atomic():
        staff.set_password(new)
        staff.must_change_password = False
        staff.password_changed_at = clock.now()
        staff.save(update_fields=["password", "must_change_password", "password_changed_at"])
        record_request(request, EventType.PASSWORD_CHANGED, action="password", function=Function.SESSION.value,
                       detail={"forced": forced})
    update_session_auth_hash(request, staff)  # keep this session; others end (their hash is stale)


def do_enrol_terminal(request: Any, code: str) -> Terminal:
    """端末のブラウザ登録: redeem a one-time code; the caller sets the terminal cookie."""
    if ip_throttled(client_ip(request), EventType.TERMINAL_ENROLMENT_FAILED, actions=None):
        _deny(request, EventType.LOGIN_FAILED, action=ACTION_THROTTLED, reason="enrolment_ip_throttled")
        raise terminal_enrolment_throttled()
    terminal = terminals.redeem_enrolment_code(code or "")
    if terminal is None:
        _deny(request, EventType.TERMINAL_ENROLMENT_FAILED, action="terminal-enrol", reason="invalid_or_expired_code")
        raise terminal_enrolment_invalid()
    record_request(request, EventType.TERMINAL_ENROLLED, action="terminal-enrol", function=Function.PUBLIC.value,
                   terminal_id=terminal.terminal_id)
    return terminal


# --- ending sessions -----------------------------------------------------------------------

def end_sessions_of(staff: Staff) -> int:
    """Delete every server-side session of ``staff`` (logged in or half-way through login).

    Called when an account is disabled (transfer, retirement): the next request from any of
    those browsers finds no session. Returns how many sessions were ended; the caller audits.
    """
    pk = str(staff.pk)
    doomed = []
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator():
        data = session.get_decoded()
        pending = data.get(PENDING_KEY)
        if str(data.get(SESSION_KEY, "")) == pk or (isinstance(pending, dict) and str(pending.get("staff_pk")) == pk):
            doomed.append(session.session_key)
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)

