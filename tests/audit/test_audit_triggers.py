"""The database itself refuses to change or remove audit rows (decision 0002: "UPDATE and
DELETE on the audit table are refused by the database itself (trigger) on SQLite and
PostgreSQL"; digests §5: access records are kept and protected from alteration).

These run on whichever database the suite runs against; CI runs the suite on both.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from juki.audit import triggers
from juki.audit.checkpoints import do_write_checkpoint
from juki.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent, AuditEventTarget
from juki.core.actor import Actor

from .helpers import execute

APPEND_ONLY = "append-only"


def _refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        execute(sql, params)


def test_update_of_an_audit_event_is_refused_by_the_database(log):
    _refused("UPDATE audit_auditevent SET staff_id = 'intruder' WHERE seq = 3")
    assert AuditEvent.objects.get(seq=3).staff_id == log[2].staff_id != "intruder"


def test_orm_update_of_an_audit_event_is_refused_too(log):
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(outcome="ok")


def test_delete_of_an_audit_event_is_refused_by_the_database(log):
    # Delete the event's person-index rows and the event in one go, as an attacker would.
    _refused("DELETE FROM audit_auditeventtarget WHERE event_id = %s", [log[2].pk])
    _refused("DELETE FROM audit_auditevent WHERE seq = 3")
    assert AuditEvent.objects.filter(seq=3).exists()
    assert AuditEventTarget.objects.filter(event_id=log[2].pk).exists()


def test_update_of_the_person_index_is_refused(log):
    _refused("UPDATE audit_auditeventtarget SET person_id = '999' WHERE event_id = %s", [log[0].pk])


def test_checkpoints_cannot_be_updated_or_deleted(log):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    _refused("UPDATE audit_auditcheckpoint SET seq = 1 WHERE id = %s", [cp.pk])
    _refused("DELETE FROM audit_auditcheckpoint WHERE id = %s", [cp.pk])
    assert AuditCheckpoint.objects.get(pk=cp.pk).seq == cp.seq


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists only on PostgreSQL (SQLite has no TRUNCATE statement)")
def test_truncate_is_refused_on_postgresql(log):
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the test transaction's deferred FK checks first
    _refused("TRUNCATE audit_auditeventtarget, audit_auditevent")
    _refused("TRUNCATE audit_auditcheckpoint")
    assert AuditEvent.objects.count() == 10


def test_the_chain_head_stays_writable(log):
    """Every append moves the head; the triggers must not guard it."""
    AuditChainHead.objects.filter(pk=1).update(seq=10)
    assert AuditChainHead.objects.get(pk=1).seq == 10


def test_appending_still_works_with_the_triggers_in_place(log):
    assert AuditEvent.objects.count() == 10
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 11))


def test_every_trigger_is_in_place_after_all_migrations(db):
    """A later migration that rebuilds an audit table on SQLite would silently drop its
    triggers; this fails if that happens (the migration must call triggers.install)."""
    assert triggers.missing(connection) == []


def test_dropping_the_triggers_is_noticed(drop_triggers, log):
    drop_triggers()
    assert set(triggers.missing(connection)) == set(triggers.trigger_names(connection.vendor))
    AuditEvent.objects.filter(seq=3).update(staff_id="intruder")  # now the database lets it through
    assert AuditEvent.objects.get(seq=3).staff_id == "intruder"
