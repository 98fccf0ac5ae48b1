"""The statements one confirmed 転居 costs (decision 0005: confirmed changes ≥ 100/s; the path is
latency-bound, so every round trip counts — docs/performance.md, "Confirmed changes").

Guards against the redundant look-ups coming back: the person's record comes with their
household's members, its town block and the municipality in one query; the new town block is
asked for once per action (with the municipality); the outbox sealed number is not read back;
the outbox events are written in one statement; an audit event is two statements on PostgreSQL
(lock the chain head; insert event and targets and move the head in one statement) and no
savepoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import OutboxEvent, ResidentRecord

pytestmark = pytest.mark.django_db

TX = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")


def _data_statements(ctx: CaptureQueriesContext) -> list[str]:
    """The statements of the change itself: not transaction control, not the role check
    (``Actor.require`` reads the staff member's role grants, as every action does)."""
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].split()[0].upper() not in TX and '"security_' not in q["sql"]]


def test_a_move_is_entered_in_7_and_confirmed_in_11_data_statements(clerk, approver):
    city = small_city()
    (first,) = add_household(city, [{}])
    (person,) = add_household(city, [{}])
    today = clock.today()
    at_counter, at_desk = Actor(clerk, "T-COUNTER-01"), Actor(approver, "T-COUNTER-01")

    def enter(p: ResidentRecord) -> int:
        return do_enter_change(
            "move_within", {"persons": [p.person_id], "town_block": city.blocks[1].code, "banchi": "2番3号"},
            effective_on=today - dt.timedelta(days=3), notified_on=today, actor=at_counter,
        ).pk

    do_confirm_change(enter(first), actor=at_desk)  # a register in use: the audit chain has its head
    with CaptureQueriesContext(connection) as entered:
        change = enter(person)
    with CaptureQueriesContext(connection) as confirmed:
        do_confirm_change(change, actor=at_desk)

    entering, confirming = _data_statements(entered), _data_statements(confirmed)
    # audit event: lock the head, then (PostgreSQL) one statement for event + targets + head;
    # elsewhere event, targets, head
    audit = 2 if connection.vendor == "postgresql" else 4
    # enter: record with household, new town block, change, audit
    assert len(entering) == 3 + audit, "\n".join(s[:90] for s in entering)
    # confirm: the change (locked), record with household, town block, supersede, new version,
    # outbox, change update, audit
    assert len(confirming) == 7 + audit, "\n".join(s[:90] for s in confirming)
    # no savepoint inside an action (the one each action shows here is its own transaction,
    # nested in the test's)
    for ctx in (entered, confirmed):
        assert sum(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries) == 1
    everything = [q["sql"] for q in entered.captured_queries + confirmed.captured_queries]
    assert not any(s.startswith("SELECT") and 'FROM "register_municipality"' in s for s in everything)
    # the new address's block once per action; the current address's block comes joined to the record
    assert sum('FROM "register_townblock"' in s for s in entering + confirming) == 2
    # The outcome is the one the workflow always had.
    new = ResidentRecord.objects.get(person_id=person.person_id, is_current=True)
    assert (new.version, new.town_block_id, new.previous_address) == (2, city.blocks[1].pk, "秋田県秋田市山王一丁目1番1号")
    assert sorted(OutboxEvent.objects.filter(change_id=change).values_list("kind", flat=True)) == [
        "identity_update", "intra_office"]
