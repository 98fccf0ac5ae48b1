"""Concurrent writers never fork the chain (decision 0002: "50 concurrent requests
appending audit events leave one unbroken chain (tested on PostgreSQL)").

Each thread has its own database connection, as each request of a multi-threaded server
does. On PostgreSQL the chain-head row lock (SELECT … FOR UPDATE) queues them; on SQLite
``BEGIN IMMEDIATE`` serialises writers, so the same test runs there with fewer threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from conftest import logged_in
from juki.audit.events import EventType
from juki.audit.log import record
from juki.audit.models import AuditEvent
from juki.audit.verify import verify

THREADS = 50 if connection.vendor == "postgresql" else 20


def _run_together(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """Start ``n`` threads that begin ``work`` at the same instant; collect their errors."""
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            start.wait(timeout=60)
            work(i)
        except BaseException as exc:  # noqa: BLE001 — reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def _assert_one_unbroken_chain(expected: int) -> None:
    # Plus the checkpoints written automatically meanwhile (every JUKI_AUDIT_CHECKPOINT_EVENTS
    # events, juki.audit.autocheckpoint): they join the same chain.
    expected += AuditEvent.objects.filter(event_type=EventType.AUDIT_CHECKPOINT).count()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))
    result = verify()
    assert result.ok, result.summary()
    assert result.events_checked == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain():
    per_thread = 5

    def work(i: int) -> None:
        for j in range(per_thread):
            record(EventType.RESIDENT_VIEW, action="view", function="resident.view",
                   staff_id=f"clerk{i:02d}", targets=[f"{i}{j}"], detail={"thread": i, "n": j})

    assert _run_together(THREADS, work) == []
    _assert_one_unbroken_chain(THREADS * per_thread)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_leave_one_unbroken_chain(auditor, terminal):
    """Real requests through the middleware stack: each auditor page view appends an event."""
    clients = [logged_in(Client(), auditor, terminal) for _ in range(THREADS)]
    before = AuditEvent.objects.count()
    statuses: list[int] = []

    def work(i: int) -> None:
        statuses.append(clients[i].get("/audit/", {"staff_id": f"clerk{i:02d}"}).status_code)

    assert _run_together(THREADS, work) == []
    assert statuses == [200] * THREADS
    assert AuditEvent.objects.filter(event_type=EventType.AUDIT_LOG_SEARCHED).count() == THREADS
    _assert_one_unbroken_chain(before + THREADS)
