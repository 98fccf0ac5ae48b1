"""How the 都道府県サーバ node applies its messages: it checks the 住民票コード, keeps its
本人確認情報 file and forwards; results come back down (juki.network.identity)."""

from __future__ import annotations

from juki.network import identity
from juki.network.interfaces import Role

from .models import IdentityHistory, IdentityRecord


def register() -> None:
    identity.register_tier(Role.PREFECTURE, current=IdentityRecord, history=IdentityHistory)
