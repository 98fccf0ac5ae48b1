"""Who performs an administration action, and how it is audited.

An action is performed either by a logged-in staff member (web UI) or by an operator at the
server's shell (``juki staff ...``), who has no staff identity: such an operator is recorded
as ``cli:<os user>`` in the audit event's staff field.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from juki.audit.events import EventType, Outcome
from juki.audit.log import client_ip, record
from juki.audit.log import refusals_audited as audit_refusals
from juki.audit.models import AuditChainHead

from ..models import Staff
from ..roles import Function
from . import errors


@dataclass(frozen=True)
class Actor:
    """操作者: the staff member (or CLI operator) acting, and where from."""

    staff: Staff | None
    audit_id: str
    terminal_id: str = ""
    ip: str = ""
    via: str = field(default="web")

    @property
    def is_cli(self) -> bool:
        return self.staff is None

    @classmethod
    def cli(cls) -> Actor:
        """The operator running the ``juki`` command on the server."""
        try:
            user = getpass.getuser()
        except Exception:  # no login name (e.g. container without passwd entry)
            user = "unknown"
        label = f"cli:{user}"
        return cls(staff=None, audit_id=label, via=label)

    @classmethod
    def for_staff(cls, staff: Staff, *, terminal_id: str = "", ip: str = "") -> Actor:
        return cls(staff=staff, audit_id=staff.staff_id, terminal_id=terminal_id, ip=ip, via="web")

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        terminal = getattr(request, "terminal", None)
        return cls.for_staff(
            request.user, terminal_id=terminal.terminal_id if terminal is not None else "", ip=client_ip(request)
        )


def as_actor(acting: Actor | Staff) -> Actor:
    if isinstance(acting, Actor):
        return acting
    if isinstance(acting, Staff):
        return Actor.for_staff(acting)
    raise TypeError(f"acting must be an Actor or a Staff, not {type(acting).__name__}")


def fresh_roles(staff: Staff) -> Any:
    """The staff member's roles read from the database now (not a per-request cache)."""
    staff.__dict__.pop("_roles_cache", None)
    return staff.roles()


def require_function(actor: Actor, function: Function) -> None:
    """A staff actor must hold ``function`` through an active role. CLI operators are trusted:
    they already control the server."""
    if actor.staff is None:
        return
    staff = Staff.objects.filter(pk=actor.staff.pk).first()
    if staff is None or not staff.is_active or function not in staff.functions():
        raise errors.NotAllowed(function.value)


def serialise_admin_changes() -> None:
    """Queue concurrent administration writes that check a count or a combination first
    (bootstrap's "fewer than two administrators", separation of duties at approval).

    Locks the audit chain head row, which every audited write takes anyway, so this adds no
    new lock order: on SQLite the IMMEDIATE transaction already serialises writers.
    """
    AuditChainHead.objects.select_for_update().get_or_create(pk=1)


def audit(actor: Actor, event_type: EventType, *, action: str, function: Function | str,
          outcome: str = Outcome.OK, detail: dict[str, Any] | None = None) -> None:
    record(
        event_type, action=action, function=str(function), outcome=outcome, staff_id=actor.audit_id,
        terminal_id=actor.terminal_id, ip=actor.ip, detail=detail,
    )


@contextmanager
def refusals_audited(actor: Actor, event_type: EventType, *, action: str, function: Function,
                     detail: dict[str, Any] | None = None) -> Iterator[None]:
    """:func:`juki.audit.log.refusals_audited` for an administration actor (staff or CLI operator)."""
    with audit_refusals(event_type, action=action, function=function, staff_id=actor.audit_id,
                        terminal_id=actor.terminal_id, ip=actor.ip, detail=detail):
        yield
