"""What ``record()`` stores: My Numbers never in clear (decision 0002: "any My Number in
criteria stored only as a keyed hash"; 番号法 — digests §5: 特定個人情報 is not written to
access logs), and each event chained to the one before."""

from __future__ import annotations

import pytest
from django.db import connection

from juki.audit.chain import GENESIS
from juki.audit.events import EventType
from juki.audit.log import record
from juki.audit.models import AuditChainHead, AuditEvent

MY_NUMBER = "123456789018"  # valid check digit (synthetic)


def _raw_row(event_id: int) -> str:
    """Everything the database holds for the event, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent WHERE id = %s", [event_id])
        return " ".join(str(v) for v in cursor.fetchone())


@pytest.mark.parametrize("criteria", [
    {"my_number": MY_NUMBER},
    {"my_number": int(MY_NUMBER)},
    {"q": f"番号 {MY_NUMBER} で検索"},
    {"q": "1234 5678 9018"},
    {"q": "1234-5678-9018"},
    {"q": "１２３４５６７８９０１８"},
    {"list": [{"deep": MY_NUMBER}]},
    {MY_NUMBER: "as a key"},
])
def test_a_my_number_in_criteria_never_reaches_the_row_in_clear(db, criteria):
    event = record(EventType.RESIDENT_SEARCH, action="search", function="mynumber.search", criteria=criteria,
                   purpose=f"照会 {MY_NUMBER}", detail={"note": MY_NUMBER})
    raw = _raw_row(event.pk)
    for form in (MY_NUMBER, "1234 5678 9018", "1234-5678-9018", "１２３４５６７８９０１８"):
        assert form not in raw
    assert "mynumber-hmac:" in raw


def test_the_same_my_number_gives_the_same_keyed_hash(db):
    """So an auditor can still find every search for one number without seeing it."""
    a = record(EventType.RESIDENT_SEARCH, action="search", function="mynumber.search", criteria={"n": MY_NUMBER})
    b = record(EventType.RESIDENT_SEARCH, action="search", function="mynumber.search", criteria={"n": MY_NUMBER})
    assert a.criteria["n"] == b.criteria["n"] != MY_NUMBER


def test_twelve_digits_that_are_not_a_my_number_are_kept(db):
    event = record(EventType.RESIDENT_SEARCH, action="search", function="resident.search",
                   criteria={"phone": "123456789012"})  # wrong check digit
    assert AuditEvent.objects.get(pk=event.pk).criteria == {"phone": "123456789012"}


def test_each_event_names_the_previous_hash_and_moves_the_head(db):
    a = record(EventType.PAGE_VIEW, action="view", function="session")
    b = record(EventType.PAGE_VIEW, action="view", function="session")
    assert (a.seq, a.prev_hash) == (1, GENESIS)
    assert (b.seq, b.prev_hash) == (2, a.hash)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (2, b.hash)


def test_targets_are_indexed_by_person(db):
    event = record(EventType.RESIDENT_VIEW, action="view", function="resident.view", targets=[101, "102"])
    assert sorted(event.target_rows.values_list("person_id", flat=True)) == ["0000000101", "0000000102"]  # one form per person
