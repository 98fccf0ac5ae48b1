"""Which tables a node's database has (docs/network.md "Node roles")."""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: Apps whose code every role loads but whose tables only a municipality has: the register.
MUNICIPAL_TABLES = frozenset({"register"})


class NodeRouter:
    """A node of another role than municipal has no register tables: a CS, prefecture or
    national database holds its own files (juki.cs, juki.prefecture, juki.national) only."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label in MUNICIPAL_TABLES and settings.JUKI_ROLE != "municipal":
            return False
        return None
