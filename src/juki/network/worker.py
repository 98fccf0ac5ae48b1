"""A node's network worker (ネットワーク処理): the relay and inbox loops of one node.

One :func:`step` queues the register's outbox rows (a municipality only: other roles have no
register tables), publishes what is queued, consumes and applies what arrived, and publishes
what the handlers queued (forwards, results). ``juki network worker`` repeats it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import inbox, relay
from .interfaces import Role
from .node import NodeContext
from .transport import Connection


@dataclass
class StepReport:
    staged: int = 0
    published: int = 0
    received: int = 0


def step(context: NodeContext, connection: Connection, *, batch: int = 50, timeout: float = 0.5) -> StepReport:
    """One round of the node's loops; safe to repeat (see relay and inbox)."""
    actor = context.actor
    report = StepReport()
    if context.role == Role.MUNICIPAL:
        report.staged = relay.stage_register_events(context, actor=actor)
    report.published = relay.publish_pending(context, connection, actor=actor)
    report.received = len(inbox.consume(context, connection, actor=actor, batch=batch, timeout=timeout))
    report.published += relay.publish_pending(context, connection, actor=actor)
    return report


def run(context: NodeContext, connection: Connection, *, idle_sleep: float = 0.2,
        stop: float | None = None) -> None:
    """Repeat :func:`step` (until ``stop``, a ``time.monotonic()`` deadline, if given)."""
    while stop is None or time.monotonic() < stop:
        report = step(context, connection)
        if not (report.published or report.received):
            time.sleep(idle_sleep)
