"""Terminal binding (端末認証): the signed, httpOnly cookie that names a registered terminal."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction

from juki.core import clock

from .models import Terminal

SALT = "juki.security.terminal"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


def cookie_value(terminal: Terminal) -> str:
    return signing.dumps({"t": terminal.terminal_id, "n": terminal.binding_nonce}, salt=SALT)


def set_cookie(response: Any, terminal: Terminal) -> None:
    response.set_cookie(
        settings.JUKI_TERMINAL_COOKIE, cookie_value(terminal), max_age=COOKIE_MAX_AGE,
        httponly=True, samesite="Strict", secure=settings.SESSION_COOKIE_SECURE,
    )


def terminal_from_request(request: Any) -> Terminal | None:
    raw = request.COOKIES.get(settings.JUKI_TERMINAL_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        return None
    terminal = Terminal.objects.filter(terminal_id=data.get("t"), is_active=True).first()
    if terminal is None or not terminal.binding_nonce or terminal.binding_nonce != data.get("n"):
        return None
    return terminal


# --- browser enrolment (端末のブラウザ登録) ---------------------------------------------
#
# An administrator issues a one-time code for a registered terminal (valid 30 minutes); at the
# workstation, the browser opens /terminal/enrol/ and gives the code, which sets the cookie.
# Redeeming changes the binding nonce, so any earlier cookie for that terminal stops working.

ENROLMENT_MINUTES = 30


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def issue_enrolment_code(terminal: Terminal) -> str:
    """Set and return a fresh one-time enrolment code (the caller audits the issuance)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter
    code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    terminal.enrolment_code_hash = _code_hash(code)
    terminal.enrolment_expires_at = clock.now() + dt.timedelta(minutes=ENROLMENT_MINUTES)
    terminal.save(update_fields=["enrolment_code_hash", "enrolment_expires_at"])
    return code


def redeem_enrolment_code(code: str) -> Terminal | None:
    """Consume a valid code: return its terminal with a new binding nonce, or None."""
    if not code or not code.strip():
        return None
    with transaction.atomic():
        terminal = (
            Terminal.objects.select_for_update()
            .filter(enrolment_code_hash=_code_hash(code), is_active=True, enrolment_expires_at__gt=clock.now())
            .first()
        )
        if terminal is None:
            return None
        terminal.binding_nonce = secrets.token_urlsafe(24)
        terminal.enrolment_code_hash = ""
        terminal.enrolment_expires_at = None
        terminal.enrolled_at = clock.now()
        terminal.save(update_fields=["binding_nonce", "enrolment_code_hash", "enrolment_expires_at", "enrolled_at"])
    return terminal
