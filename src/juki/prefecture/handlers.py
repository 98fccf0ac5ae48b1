"""How the 都道府県サーバ node applies its messages (registered with juki.network.handlers)."""

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
    handlers.register(Role.PREFECTURE, identity.UPDATE)(apply_update)
    handlers.register(Role.PREFECTURE, identity.RESULT)(apply_result)
