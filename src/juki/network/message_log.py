"""The message log (電文記録): every message a node sends or receives, in the audit log.

The audit log is hash-chained and checkpointed (:mod:`juki.audit`); a message event's detail
holds the envelope header, the SHA-256 of the signature and of the body, and the outcome —
never the body, so no name, address or My Number.
"""

from __future__ import annotations

from typing import Any

from juki.audit.events import EventType, Outcome
from juki.audit.log import record

from .envelope import Envelope

FUNCTION = "network"


def log_message(event_type: EventType, envelope: Envelope | None, *, actor: str, outcome: str = Outcome.OK,
                targets: tuple[int, ...] = (), **detail: Any) -> None:
    body = envelope.log_detail() if envelope is not None else {}
    record(event_type, action=event_type.name.lower(), function=FUNCTION, outcome=outcome, staff_id=actor,
           terminal_id="network", targets=[t for t in targets if t is not None], detail={**body, **detail})
