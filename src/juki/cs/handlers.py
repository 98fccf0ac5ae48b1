"""How the 市町村CS node applies its messages (registered with juki.network.handlers)."""

from __future__ import annotations

from typing import Any

from juki.network import handlers, identity
from juki.network.interfaces import Role

from .models import IdentityHistory, IdentityRecord


def apply_update(message: handlers.InboundMessage, *, context: Any, actor: str) -> None:
    identity.apply_update(message, context=context, actor=actor, current=IdentityRecord, history=IdentityHistory,
                          check=identity.check_resident_code)


def apply_result(message: handlers.InboundMessage, *, context: Any, actor: str) -> None:
    identity.apply_result(message, context=context, actor=actor, current=IdentityRecord, history=IdentityHistory)


def register() -> None:
    handlers.register(Role.CS, identity.UPDATE)(apply_update)
    handlers.register(Role.CS, identity.RESULT)(apply_result)
