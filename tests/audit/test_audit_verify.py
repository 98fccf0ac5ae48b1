"""``verify`` proves an untouched log intact and names the first altered, inserted or
deleted event (decision 0002: "Changing, deleting or inserting any audit
row directly in the database (after dropping the trigger, as an attacker with DB access
could) makes `juki audit verify` fail and name the event; an untouched log verifies").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from juki.audit.chain import GENESIS, event_hash, utc_iso
from juki.audit.checkpoints import do_write_checkpoint
from juki.audit.events import EventType
from juki.audit.log import record
from juki.audit.models import AuditChainHead, AuditEvent, AuditEventTarget
from juki.audit.verify import FaultKind, verify
from juki.core import clock
from juki.core.actor import Actor

from .helpers import append_events, rehash_from, renumber, stored_fields


def first(result):
    assert not result.ok, "tampering went unnoticed"
    return result.first


def test_an_untouched_log_verifies(log):
    result = verify()
    assert result.ok
    assert (result.events_checked, result.first_seq, result.last_seq) == (10, 1, 10)
    assert result.missing_triggers == []
    assert "改ざんされていません" in result.summary() and "intact" in result.summary()


def test_an_empty_log_verifies(db):
    result = verify()
    assert result.ok and result.events_checked == 0


def test_a_changed_field_names_the_event(log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="someone-else")
    fault = first(verify())
    assert (fault.kind, fault.seq, fault.event_id) == (FaultKind.MODIFIED, 4, log[3].pk)


def test_a_changed_timestamp_by_one_microsecond_is_caught(log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=6).update(occurred_at=log[5].occurred_at + dt.timedelta(microseconds=1))
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.MODIFIED, 6)


def test_changed_targets_are_caught(log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=5).update(targets=[])
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.MODIFIED, 5)


def test_a_deleted_event_names_the_missing_seq(log, drop_triggers):
    drop_triggers()
    AuditEventTarget.objects.filter(event_id=log[3].pk).delete()
    AuditEvent.objects.filter(seq=4).delete()
    result = verify()
    fault = first(result)
    assert (fault.kind, fault.seq, fault.event_id) == (FaultKind.DELETED, 4, None)
    assert result.fault_count == 1  # the gap explains the broken link after it
    assert "連番 4" in result.summary() and "seq 4" in result.summary()


def test_a_deletion_hidden_by_renumbering_is_still_named(log, drop_triggers):
    drop_triggers()
    AuditEventTarget.objects.filter(event_id=log[3].pk).delete()
    AuditEvent.objects.filter(seq=4).delete()
    renumber(after_seq=4, delta=-1)
    AuditChainHead.objects.filter(pk=1).update(seq=9)
    result = verify()
    fault = first(result)
    assert (fault.kind, fault.seq) == (FaultKind.DELETED, 4)


def test_a_deleted_tail_is_caught_by_the_chain_head(log, drop_triggers):
    drop_triggers()
    AuditEventTarget.objects.filter(event_id=log[9].pk).delete()
    AuditEvent.objects.filter(seq=10).delete()
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.TRUNCATED, 10)


def _forge(seq: int, prev_hash: str, *, valid_hash: bool = True) -> AuditEvent:
    """An invented event: the clerk searched for someone they never did."""
    fields = {
        "seq": seq, "occurred_at": utc_iso(clock.now()), "event_type": int(EventType.RESIDENT_SEARCH),
        "action": "search", "function": "resident.search", "staff_id": "clerk02", "terminal_id": "T-COUNTER-01",
        "ip": "192.0.2.10", "targets": ["424242"], "purpose": "", "outcome": "ok", "criteria": {"name": "被害者"},
        "detail": None,
    }
    digest = event_hash(fields, prev_hash) if valid_hash else "f" * 64
    event = AuditEvent.objects.create(**{**fields, "occurred_at": dt.datetime.fromisoformat(fields["occurred_at"])},
                                      prev_hash=prev_hash, hash=digest)
    AuditEventTarget.objects.create(event=event, person_id="424242")
    return event


@pytest.mark.parametrize("valid_hash", [True, False], ids=["rehashed", "garbage-hash"])
def test_an_event_inserted_in_the_middle_is_named(log, drop_triggers, valid_hash):
    drop_triggers()
    renumber(after_seq=3, delta=+1)
    forged = _forge(4, log[2].hash, valid_hash=valid_hash)
    AuditChainHead.objects.filter(pk=1).update(seq=11)
    fault = first(verify())
    assert (fault.kind, fault.seq, fault.event_id) == (FaultKind.INSERTED, 4, forged.pk)


def test_an_event_appended_behind_the_heads_back_is_named(log):
    # No trigger stands in the way of INSERT; the head row was not moved.
    forged = _forge(11, log[9].hash)
    fault = first(verify())
    assert (fault.kind, fault.seq, fault.event_id) == (FaultKind.INSERTED, 11, forged.pk)


def test_an_event_rewritten_with_its_own_hash_recomputed_breaks_the_next_link(log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="someone-else")
    fields, prev = stored_fields(log[3].pk)
    AuditEvent.objects.filter(seq=4).update(hash=event_hash(fields, prev))
    fault = first(verify())
    assert (fault.kind, fault.seq, fault.event_id) == (FaultKind.LINK_BROKEN, 4, log[3].pk)


def test_a_changed_chain_head_is_caught(log):
    AuditChainHead.objects.filter(pk=1).update(hash="a" * 64)
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.HEAD_MISMATCH, 10)


def test_a_removed_person_index_row_is_caught(log, drop_triggers):
    """Deleting an index row would hide an access from a disclosure request (開示請求)."""
    drop_triggers()
    AuditEventTarget.objects.filter(event_id=log[6].pk).delete()
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.TARGETS_MISMATCH, 7)


def test_an_added_person_index_row_is_caught(log):
    AuditEventTarget.objects.create(event_id=log[1].pk, person_id="777777")
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.TARGETS_MISMATCH, 2)


def test_a_whole_chain_rewrite_passes_the_chain_alone(log, drop_triggers):
    """Why checkpoints exist: a keyless chain recomputed from the change onwards is
    self-consistent (docs/decisions/0002-audit-log.md, "what it cannot detect")."""
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="someone-else")
    rehash_from(4)
    assert verify().ok


def test_a_whole_chain_rewrite_is_caught_by_the_signed_checkpoint(log, drop_triggers):
    cp = do_write_checkpoint(actor=Actor.system("tests"))  # signs seq 10, then records seq 11
    append_events(3, start=20)
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="someone-else")
    rehash_from(4)
    result = verify()
    fault = first(result)
    assert (fault.kind, fault.seq, fault.checkpoint_id) == (FaultKind.CHECKPOINT_MISMATCH, cp.seq, cp.pk)
    assert "1〜10" in fault.message


def test_from_checkpoint_trusts_what_the_checkpoint_signed(log, drop_triggers):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    append_events(5, start=20)
    drop_triggers()
    AuditEvent.objects.filter(seq=2).update(staff_id="someone-else")  # before the checkpoint
    result = verify(from_checkpoint=True)
    assert result.ok and result.start_checkpoint_id == cp.pk and result.first_seq == cp.seq
    assert result.events_checked == 17 - cp.seq  # 10 + checkpoint event + 5, from seq 10 on
    assert not verify().ok  # the full pass still sees it


def test_from_checkpoint_catches_changes_after_it(log, drop_triggers):
    do_write_checkpoint(actor=Actor.system("tests"))
    append_events(5, start=20)
    drop_triggers()
    AuditEvent.objects.filter(seq=14).update(purpose="変更")
    fault = first(verify(from_checkpoint=True))
    assert (fault.kind, fault.seq) == (FaultKind.MODIFIED, 14)


def test_from_checkpoint_without_checkpoints_starts_at_the_genesis(log):
    result = verify(from_checkpoint=True)
    assert result.ok and result.start_checkpoint_id is None and result.events_checked == 10


def test_a_checkpoint_beyond_the_last_event_reveals_a_truncated_tail(log, drop_triggers):
    do_write_checkpoint(actor=Actor.system("tests"))  # signs seq 10; the checkpoint event is seq 11
    drop_triggers()
    for seq in (11, 10, 9):
        event = AuditEvent.objects.get(seq=seq)
        AuditEventTarget.objects.filter(event=event).delete()
        event.delete()
    AuditChainHead.objects.filter(pk=1).update(seq=8, hash=log[7].hash)  # the careful attacker
    fault = first(verify())
    assert (fault.kind, fault.seq) == (FaultKind.TRUNCATED, 9)


def test_the_first_fault_is_the_lowest_seq(log, drop_triggers):
    drop_triggers()
    AuditEvent.objects.filter(seq=8).update(ip="203.0.113.9")
    AuditEvent.objects.filter(seq=3).update(ip="203.0.113.9")
    result = verify()
    assert result.fault_count == 2 and result.first.seq == 3


def test_verification_reads_in_chunks(log, monkeypatch):
    """Streams rather than loading the table: small chunks give the same answer."""
    from juki.audit import verify as verify_module

    monkeypatch.setattr(verify_module, "BATCH", 3)
    assert verify().ok and verify().events_checked == 10


@pytest.mark.parametrize("when", [
    dt.datetime(2026, 4, 1, 9, 0, 0, tzinfo=ZoneInfo("Asia/Tokyo")),  # no microseconds
    dt.datetime(2026, 3, 8, 2, 30, 0, 5, tzinfo=ZoneInfo("America/New_York")),  # other zone, DST day
    dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
])
def test_timestamps_re_derive_exactly_from_the_database(db, monkeypatch, when):
    monkeypatch.setattr(clock, "now", lambda: when)
    event = record(EventType.PAGE_VIEW, action="view", function="session")
    stored = AuditEvent.objects.get(pk=event.pk).occurred_at
    assert utc_iso(stored) == utc_iso(when)
    assert verify().ok


def test_awkward_json_values_hash_as_the_database_returns_them(db):
    record(EventType.PAGE_VIEW, action="view", function="session", purpose="a\x00b",
           criteria={"big": 1e20, "neg_zero": -0.0, "tenth": 0.1, "tiny": 1.5e-7, 3: (1, 2), "date": dt.date(2026, 1, 2),
                     "nested": {"z": [None, True, 2.5], "a": "全角　空白"}, "nul": "x\x00y"},
           detail={"n": 2**53 + 1})
    assert verify().ok


def test_over_long_text_is_cut_to_the_column_and_still_verifies(db):
    record(EventType.PAGE_VIEW, action="view", function="f" * 100, purpose="目的" * 150)
    event = AuditEvent.objects.get()
    assert len(event.function) == 64 and len(event.purpose) == 200
    assert verify().ok


def test_first_event_links_to_the_genesis(log):
    assert AuditEvent.objects.get(seq=1).prev_hash == GENESIS
