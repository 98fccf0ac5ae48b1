"""Writing the audit log (操作記録の記録). ``record()`` is the only way events are written.

Transaction rule: an event written inside a transaction that later rolls back is lost with
it. Actions therefore record *refusals and failures after* leaving their transaction (the
change is rolled back, the audit event stays), and successes inside it (both or neither).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from juki.core import clock
from juki.core.actor import client_ip as client_ip  # re-exported: callers import it from here
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.core.fields import model_field
from juki.core.keys import keyed_hash
from juki.identifiers import my_number

from . import autocheckpoint
from .chain import event_hash, json_normal, text_normal, utc_iso
from .events import EventType, Outcome, refusal_outcome
from .models import AuditChainHead, AuditEvent, AuditEventTarget

# Twelve digits, alone or written 4-4-4 with spaces or hyphens (half- or full-width).
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{4}[ \u3000\-\u2010\uff0d]?\d{4}[ \u3000\-\u2010\uff0d]?\d{4}(?!\d)")
_NOT_DIGIT = re.compile(r"\D")


def redact_my_numbers(value: Any) -> Any:
    """Replace anything that is a valid My Number by its keyed hash, recursively.

    Search code already passes keyed hashes; this is the safety net so that a My Number
    never reaches the log in clear, whatever a caller passes.
    """
    if isinstance(value, str):
        def _sub(m: re.Match[str]) -> str:
            digits = _NOT_DIGIT.sub("", m.group(0))
            if my_number.is_valid(digits):
                return "mynumber-hmac:" + keyed_hash(my_number.validate(digits), purpose="audit-index")
            return m.group(0)

        return _TWELVE_DIGITS.sub(_sub, value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) == 12:
        # A My Number passed as a number is still a My Number.
        return redact_my_numbers(str(value)) if my_number.is_valid(str(value)) else value
    if isinstance(value, dict):
        return {redact_my_numbers(k) if isinstance(k, str | int) else k: redact_my_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_my_numbers(v) for v in value]
    return value


def _utc_iso(ts: dt.datetime) -> str:
    return utc_iso(ts)


def _text(name: str, value: str) -> str:
    """A text field cut to its column width, as the database will hold it."""
    return text_normal(value, model_field(AuditEvent, name).max_length)


def person_target(value: str | int) -> str:
    """Targets are addressee numbers (宛名番号), always stored in one form — the 10-digit
    display form — so that every event about a person is found by one lookup (disclosure
    requests, access review), whether the caller passed ``1`` or ``"0000000001"``."""
    text = str(value).strip()
    if is_ascii_digits(text) and len(text) <= 10:
        return f"{int(text):010d}"
    return text


def record(
    event_type: EventType,
    *,
    action: str,
    function: str,
    outcome: str = Outcome.OK,
    staff_id: str = "",
    terminal_id: str = "",
    ip: str = "",
    targets: Iterable[str | int] = (),
    purpose: str = "",
    criteria: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it."""
    target_ids = [
        text_normal(person_target(t), AuditEventTarget._meta.get_field("person_id").max_length) for t in targets
    ]
    # No savepoint inside the caller's transaction (decision 0005: two round trips per event): an
    # event is written with the work it records or not at all, so a failure here fails the
    # caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        # Lock the head row: concurrent writers wait here, so the chain never forks.
        head_seq, head_hash = _lock_head()
        now = clock.now()
        fields: dict[str, Any] = {
            "seq": head_seq + 1,
            "occurred_at": _utc_iso(now),
            "event_type": int(event_type),
            "action": _text("action", action),
            "function": _text("function", function),
            "staff_id": _text("staff_id", staff_id),
            "terminal_id": _text("terminal_id", terminal_id),
            "ip": _text("ip", ip),
            "targets": target_ids,
            "purpose": _text("purpose", redact_my_numbers(purpose)),
            "outcome": _text("outcome", outcome),
            # Hashed in exactly the form the JSON column gives back (see chain.json_normal).
            "criteria": json_normal(redact_my_numbers(criteria)) if criteria is not None else None,
            "detail": json_normal(redact_my_numbers(detail)) if detail is not None else None,
        }
        digest = event_hash(fields, head_hash)
        event = AuditEvent(**{**fields, "occurred_at": now}, prev_hash=head_hash, hash=digest)
        _append(event, target_ids)
        # A counter check, no statement: a checkpoint, when due, is written after commit.
        autocheckpoint.note_event(event.seq, fields["event_type"], now)
    return event


