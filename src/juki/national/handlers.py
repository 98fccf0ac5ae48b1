"""How the 全国サーバ（機構） node applies its messages (registered with juki.network.handlers)."""

from __future__ import annotations

from juki.network import identity
from juki.network.interfaces import Role
from juki.network.node import NodeContext
from juki.register.events import IdentityUpdate
from juki.register.models import ChangeReason

from .models import IdentityHistory, IdentityRecord

#: A birth gives a person their first 住民票コード: it must be new (機構 designates codes so that
#: none is given twice, 住基法30条の2第1項・30条の3第2項).
NEW_CODE = frozenset({ChangeReason.BIRTH})
#: Reasons that may bring a code the national file does not hold yet (first entries, 移行, a new
#: code); every other update must name a code it holds (jlis-001a §6 B12: "an update for an
#: unknown code produces an error result").
MAY_BE_UNKNOWN = frozenset({ChangeReason.BIRTH, ChangeReason.INITIAL, ChangeReason.MOVE_IN_FROM_ABROAD,
                            ChangeReason.FOREIGN_RESIDENT_ENTRY, ChangeReason.EX_OFFICIO_ENTRY,
                            ChangeReason.RESTORATION, ChangeReason.RESIDENT_CODE_CHANGE})


def check_national(current: type[identity.IdentityRecordBase], context: NodeContext, update: IdentityUpdate) -> None:
    """The national server's check: a well-formed code; a birth may not take a 住民票コード the
    national file already holds; any other update but a first entry must name one it holds."""
    identity.check_resident_code(current, context, update)
    held = current._default_manager.filter(node=context.node_id, resident_code=update.resident_code).exists()
    if update.reason in NEW_CODE and held:
        raise identity.Refused("IDENTITY_RESIDENT_CODE_IN_USE", "この住民票コードは既に他の住民に付されています。")
    if update.reason not in MAY_BE_UNKNOWN and not held:
        raise identity.Refused("IDENTITY_RESIDENT_CODE_UNKNOWN", "この住民票コードの本人確認情報が保存されていません。")

def register() -> None:
    identity.register_tier(Role.NATIONAL, current=IdentityRecord, history=IdentityHistory, check=check_national,
                           results=False)
