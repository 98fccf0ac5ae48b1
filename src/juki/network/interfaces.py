"""The legal interfaces of the network (ネットワークの通信インタフェース): one declared table.

Each row says: this **message type** may be sent by a node of this **role** to a node of that
**role**, and its payload is this **schema** (a versioned pydantic model). From the table:

- :mod:`juki.network.nats_config` generates each node's publish permissions on the messaging
  server, so a node cannot even publish a type it may not send;
- the receiver (:mod:`juki.network.inbox`) checks every message against the same rows.

Links run only between a node and its direct upstream (親ノード) in the :class:`Topology`:
municipal → its 市町村CS → its prefecture → the national server, and results back down.

The chain built first is 本人確認情報の更新 (住基法30条の6: 市町村長から都道府県知事へ, CS
経由; 30条の7: 都道府県知事から機構へ) and its result travelling back down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel

from juki.register.events import IdentityUpdate

from .schemas import IdentityUpdateResult

#: Every subject of the network starts with this; the stream captures ``juki.>``.
SUBJECT_PREFIX = "juki"
#: The one JetStream stream of the network (file storage).
STREAM = "JUKI"


class Role(StrEnum):
    """Roles a node can have (ノードの種別)."""

    MUNICIPAL = "municipal"  # 市町村の既存住基システム
    CS = "cs"  # 市町村CS（コミュニケーションサーバ）
    PREFECTURE = "prefecture"  # 都道府県サーバ
    NATIONAL = "national"  # 全国サーバ（機構）


@dataclass(frozen=True)
class Interface:
    """One legal interface: ``message_type`` from a ``sender`` role to a ``receiver`` role."""

    message_type: str
    sender: Role
    receiver: Role
    schema: type[BaseModel]
    version: int
    #: The payload carries personal data: it must travel sealed to the recipient.
    personal: bool
    label: str


#: The interface table (通信インタフェース一覧).
INTERFACES: tuple[Interface, ...] = (
    Interface("identity_update", Role.MUNICIPAL, Role.CS, IdentityUpdate, 1, True, "本人確認情報の更新（市町村→CS）"),
    Interface("identity_update", Role.CS, Role.PREFECTURE, IdentityUpdate, 1, True, "本人確認情報の更新（CS→都道府県）"),
    Interface("identity_update", Role.PREFECTURE, Role.NATIONAL, IdentityUpdate, 1, True, "本人確認情報の更新（都道府県→全国）"),
    Interface("identity_update_result", Role.NATIONAL, Role.PREFECTURE, IdentityUpdateResult, 1, True,
              "本人確認情報の更新結果（全国→都道府県）"),
    Interface("identity_update_result", Role.PREFECTURE, Role.CS, IdentityUpdateResult, 1, True,
              "本人確認情報の更新結果（都道府県→CS）"),
    Interface("identity_update_result", Role.CS, Role.MUNICIPAL, IdentityUpdateResult, 1, True,
              "本人確認情報の更新結果（CS→市町村）"),
)


def find(message_type: str, sender: str, receiver: str, table: tuple[Interface, ...] = INTERFACES) -> Interface | None:
    """The row allowing ``message_type`` from a ``sender`` role to a ``receiver`` role, if any."""
    for row in table:
        if row.message_type == message_type and row.sender == sender and row.receiver == receiver:
            return row
    return None


def subject(message_type: str, recipient: str) -> str:
    """The subject a message travels on: type and recipient node (``juki.<type>.<node>``)."""
    return f"{SUBJECT_PREFIX}.{message_type}.{recipient}"


def consumer_name(node_id: str) -> str:
    """The durable JetStream consumer holding a node's incoming messages."""
    return f"node-{node_id}"


def link_name(sender: str, recipient: str) -> str:
    """A link (回線) is one direction between two nodes; its sequence is the 更新順番号."""
    return f"{sender}>{recipient}"


@dataclass(frozen=True)
class Node:
    node_id: str
    role: Role
    #: The node's upstream (親ノード): municipal → cs → prefecture → national.
    parent: str = ""


@dataclass
class Topology:
    """The nodes of the network and who is whose upstream (ネットワーク構成)."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, node_id: str, role: Role | str, parent: str = "") -> Node:
        node = Node(node_id, Role(role), parent)
        self.nodes[node_id] = node
        return node

    def neighbours(self, node_id: str) -> list[Node]:
        """The nodes directly linked to ``node_id``: its upstream and its children."""
        me = self.nodes[node_id]
        return [n for n in self.nodes.values() if n.node_id == me.parent or n.parent == node_id]

    def linked(self, sender: str, recipient: str) -> bool:
        return sender in self.nodes and recipient in self.nodes and any(
            n.node_id == recipient for n in self.neighbours(sender))

    def may_send(self, sender: str, recipient: str, message_type: str) -> Interface | None:
        """The interface row allowing this message on this link, or ``None``."""
        if not self.linked(sender, recipient):
            return None
        return find(message_type, self.nodes[sender].role, self.nodes[recipient].role)

    def sendable(self, node_id: str) -> list[tuple[str, str]]:
        """Every (message type, recipient node) ``node_id`` may send: its publish permissions."""
        me = self.nodes[node_id]
        return sorted({(row.message_type, n.node_id) for n in self.neighbours(node_id) for row in INTERFACES
                       if row.sender == me.role and row.receiver == n.role})
