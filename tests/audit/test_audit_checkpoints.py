"""Signed checkpoints (decision 0002: "`juki audit checkpoint` writes an Ed25519-signed
checkpoint of the chain head"): the signature verifies under the audit-signing key, and a
forged or altered checkpoint is detected."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from juki.audit.chain import GENESIS
from juki.audit.checkpoints import PURPOSE, do_write_checkpoint, signature_valid, statement
from juki.audit.events import EventType
from juki.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from juki.audit.verify import FaultKind, verify
from juki.core.actor import Actor
from juki.core.keys import provider
from juki.security.models import Staff


def test_a_checkpoint_signs_the_chain_head_with_the_audit_signing_key(log):
    head = AuditChainHead.objects.get(pk=1)
    cp = do_write_checkpoint(actor=Actor.for_staff(Staff(staff_id="auditor01")))
    assert (cp.seq, cp.hash) == (head.seq, head.hash) == (10, log[-1].hash)
    assert cp.key_id == provider().current_kid(PURPOSE)
    public = provider().verify_key(cp.key_id)
    public.verify(bytes.fromhex(cp.signature), statement(cp.seq, cp.hash, cp.created_at, cp.key_id))  # no exception
    assert signature_valid(cp)


def test_the_signed_statement_is_canonical_and_names_seq_hash_time_and_key(log):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    text = statement(cp.seq, cp.hash, cp.created_at, cp.key_id).decode()
    assert text.startswith('{"created_at":"') and f'"seq":{cp.seq}' in text
    assert f'"hash":"{cp.hash}"' in text and f'"key_id":"{cp.key_id}"' in text


def test_writing_a_checkpoint_is_itself_audited(log):
    cp = do_write_checkpoint(actor=Actor.for_staff(Staff(staff_id="auditor01")))
    event = AuditEvent.objects.get(seq=11)
    assert event.event_type == EventType.AUDIT_CHECKPOINT and event.staff_id == "auditor01"
    assert event.detail["checkpoint_id"] == cp.pk and event.detail["hash"] == cp.hash
    assert verify().ok


def test_a_checkpoint_of_the_empty_log_signs_the_genesis(db):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    assert (cp.seq, cp.hash) == (0, GENESIS) and signature_valid(cp)
    assert verify().ok


def test_a_checkpoint_signed_with_another_key_is_detected(log):
    """An attacker without the signing key signs a checkpoint with their own key."""
    real = do_write_checkpoint(actor=Actor.system("tests"))
    forger = Ed25519PrivateKey.generate()
    forged = AuditCheckpoint.objects.create(
        seq=real.seq, hash=real.hash, created_at=real.created_at, key_id=real.key_id,
        signature=forger.sign(statement(real.seq, real.hash, real.created_at, real.key_id)).hex(),
    )
    assert not signature_valid(forged)
    fault = verify().first
    assert (fault.kind, fault.checkpoint_id) == (FaultKind.CHECKPOINT_SIGNATURE, forged.pk)


def test_an_altered_checkpoint_is_detected(log, drop_triggers):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    drop_triggers()
    AuditCheckpoint.objects.filter(pk=cp.pk).update(seq=5, hash=log[4].hash)
    fault = verify().first
    assert (fault.kind, fault.seq, fault.checkpoint_id) == (FaultKind.CHECKPOINT_SIGNATURE, 5, cp.pk)


@pytest.mark.parametrize("key_id", ["../../etc/passwd", "audit-signing-missing", ""])
def test_a_checkpoint_naming_an_unknown_or_path_like_key_does_not_verify(log, key_id):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    odd = AuditCheckpoint.objects.create(seq=cp.seq, hash=cp.hash, created_at=cp.created_at, key_id=key_id,
                                         signature=cp.signature)
    assert not signature_valid(odd)


def test_from_checkpoint_starts_at_the_latest_checkpoint_whose_signature_verifies(log):
    good = do_write_checkpoint(actor=Actor.system("tests"))
    forged = AuditCheckpoint.objects.create(seq=11, hash=AuditEvent.objects.get(seq=11).hash,
                                            created_at=good.created_at, key_id=good.key_id, signature="00" * 64)
    result = verify(from_checkpoint=True)
    assert result.start_checkpoint_id == good.pk
    assert result.first.kind == FaultKind.CHECKPOINT_SIGNATURE and result.first.checkpoint_id == forged.pk


def test_signature_is_not_valid_for_a_tampered_statement(log):
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    with pytest.raises(InvalidSignature):
        provider().verify_key(cp.key_id).verify(bytes.fromhex(cp.signature),
                                                statement(cp.seq + 1, cp.hash, cp.created_at, cp.key_id))


def test_a_deleted_checkpoint_is_missed_by_the_event_that_recorded_it(log, drop_triggers):
    """Deleting a checkpoint (to rewrite what it covered) leaves its AUDIT_CHECKPOINT event
    pointing at nothing."""
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    drop_triggers()
    AuditCheckpoint.objects.filter(pk=cp.pk).delete()
    fault = verify().first
    assert (fault.kind, fault.seq, fault.checkpoint_id) == (FaultKind.CHECKPOINT_MISSING, 11, cp.pk)
