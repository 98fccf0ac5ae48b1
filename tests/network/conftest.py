"""A small network on one machine: a real nats-server (JetStream, file storage, mutual TLS,
per-node permissions generated from the interface table), started once per test session.

Nodes: national ← pref-13 ← cs-131016 ← municipal-131016 (and a second municipality under the
same CS). Every test starts with an empty stream; the database is the test's (one database
plays every node; rows name their link, docs/network.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from juki.network import handlers, nats_config, pki
from juki.network.interfaces import Role, Topology
from juki.network.node import NodeContext
from juki.network.server import MessagingServer, free_port
from juki.network.transport import Connection, provision

NODES = [
    ("national", Role.NATIONAL, ""),
    ("pref-13", Role.PREFECTURE, "national"),
    ("cs-131016", Role.CS, "pref-13"),
    ("municipal-131016", Role.MUNICIPAL, "cs-131016"),
    ("municipal-131024", Role.MUNICIPAL, "cs-131016"),
]


@dataclass
class Net:
    root: Path
    server: MessagingServer
    topology: Topology
    ca: pki.CertificateAuthority
    contexts: dict[str, NodeContext] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    admin: Connection | None = None

    def dir(self, node_id: str) -> Path:
        return self.root / "nodes" / node_id

    def connection(self, node_id: str) -> Connection:
        if node_id not in self.connections:
            self.connections[node_id] = Connection(self.server.url, self.dir(node_id), node_id, timeout=2).connect()
        return self.connections[node_id]

    def purge(self) -> None:
        assert self.admin is not None

        async def go() -> None:
            await self.admin._nc.jetstream().purge_stream("JUKI")

        self.admin._run(go())

    def stream_messages(self) -> int:
        assert self.admin is not None

        async def go() -> int:
            return (await self.admin._nc.jetstream().stream_info("JUKI")).state.messages

        return self.admin._run(go())


@pytest.fixture(scope="session")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("juki-net")
    ca = pki.CertificateAuthority.create(root / "ca")
    server_crt, server_key = ca.issue_server(root / "server")
    topology = Topology()
    for node_id, role, parent in NODES:
        topology.add(node_id, role, parent)
    identities = {node_id: ca.issue_node(root / "nodes" / node_id, node_id, role.value) for node_id, role, _ in NODES}
    ca.issue_node(root / "nodes" / "admin", pki.ADMIN_ID, "admin")
    directory = pki.NodeDirectory(ca.certificate, [i.certificate.certificate for i in identities.values()])
    port = free_port()
    config = nats_config.server_config(topology, port=port, store_dir=root / "store", cert_file=server_crt,
                                       key_file=server_key, ca_file=root / "ca" / "ca.crt")
    nats_config.write_server_config(root / "nats.conf", config)
    server = MessagingServer(root / "nats.conf", host="127.0.0.1", port=port, store_dir=root / "store").start()
    net = Net(root, server, topology, ca)
    try:
        provision(server.url, root / "nodes" / "admin", [n for n, _, _ in NODES], ack_wait=30)
        net.admin = Connection(server.url, root / "nodes" / "admin", pki.ADMIN_ID, timeout=2).connect()
        net.contexts = {n: NodeContext(identities[n], topology, directory) for n in identities}
        yield net
    finally:
        for connection in net.connections.values():
            connection.close()
        if net.admin is not None:
            net.admin.close()
        server.stop()


def applied(message_type: str = "") -> list[str]:
    """What the test handlers applied, in order: ``<type>:<link>:<seq>``."""
    return list(Group.objects.filter(name__startswith=f"applied:{message_type}").order_by("id")
                .values_list("name", flat=True))


def _test_handler(message: handlers.InboundMessage, *, context: NodeContext, actor: str) -> None:
    """A handler with a database effect: one row per application (so applying twice shows)."""
    h = message.header
    Group.objects.create(name=f"applied:{h.type}:{h.link}:{h.seq}")


@pytest.fixture
def network(net: Net, db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Net]:
    """The session's network with an empty stream and the test handlers registered (in a copy
    of the registry: the node apps' own handlers are back after the test)."""
    net.purge()
    monkeypatch.setattr(handlers, "_HANDLERS", dict(handlers._HANDLERS))
    for role, message_type in ((Role.CS, "identity_update"), (Role.MUNICIPAL, "identity_update_result"),
                               (Role.PREFECTURE, "identity_update")):
        handlers.register(role, message_type)(_test_handler)
    yield net


@pytest.fixture
def country(net: Net, db: None) -> Net:
    """The session's network with an empty stream and the node apps' own handlers."""
    net.purge()
    return net


def identity_update(family_name: str = "山田", given_name: str = "花子", address: str = "東京都千代田区千代田一丁目1番1号",
                    resident_code: str = "12345678901", my_number_enc: str | None = None):
    from juki.register.events import IdentityUpdate
    from juki.register.models import ChangeReason, RecordStatus, Sex

    return IdentityUpdate(reason=ChangeReason.BIRTH, effective_on=dt.date(2026, 4, 1), resident_code=resident_code,
                          family_name=family_name, given_name=given_name, furigana="ヤマダ ハナコ",
                          birth=(2026, 4, 1), sex=Sex.FEMALE, address=address, town_block_id=None, banchi="1-1",
                          katagaki="", status=RecordStatus.RESIDENT, my_number_enc=my_number_enc)
