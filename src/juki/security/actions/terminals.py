"""Registered terminals (登録端末): register, restrict to functions, enrol a browser, revoke.

A terminal is usable only after a browser has redeemed a one-time enrolment code for it
(which sets the signed terminal cookie); revoking it ends every session bound to it at the
next request (:class:`~juki.security.middleware.TerminalMiddleware`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from juki.audit.events import EventType
from juki.core import clock
from juki.core.actor import Actor

from .. import terminals as terminal_binding
from ..models import Terminal
from ..roles import TERMINAL_FUNCTIONS, Function
from . import errors
from .common import audit, refusals_audited, require_function

TERMINAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")
ALL = "all"


def parse_terminal_functions(functions: Iterable[str | Function] | str) -> list[str]:
    """Functions a terminal may be used for (機能ごとの端末制限): ``"all"`` or a list of values."""
    if isinstance(functions, str):
        items = [f.strip() for f in functions.split(",") if f.strip()]
    else:
        items = [str(f).strip() for f in functions if str(f).strip()]
    if items == [ALL]:
        return sorted(f.value for f in TERMINAL_FUNCTIONS)
    if not items:
        raise errors.FunctionsRequired()
    allowed = {f.value for f in TERMINAL_FUNCTIONS}
    for item in items:
        if item not in allowed:
            raise errors.UnknownFunction(item)
    return sorted(set(items))


def do_register_terminal(terminal_id: str, name: str, location: str = "",
                         functions: Iterable[str | Function] | str = ALL, *, actor: Actor) -> Terminal:
    """端末の登録. The terminal works only once a browser is enrolled with a one-time code."""
    with refusals_audited(actor, EventType.TERMINAL_REGISTERED, action="create", function=Function.TERMINAL_MANAGE,
                          detail={"terminal": terminal_id.strip()[:32]}):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            terminal_id, name = terminal_id.strip(), name.strip()
            if not TERMINAL_ID_RE.match(terminal_id) or terminal_id.lower() == "new":
                raise errors.TerminalIdInvalid()
            if not name:
                raise errors.TerminalNameRequired()
            fns = parse_terminal_functions(functions)
            if Terminal.objects.filter(terminal_id__iexact=terminal_id).exists():
                raise errors.TerminalIdTaken()
            terminal = Terminal.objects.create(
                terminal_id=terminal_id, name=name, location=location.strip(), functions=fns,
                registered_at=clock.now(),
            )
            audit(actor, EventType.TERMINAL_REGISTERED, action="create", function=Function.TERMINAL_MANAGE,
                  detail={"terminal": terminal.terminal_id, "name": terminal.name, "location": terminal.location,
                          "functions": fns})
    return terminal


def _locked_active(terminal: Terminal) -> Terminal:
    terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if not terminal.is_active:
        raise errors.TerminalRevoked(terminal.terminal_id)
    return terminal


def do_set_terminal_functions(terminal: Terminal, functions: Iterable[str | Function] | str, *,
                              actor: Actor) -> Terminal:
    """端末の利用可能機能の変更 (Hiroshima digest D1.5: per-function terminal restriction)."""
    with refusals_audited(actor, EventType.TERMINAL_FUNCTIONS_CHANGED, action="update",
                          function=Function.TERMINAL_MANAGE, detail={"terminal": terminal.terminal_id}):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            terminal = _locked_active(terminal)
            fns = parse_terminal_functions(functions)
            before = list(terminal.functions)
            terminal.functions = fns
            terminal.save(update_fields=["functions"])
            audit(actor, EventType.TERMINAL_FUNCTIONS_CHANGED, action="update", function=Function.TERMINAL_MANAGE,
                  detail={"terminal": terminal.terminal_id, "before": before, "after": fns})
    return terminal


def do_revoke_terminal(terminal: Terminal, *, actor: Actor, reason: str = "") -> Terminal:
    """端末の登録取消: its cookie stops working and sessions bound to it end."""
    detail = {"terminal": terminal.terminal_id, "reason": reason.strip()[:200]}
    with refusals_audited(actor, EventType.TERMINAL_REVOKED, action="revoke", function=Function.TERMINAL_MANAGE,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
            if not terminal.is_active:
                raise errors.AlreadyRevoked()
            terminal.is_active = False
            terminal.revoked_at = clock.now()
            terminal.binding_nonce = ""
            terminal.enrolment_code_hash = ""
            terminal.enrolment_expires_at = None
            terminal.save(update_fields=["is_active", "revoked_at", "binding_nonce", "enrolment_code_hash",
                                         "enrolment_expires_at"])
            audit(actor, EventType.TERMINAL_REVOKED, action="revoke", function=Function.TERMINAL_MANAGE, detail=detail)
    return terminal


def do_issue_enrolment_code(terminal: Terminal, *, actor: Actor) -> str:
    """ブラウザ登録コードの発行: a one-time code (30 minutes) that binds a browser to the
    terminal. Returned once; only its hash is stored and the audit event never contains it."""
    with refusals_audited(actor, EventType.TERMINAL_ENROLMENT_ISSUED, action="issue",
                          function=Function.TERMINAL_MANAGE, detail={"terminal": terminal.terminal_id}):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            terminal = _locked_active(terminal)
            code = terminal_binding.issue_enrolment_code(terminal)
            audit(actor, EventType.TERMINAL_ENROLMENT_ISSUED, action="issue", function=Function.TERMINAL_MANAGE,
                  detail={"terminal": terminal.terminal_id,
                          "expires_at": terminal.enrolment_expires_at.isoformat() if terminal.enrolment_expires_at else ""})
    return code
