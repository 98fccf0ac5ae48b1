"""Apply functions per message type (電文の適用処理), registered by the node apps.

A handler is called inside the transaction that also writes the inbox row, so its effect and
the record that the message was applied commit together or not at all. It receives the
validated payload (the schema's model) and the envelope header, and may itself queue messages
(:func:`juki.network.relay.enqueue`) — a forward or a result — in the same transaction.

A handler refuses a message it cannot apply by raising a :class:`~juki.core.errors.JukiError`
(recorded, the sequence moves on); any other exception rolls back and the message is
delivered again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .envelope import Header


@dataclass(frozen=True)
class InboundMessage:
    header: Header
    payload: BaseModel


Handler = Callable[..., Any]

#: (receiving role, message type) → apply function.
_HANDLERS: dict[tuple[str, str], Handler] = {}


def register(role: str, message_type: str) -> Callable[[Handler], Handler]:
    """Declare ``fn(message, *, context, actor)`` as how a node of ``role`` applies ``message_type``."""
    def decorate(fn: Handler) -> Handler:
        _HANDLERS[(str(role), message_type)] = fn
        return fn

    return decorate


def unregister(role: str, message_type: str) -> None:
    _HANDLERS.pop((str(role), message_type), None)


def handler_for(role: str, message_type: str) -> Handler | None:
    return _HANDLERS.get((str(role), message_type))
