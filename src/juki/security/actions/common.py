"""Who performs an administration action, and how it is audited.

An action is performed either by a logged-in staff member (web UI) or by an operator at the
server's shell (``juki staff ...``), who has no staff identity: such an operator is recorded
as ``cli:<os user>`` in the audit event's staff field (:class:`juki.core.actor.Actor`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from juki.audit.events import EventType, Outcome
from juki.audit.log import record
from juki.audit.log import refusals_audited as audit_refusals
from juki.audit.models import AuditChainHead
from juki.core.actor import Actor, ActorKind

from ..models import Staff
from ..roles import Function
from . import errors


def fresh_roles(staff: Staff) -> Any:
    """The staff member's roles read from the database now (not a per-request cache)."""
    staff.__dict__.pop("_roles_cache", None)
    return staff.roles()


def require_function(actor: Actor, function: Function) -> None:
    """A staff actor must hold ``function`` through an active role. CLI operators are trusted:
    they already control the server. No other kind administers staff, terminals or clients."""
    if actor.kind == ActorKind.CLI:
        return
    if actor.staff is None:
        raise errors.NotAllowed(function.value)
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
        event_type, action=action, function=str(function), outcome=outcome, staff_id=actor.staff_id,
        terminal_id=actor.terminal_id, ip=actor.ip, detail=detail,
    )


@contextmanager
def refusals_audited(actor: Actor, event_type: EventType, *, action: str, function: Function,
                     detail: dict[str, Any] | None = None) -> Iterator[None]:
    """:func:`juki.audit.log.refusals_audited` for an administration actor (staff or CLI operator)."""
    with audit_refusals(event_type, action=action, function=function, staff_id=actor.staff_id,
                        terminal_id=actor.terminal_id, ip=actor.ip, detail=detail):
        yield