_EVENT_COLUMNS = ("seq", "occurred_at", "event_type", "action", "function", "staff_id", "terminal_id", "ip",
                  "targets", "purpose", "outcome", "criteria", "detail", "prev_hash", "hash")


def _lock_head() -> tuple[int, str]:
    """The chain head (seq, hash), locked until the transaction ends; created on first use."""
    with connection.cursor() as cur:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cur.execute(f"SELECT seq, hash FROM audit_auditchainhead WHERE id = 1{lock}")  # noqa: S608
        row = cur.fetchone()
    if row is None:
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        return head.seq, head.hash
    return row[0], row[1]


def _append(event: AuditEvent, target_ids: list[str]) -> None:
    """Insert the event and its target rows and move the head to it.

    On PostgreSQL this is one statement (data-modifying CTEs); elsewhere three. Either way it
    runs inside the transaction that holds the head's lock.
    """
    values = [model_field(AuditEvent, c).get_db_prep_save(getattr(event, c), connection) for c in _EVENT_COLUMNS]
    columns = ", ".join(_EVENT_COLUMNS)
    marks = ", ".join(["%s"] * len(_EVENT_COLUMNS))
    insert = f"INSERT INTO audit_auditevent ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"WITH e AS ({insert}), "  # noqa: S608
                "t AS (INSERT INTO audit_auditeventtarget (event_id, person_id) "
                "SELECT e.id, p FROM e, unnest(%s::varchar[]) AS p), "
                "h AS (UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE id = 1) "
                "SELECT id FROM e",
                [*values, target_ids, event.seq, event.hash],
            )
            event.pk = cur.fetchone()[0]
        else:
            cur.execute(insert, values)
            event.pk = cur.fetchone()[0]
            if target_ids:
                cur.executemany("INSERT INTO audit_auditeventtarget (event_id, person_id) VALUES (%s, %s)",
                                [(event.pk, t) for t in target_ids])
            cur.execute("UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE id = 1", [event.seq, event.hash])
    event._state.adding = False
    event._state.db = connection.alias


@contextmanager
def refusals_audited(
    event_type: EventType,
    *,
    action: str,
    function: str,
    staff_id: str,
    terminal_id: str = "",
    ip: str = "",
    targets: Iterable[str | int] = (),
    detail: dict[str, Any] | None = None,
) -> Iterator[None]:
    """Run the body; if it refuses (raises a :class:`JukiError`), record the refusal, then re-raise.

    Use it *outside* ``transaction.atomic()``: the refused write rolls back and leaves no trace
    but this event, whose detail always carries the error's stable ``code`` and ``field``.
    """
    try:
        yield
    except JukiError as exc:
        record(event_type, action=action, function=str(function), outcome=refusal_outcome(exc), staff_id=staff_id,
               terminal_id=terminal_id, ip=ip, targets=targets,
               detail={**(detail or {}), "code": exc.code, "field": exc.field or ""})
        raise


def record_request(request: Any, event_type: EventType, **kw: Any) -> AuditEvent:
    """``record`` with who/where taken from an HTTP request (staff, terminal, client IP)."""
    user = getattr(request, "user", None)
    staff_id = kw.pop("staff_id", None)
    if staff_id is None:
        staff_id = user.staff_id if user is not None and user.is_authenticated else ""
    terminal = getattr(request, "terminal", None)
    api_client = getattr(request, "api_client", None)
    terminal_id = kw.pop("terminal_id", None)
    if terminal_id is None:
        terminal_id = terminal.terminal_id if terminal is not None else (f"api:{api_client.client_id}" if api_client else "")
    return record(event_type, staff_id=staff_id, terminal_id=terminal_id, ip=client_ip(request), **kw)
