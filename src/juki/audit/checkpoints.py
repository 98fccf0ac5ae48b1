"""Signed checkpoints of the chain head (監査証跡チェックポイント).

A checkpoint is an Ed25519 signature, by the ``audit-signing`` key of
:func:`juki.core.keys.provider`, over a canonical statement of the chain head:

    {"created_at": "<UTC ISO, µs>", "hash": "<head hash>", "key_id": "<kid>",
     "seq": <head seq>, "v": "juki-audit-checkpoint/1"}

(JSON, sorted keys, no whitespace, UTF-8). Whoever can rewrite the database but does not
hold the signing key cannot make a checkpoint agree with a rewritten chain, so every event up
to the latest checkpoint is protected even against recomputed hashes. Writing a checkpoint
is itself an audit event (``AUDIT_CHECKPOINT``), appended right after the head it signs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction

from juki.core import clock
from juki.core.actor import Actor
from juki.core.keys import provider

from .chain import GENESIS, canonical, utc_iso
from .events import EventType
from .log import record
from .models import AuditChainHead, AuditCheckpoint

PURPOSE = "audit-signing"
STATEMENT_VERSION = "juki-audit-checkpoint/1"

# A key ID names a file for the local provider: refuse anything that could be a path.
_KID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def statement(seq: int, head_hash: str, created_at: dt.datetime, key_id: str) -> bytes:
    """The exact bytes a checkpoint signs."""
    return canonical({
        "v": STATEMENT_VERSION,
        "seq": int(seq),
        "hash": head_hash,
        "created_at": utc_iso(created_at),
        "key_id": key_id,
    })


def signature_valid(checkpoint: AuditCheckpoint) -> bool:
    """Whether the checkpoint's signature verifies under the key it names."""
    if not _KID.fullmatch(checkpoint.key_id or "") or ".." in checkpoint.key_id:
        return False
    try:
        signature = bytes.fromhex(checkpoint.signature)
        key = provider().verify_key(checkpoint.key_id)
        key.verify(signature, statement(checkpoint.seq, checkpoint.hash, checkpoint.created_at, checkpoint.key_id))
    except Exception:  # noqa: BLE001 — unknown key, bad hex, bad signature: all "does not verify"
        return False
    return True


def do_write_checkpoint(
    *, actor: Actor, function: str = "audit.checkpoint", detail: dict[str, Any] | None = None,
) -> AuditCheckpoint:
    """チェックポイント作成: sign the current chain head and record that it was signed.

    Runs in one transaction holding the chain-head lock, so no event slips in between the
    head that is signed and the ``AUDIT_CHECKPOINT`` event that follows it. A CLI operator is
    recorded on the ``cli`` terminal with the OS user and host in the detail.
    """
    from .heads import publish_on_commit

    who = actor.job_audit_fields()
    if actor.is_cli:
        who["terminal_id"] = "cli"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        kid = provider().current_kid(PURPOSE)
        created_at = clock.now()
        seq, head_hash = head.seq, head.hash if head.seq else GENESIS
        signature = provider().signing_key(kid).sign(statement(seq, head_hash, created_at, kid))
        checkpoint = AuditCheckpoint.objects.create(
            seq=seq, hash=head_hash, created_at=created_at, key_id=kid, signature=signature.hex(),
        )
        record(
            EventType.AUDIT_CHECKPOINT, action="checkpoint", function=function,
            staff_id=who["staff_id"], terminal_id=who["terminal_id"], ip=who["ip"],
            detail={**actor.operator_detail(), **(detail or {}), "checkpoint_id": checkpoint.pk, "seq": seq,
                    "hash": head_hash, "key_id": kid},
        )
        publish_on_commit(checkpoint)  # to the heads file outside the database (juki.audit.heads)
    return checkpoint
