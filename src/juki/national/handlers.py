"""How the 全国サーバ（機構） node applies its messages (registered with juki.network.handlers)."""

from __future__ import annotations

from typing import Any

from juki.network import handlers, identity
from juki.network.interfaces import Role
from juki.network.node import NodeContext
from juki.register.events import IdentityUpdate
from juki.register.models import ChangeReason

from .models import IdentityHistory, IdentityRecord

#: Reasons that enter a person who had no 住民票コード yet: the code must be new (住民票コードは
#: 機構が重複しないよう指定する, 住基法30条の2第1項・30条の3第2項).
NEW_ENTRY = frozenset({ChangeReason.BIRTH, ChangeReason.MOVE_IN_FROM_ABROAD, ChangeReason.FOREIGN_RESIDENT_ENTRY})


def check_national(current: type[identity.IdentityRecordBase], context: NodeContext, update: IdentityUpdate) -> None:
    """The national server's check: a well-formed code, and a first entry (出生・国外からの転入・
    外国人住民の記載) may not take a 住民票コード the national file already holds."""
    identity.check_resident_code(current, context, update)
    if update.reason in NEW_ENTRY and current.objects.filter(node=context.node_id,
                                                             resident_code=update.resident_code).exists():
        raise identity.Refused("IDENTITY_RESIDENT_CODE_IN_USE", "この住民票コードは既に他の住民に付されています。")


def apply_update(message: handlers.InboundMessage, *, context: Any, actor: str) -> None:
    identity.apply_update(message, context=context, actor=actor, current=IdentityRecord, history=IdentityHistory,
                          check=check_national)


def register() -> None:
    handlers.register(Role.NATIONAL, identity.UPDATE)(apply_update)
