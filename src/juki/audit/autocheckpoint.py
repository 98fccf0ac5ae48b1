"""Automatic checkpoints (自動チェックポイント): sign the chain head every N events or T seconds.

Events after the latest *published* checkpoint (:mod:`juki.audit.heads`) are the ones a
database superuser could still delete without ``juki audit verify`` noticing. This module
keeps that window at most ``JUKI_AUDIT_CHECKPOINT_EVENTS`` events (default 100) or about
``JUKI_AUDIT_CHECKPOINT_SECONDS`` seconds (default 300); 0 turns a limit off.

Cost on the write path (docs/decisions/0005-hot-paths.md): :func:`note_event`, called by
``record()`` for every event, compares the new ``seq`` and time with what this process last
knew about the latest checkpoint — no statement. Only when a limit is reached does it ask for
:func:`checkpoint_if_due` to run *after* the transaction commits (``on_commit``), which then
decides again under the chain-head lock (another process may have checkpointed meanwhile) and
writes at most one checkpoint. When nobody writes events, ``juki serve`` runs a
:class:`CheckpointTicker` thread (outside the request path) and other deployments run
``juki audit checkpoint --if-due`` from cron or a timer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from juki.core import clock
from juki.core.actor import Actor

from .events import EventType
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

logger = logging.getLogger("juki.audit.autocheckpoint")

FUNCTION = "audit.auto-checkpoint"  # 機能・画面 of automatic checkpoints


def limits() -> tuple[int, int]:
    """(events, seconds): the configured window; 0 switches that limit off."""
    return (int(getattr(settings, "JUKI_AUDIT_CHECKPOINT_EVENTS", 0) or 0),
            int(getattr(settings, "JUKI_AUDIT_CHECKPOINT_SECONDS", 0) or 0))


@dataclass
class _Known:
    """What this process last saw: events up to ``covered`` are signed (the latest checkpoint's
    seq + 1, its own AUDIT_CHECKPOINT event); ``since`` is when the window started."""

    covered: int | None = None
    since: dt.datetime | None = None


_known = _Known()
_PENDING = "_juki_checkpoint_pending"  # connection attribute: the on_commit list we are queued in


def reset() -> None:
    """Forget what this process knew (the next event re-reads it after commit)."""
    _known.covered = None
    _known.since = None


def note_event(seq: int, event_type: int, now: dt.datetime) -> None:
    """Called by ``record()`` inside the event's transaction: queue a checkpoint check after
    commit when a limit may have been reached. Comparisons only; no database access."""
    if event_type == EventType.AUDIT_CHECKPOINT:
        return
    max_events, max_seconds = limits()
    if max_events <= 0 and max_seconds <= 0:
        return
    covered, since = _known.covered, _known.since
    due = (
        covered is None or since is None
        or seq <= covered  # the chain is behind what we knew (a restored or emptied database)
        or (max_events > 0 and seq - covered >= max_events)
        or (max_seconds > 0 and (now - since).total_seconds() >= max_seconds)
    )
    if not due:
        return
    # Once per transaction: the list of on_commit callbacks is replaced at commit and rollback.
    if getattr(connection, _PENDING, None) is connection.run_on_commit:
        return
    transaction.on_commit(_after_commit, robust=True)
    setattr(connection, _PENDING, connection.run_on_commit)


def _after_commit() -> None:
    try:
        checkpoint_if_due()
    except Exception:  # the work being recorded has committed: never turn it into an error
        logger.exception("automatic audit checkpoint failed")


def checkpoint_if_due(*, function: str = FUNCTION) -> AuditCheckpoint | None:
    """Write a checkpoint if the events after the latest one reach either limit; else nothing.

    Decided under the chain-head lock, so concurrent callers write one checkpoint, not many.
    Returns the checkpoint written, if any.
    """
    from .checkpoints import do_write_checkpoint

    max_events, max_seconds = limits()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        latest = _latest_signed(head.seq)
        since: dt.datetime | None
        if latest is not None:
            covered, since = latest.seq + 1, latest.created_at
        else:  # never checkpointed: the window opened with the first event
            covered = 0
            since = AuditEvent.objects.order_by("seq").values_list("occurred_at", flat=True).first()
        pending = head.seq - covered
        now = clock.now()
        due = pending > 0 and (
            (max_events > 0 and pending >= max_events)
            or (max_seconds > 0 and since is not None and (now - since).total_seconds() >= max_seconds)
        )
        if not due:
            _known.covered, _known.since = covered, since or now
            return None
        checkpoint = do_write_checkpoint(actor=Actor.system("autocheckpoint"), function=function,
                                         detail={"automatic": True, "pending_events": pending,
                                                 "max_events": max_events, "max_seconds": max_seconds})
    _known.covered, _known.since = checkpoint.seq + 1, checkpoint.created_at
    return checkpoint


def _latest_signed(head_seq: int, tries: int = 10) -> AuditCheckpoint | None:
    """The latest checkpoint at or before the head whose signature verifies: a row inserted
    with a far-off seq or a bad signature (INSERT is not refused) must not stop checkpoints."""
    from .checkpoints import signature_valid

    for cp in AuditCheckpoint.objects.filter(seq__lte=head_seq).order_by("-seq", "-id")[:tries]:
        if signature_valid(cp):
            return cp
    return None


class CheckpointTicker(threading.Thread):
    """A daemon thread that runs :func:`checkpoint_if_due` every ``interval`` seconds, so the
    time limit holds while no event arrives (``juki serve``). Not part of any request."""

    def __init__(self, interval: float | None = None):
        super().__init__(name="juki-audit-checkpoints", daemon=True)
        _, max_seconds = limits()
        # A tenth of the limit: an idle log is signed at most ~10 % after T.
        self.interval = interval if interval is not None else max(1.0, max_seconds / 10)
        self.stopped = threading.Event()

    def tick(self) -> AuditCheckpoint | None:
        try:
            return checkpoint_if_due()
        except Exception:
            logger.exception("automatic audit checkpoint failed")
            return None

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            close_old_connections()
            try:
                self.tick()
            finally:
                connection.close()  # this thread's own connection; not kept between ticks

    def stop(self) -> None:
        self.stopped.set()


def start_ticker() -> CheckpointTicker | None:
    """Start the ticker when the time limit is on; return it (or None)."""
    _, max_seconds = limits()
    if max_seconds <= 0:
        return None
    ticker = CheckpointTicker()
    ticker.start()
    return ticker
