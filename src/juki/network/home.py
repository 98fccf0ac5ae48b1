"""A node's home directory (ノードのホームディレクトリ): ``node.toml`` says what the node is.

``JUKI_HOME`` is the node's home. When it holds a ``node.toml``, the settings read it (this
module imports nothing of Django, so the settings can) and the node's **role** decides the
Django apps, URLs and migrations it has (docs/network.md "Node roles"). Without one, juki is
the combined development install: a municipality with every node app beside it, so tests can
play the whole network in one database.

``node.toml``::

    [node]
    id = "cs-131016"              # node id: also the certificate's CN
    role = "cs"                   # municipal | cs | prefecture | national
    name = "千代田区CS"
    municipality_code = "131016"  # 地方公共団体コード (municipal, cs)
    prefecture_code = "13"        # 都道府県コード (municipal, cs, prefecture)
    parent = "pref-13"            # upstream node (親ノード); empty for national

    [http]
    host = "127.0.0.1"
    port = 8102

    [network]
    server = "tls://127.0.0.1:4222"   # the messaging server
    keys = "keys"                     # node.crt, node.key, sign.key, kex.key, ca.crt
    topology = "../../network.toml"   # the country: nodes, roles, upstreams
    certificates = "../../certs"      # every node's certificate (<id>.crt)

Relative paths are relative to the home directory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .interfaces import Topology
    from .node import NodeContext

NODE_FILE = "node.toml"
TOPOLOGY_FILE = "network.toml"
ROLES = ("municipal", "cs", "prefecture", "national")


class NodeConfigError(ValueError):
    """``node.toml`` is missing an item or has one of the wrong kind (the message says which)."""


@dataclass(frozen=True)
class NodeConfig:
    """What ``node.toml`` says about the node (see the module docstring)."""

    home: Path
    node_id: str
    role: str
    name: str = ""
    municipality_code: str = ""
    prefecture_code: str = ""
    parent: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    server_url: str = ""
    keys_dir: Path | None = None
    topology_file: Path | None = None
    certificates_dir: Path | None = None

    @classmethod
    def read(cls, home: Path) -> NodeConfig | None:
        """The home's ``node.toml``, or ``None`` when there is none (the combined install)."""
        path = home / NODE_FILE
        if not path.exists():
            return None
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise NodeConfigError(f"{path}: TOML として読めません（{exc}）。") from None
        node, http, net = data.get("node", {}), data.get("http", {}), data.get("network", {})
        role = node.get("role", "")
        if role not in ROLES:
            raise NodeConfigError(f"{path}: [node] role は {' / '.join(ROLES)} のいずれかです（{role!r}）。")
        if not node.get("id"):
            raise NodeConfigError(f"{path}: [node] id がありません。")

        def rel(value: Any) -> Path | None:
            return (home / value).resolve() if value else None

        return cls(home=home, node_id=str(node["id"]), role=role, name=str(node.get("name", "")),
                   municipality_code=str(node.get("municipality_code", "")),
                   prefecture_code=str(node.get("prefecture_code", "")), parent=str(node.get("parent", "")),
                   http_host=str(http.get("host", "127.0.0.1")), http_port=int(http.get("port", 8000)),
                   server_url=str(net.get("server", "")), keys_dir=rel(net.get("keys")),
                   topology_file=rel(net.get("topology")), certificates_dir=rel(net.get("certificates")))


def read_topology(path: Path) -> Topology:
    """The country's topology from ``network.toml`` (``[[node]]`` tables: id, role, parent)."""
    from .interfaces import Topology

    topology = Topology()
    for node in tomllib.loads(path.read_text(encoding="utf-8")).get("node", []):
        topology.add(node["id"], node["role"], node.get("parent", ""))
    return topology


def load_context(config: NodeConfig) -> NodeContext:
    """The node's keys, the country's topology and the verified certificates of every node."""
    from cryptography import x509

    from .node import NodeContext
    from .pki import NodeDirectory, NodeIdentity

    if config.keys_dir is None or config.topology_file is None or config.certificates_dir is None:
        raise NodeConfigError(f"{config.home / NODE_FILE}: [network] keys, topology, certificates が必要です。")
    identity = NodeIdentity.load(config.keys_dir)
    certificates = [x509.load_pem_x509_certificate(p.read_bytes())
                    for p in sorted(config.certificates_dir.glob("*.crt"))]
    return NodeContext(identity, read_topology(config.topology_file),
                       NodeDirectory(identity.ca_certificate, certificates))
