"""Checkpoint heads kept outside the database (外部保管の署名済みチェーン先頭).

Someone with superuser rights on the database can drop the append-only triggers, delete the
newest events *and* the checkpoints that signed them, move the chain head back and put the
triggers back: what is left is a valid, shorter chain. Only a copy of the signed heads that
the database superuser cannot rewrite shows that the chain once went further.

Every checkpoint, once its transaction has committed, is therefore published:

1. appended as one JSON line to the **heads file** ``settings.JUKI_AUDIT_HEADS_FILE``
   (default ``JUKI_HOME/audit-heads.jsonl``), opened ``O_APPEND``, written in one ``write``
   and ``fsync``'d::

       {"checkpoint_id": 7, "created_at": "2026-12-08T00:40:00.123456+00:00", "hash": "…",
        "key_id": "audit-signing-…", "seq": 1200, "signature": "…", "v": "juki-audit-checkpoint/1"}

   (``seq``, ``hash``, ``created_at`` and ``key_id`` are exactly the statement the Ed25519
   signature covers, see :mod:`juki.audit.checkpoints`, so anyone holding the public key can
   check a line on its own);
2. handed to each hook in ``settings.JUKI_AUDIT_HEAD_HOOKS`` (dotted paths of callables
   ``hook(head: dict, line: str)``) and to ``settings.JUKI_AUDIT_HEAD_COMMAND`` (a command
   line, run without a shell, the JSON line on its standard input) — the place to ship heads
   to another system (syslog host, WORM storage, later the national tier's audit node).

A hook or the file failing is logged and never undoes the checkpoint. ``juki audit verify``
reads the heads file (:func:`iter_heads`) and fails when the database no longer holds an
event at a published head's ``seq`` with that hash, or ends before the last published head.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .chain import utc_iso
from .checkpoints import STATEMENT_VERSION
from .models import AuditCheckpoint

logger = logging.getLogger("juki.audit.heads")

COMMAND_TIMEOUT_SECONDS = 10


def heads_path() -> Path:
    """Where the heads file is (``JUKI_AUDIT_HEADS_FILE``)."""
    return Path(settings.JUKI_AUDIT_HEADS_FILE)


def head_record(cp: AuditCheckpoint) -> dict[str, Any]:
    """The published form of a checkpoint: its signed statement, the signature, its row id."""
    return {"v": STATEMENT_VERSION, "seq": int(cp.seq), "hash": cp.hash, "created_at": utc_iso(cp.created_at),
            "key_id": cp.key_id, "signature": cp.signature, "checkpoint_id": cp.pk}


def head_line(cp: AuditCheckpoint) -> str:
    return json.dumps(head_record(cp), sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


def publish_on_commit(cp: AuditCheckpoint) -> None:
    """Publish ``cp`` once the transaction that wrote it has committed (never a head that
    rolled back: the file would then name a head the database never had)."""
    transaction.on_commit(lambda: publish(cp), robust=True)


def publish(cp: AuditCheckpoint) -> None:
    """Append the head to the heads file, then run the hooks. Failures are logged."""
    line = head_line(cp)
    try:
        append_line(heads_path(), line)
    except OSError:
        logger.exception("audit head seq %s could not be appended to %s", cp.seq, heads_path())
    head = head_record(cp)
    for path in _hook_paths():
        try:
            import_string(path)(head, line)
        except Exception:  # a shipping hook must not undo a committed checkpoint
            logger.exception("audit head hook %s failed for seq %s", path, cp.seq)
    command = getattr(settings, "JUKI_AUDIT_HEAD_COMMAND", "")
    if command:
        try:
            subprocess.run(shlex.split(command), input=line.encode(), check=True,  # noqa: S603 — operator's setting
                           timeout=COMMAND_TIMEOUT_SECONDS, capture_output=True)
        except (OSError, subprocess.SubprocessError):
            logger.exception("audit head command %r failed for seq %s", command, cp.seq)


def _hook_paths() -> list[str]:
    hooks = getattr(settings, "JUKI_AUDIT_HEAD_HOOKS", ())
    if isinstance(hooks, str):
        hooks = [h.strip() for h in hooks.split(",")]
    return [h for h in hooks if h]


def append_line(path: Path, line: str) -> None:
    """One ``write`` to a file opened ``O_APPEND`` (so lines of concurrent writers never
    interleave), then ``fsync``; a new file's directory is synced too."""
    created = not path.exists()
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        data = line.encode()
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@dataclass(frozen=True)
class OutsideHead:
    """One line of a heads file."""

    line_no: int
    seq: int
    hash: str
    created_at: dt.datetime
    key_id: str
    signature: str
    checkpoint_id: int | None

    def as_checkpoint(self) -> AuditCheckpoint:
        """An unsaved checkpoint with this statement, for :func:`checkpoints.signature_valid`."""
        return AuditCheckpoint(seq=self.seq, hash=self.hash, created_at=self.created_at, key_id=self.key_id,
                               signature=self.signature)

    def statement_key(self) -> tuple[int, str, str, str, str]:
        return (self.seq, self.hash, utc_iso(self.created_at), self.key_id, self.signature)


class BadHeadLine(ValueError):
    def __init__(self, line_no: int, reason: str):
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason


def parse_line(line_no: int, text: str) -> OutsideHead:
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("v") != STATEMENT_VERSION:
            raise ValueError("not a juki-audit-checkpoint/1 head")
        seq = raw["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("seq is not a whole number")
        created_at = dt.datetime.fromisoformat(raw["created_at"])
        if created_at.tzinfo is None:
            raise ValueError("created_at has no time zone")
        cp_id = raw.get("checkpoint_id")
        return OutsideHead(line_no, seq, str(raw["hash"]), created_at, str(raw["key_id"]), str(raw["signature"]),
                           cp_id if isinstance(cp_id, int) else None)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadHeadLine(line_no, str(exc)) from exc


def iter_heads(path: Path) -> Iterator[OutsideHead | BadHeadLine]:
    """The heads in the file, in file order, one line at a time (a file of years of heads
    need not fit in memory); a line that cannot be read comes as a :class:`BadHeadLine`.
    A missing file is no heads; other I/O errors propagate."""
    try:
        fh = path.open("r", encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with fh:
        for n, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                yield parse_line(n, text)
            except BadHeadLine as exc:
                yield exc
