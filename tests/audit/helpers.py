"""The attacker's tools and a small log to tamper with (plain functions; fixtures are in conftest).

The attacker is someone with direct database access: they first drop the append-only
triggers (as the table owner could), then change, delete, insert or renumber rows.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from juki.audit.chain import HASHED_FIELDS, event_hash, utc_iso
from juki.audit.events import EventType
from juki.audit.log import record
from juki.audit.models import AuditChainHead, AuditEvent


def append_events(n: int, *, start: int = 0) -> list[AuditEvent]:
    """``n`` plausible events (searches and views by two clerks, with targets)."""
    out = []
    for i in range(start, start + n):
        out.append(record(
            EventType.RESIDENT_SEARCH if i % 2 else EventType.RESIDENT_VIEW,
            action="search" if i % 2 else "view", function="resident.search" if i % 2 else "resident.view",
            staff_id=f"clerk0{i % 2 + 1}", terminal_id="T-COUNTER-01", ip="192.0.2.10",
            targets=[f"{100000 + i}"], purpose="窓口交付", criteria={"name": f"試験 {i}"} if i % 2 else None,
        ))
    return out


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def stored_fields(event_id: int) -> tuple[dict[str, Any], str]:
    row = AuditEvent.objects.filter(pk=event_id).values(*HASHED_FIELDS, "prev_hash").get()
    prev = row.pop("prev_hash")
    row["occurred_at"] = utc_iso(row["occurred_at"])
    return row, prev


def rehash_from(seq: int) -> None:
    """Recompute hash and prev_hash of every event from ``seq`` on and move the chain head:
    the careful attacker's rewrite, undetectable without a signed checkpoint."""
    prev = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first() or "0" * 64
    for event_id in AuditEvent.objects.filter(seq__gte=seq).order_by("seq").values_list("id", flat=True):
        fields, _ = stored_fields(event_id)
        digest = event_hash(fields, prev)
        AuditEvent.objects.filter(pk=event_id).update(prev_hash=prev, hash=digest)
        prev = digest
    last = AuditEvent.objects.order_by("-seq").first()
    AuditChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)


def renumber(after_seq: int, delta: int) -> None:
    """Shift the seq of every event after ``after_seq`` by ``delta`` (two steps, so the
    unique index never sees two rows with one seq)."""
    execute("UPDATE audit_auditevent SET seq = -seq WHERE seq > %s", [after_seq])
    execute("UPDATE audit_auditevent SET seq = -seq + %s WHERE seq < 0", [delta])


def truncate_tail(after_seq: int) -> None:
    """The superuser's tail deletion: drop the append-only triggers, delete every event after
    ``after_seq`` with its person-index rows and every checkpoint after it, move the chain head
    back to ``after_seq`` and put the triggers back — a valid, shorter chain."""
    from juki.audit import triggers

    triggers.remove(connection)
    execute("DELETE FROM audit_auditeventtarget WHERE event_id IN "
            "(SELECT id FROM audit_auditevent WHERE seq > %s)", [after_seq])
    execute("DELETE FROM audit_auditevent WHERE seq > %s", [after_seq])
    execute("DELETE FROM audit_auditcheckpoint WHERE seq > %s", [after_seq])
    last = AuditEvent.objects.get(seq=after_seq)
    AuditChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)
    triggers.install(connection)
