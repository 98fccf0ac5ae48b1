"""Concurrent issues draw distinct, consecutive issuance numbers (交付番号: gap-free, never twice).

Each thread has its own database connection, as each request of a multi-threaded server does.
On PostgreSQL the sequence row lock (SELECT … FOR UPDATE, juki.register.numbering) queues the
issuing transactions; on SQLite ``BEGIN IMMEDIATE`` serialises them.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from tests.register.factories import add_household, small_city

from juki.certificates.actions import IssueRequest, do_issue_certificate
from juki.certificates.models import Certificate
from juki.core import clock
from juki.core.actor import Actor

THREADS = 8 if connection.vendor == "postgresql" else 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_consecutive_numbers(clerk, terminal):
    city = small_city()
    people = [add_household(city, [{"given_name": f"並行{i}"}], banchi=f"{i}番")[0] for i in range(THREADS)]
    counter = Actor(clerk, terminal.terminal_id, "127.0.0.1")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait(timeout=60)
            rec: Any = people[i]
            do_issue_certificate(IssueRequest.from_form(document_type="copy_personal", person_ids=[rec.person_id],
                                 requester_type="self", requester_name=rec.full_name,
                                 requester_person_id=rec.person_id, identity_document="passport"), actor=counter)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "an issue hung"
    assert errors == []
    numbers = sorted(Certificate.objects.values_list("issuance_number", flat=True))
    year = clock.today().year
    assert numbers == [f"{year}-{n:06d}" for n in range(1, THREADS + 1)]
