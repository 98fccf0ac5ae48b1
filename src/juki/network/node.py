"""A node as the network library sees it: its identity, the topology and the nodes it trusts."""

from __future__ import annotations

from dataclasses import dataclass

from .interfaces import Role, Topology
from .pki import NodeDirectory, NodeIdentity


@dataclass(frozen=True)
class NodeContext:
    """Everything a node needs to send and receive: its own keys and certificate
    (:class:`NodeIdentity`), who is linked to whom (:class:`Topology`) and the verified
    certificates of the other nodes (:class:`NodeDirectory`)."""

    identity: NodeIdentity
    topology: Topology
    directory: NodeDirectory

    @property
    def node_id(self) -> str:
        return self.identity.node_id

    @property
    def role(self) -> Role:
        return Role(self.identity.role)

    @property
    def actor(self) -> str:
        """Who a node's own writes are recorded as, in the audit log."""
        return f"node:{self.node_id}"
