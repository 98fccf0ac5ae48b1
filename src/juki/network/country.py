"""A small country on one machine (小さな全国網): ``juki network init`` / ``up`` / ``status``.

Layout of a country directory::

    network.toml          the nodes: id, role, upstream, codes, name, HTTP port; the server port
    ca/                   the network CA (ca.key 0600)
    server/, nats.conf    the messaging server's certificate and generated configuration
    admin/                the network administrator's identity (creates stream and consumers)
    certs/<id>.crt        every node's certificate (each node's directory of the others)
    nodes/<id>/           a node's home: node.toml, keys/ (0600), juki.sqlite3
    Procfile              nats-server and, per node, `juki serve` and `juki network worker`
    store/                JetStream file store

Each node also starts alone from its home: ``JUKI_HOME=<dir>/nodes/<id> juki serve``.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import nats_config, pki
from .home import NODE_FILE, TOPOLOGY_FILE, read_topology
from .interfaces import Role


@dataclass(frozen=True)
class NodeSpec:
    node_id: str
    role: str
    parent: str
    name: str
    municipality_code: str = ""
    prefecture_code: str = ""


def small_country() -> list[NodeSpec]:
    """The national server, two prefectures, three municipalities each with its own CS."""
    nodes = [NodeSpec("national", Role.NATIONAL, "", "全国サーバ（機構）"),
             NodeSpec("pref-13", Role.PREFECTURE, "national", "東京都", prefecture_code="13"),
             NodeSpec("pref-27", Role.PREFECTURE, "national", "大阪府", prefecture_code="27")]
    for code, name in (("131016", "千代田区"), ("131024", "中央区"), ("271004", "大阪市")):
        pref = code[:2]
        nodes.append(NodeSpec(f"cs-{code}", Role.CS, f"pref-{pref}", f"{name}CS", code, pref))
        nodes.append(NodeSpec(f"municipal-{code}", Role.MUNICIPAL, f"cs-{code}", name, code, pref))
    return nodes


def _toml_value(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_table(name: str, items: dict[str, Any], *, array: bool = False) -> str:
    head = f"[[{name}]]" if array else f"[{name}]"
    return "\n".join([head, *(f"{k} = {_toml_value(v)}" for k, v in items.items())]) + "\n"


def juki_command() -> str:
    """How a child process runs juki: this interpreter's ``juki`` script, else the module."""
    script = Path(sys.executable).with_name("juki")
    return shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m juki.cli"


def node_env(home: Path) -> dict[str, str]:
    """A node process's environment: its home, and its own database in it (not the caller's)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["JUKI_HOME"] = str(home)
    return env


def init(root: Path, *, nats_port: int = 4222, http_port: int = 8100, migrate: bool = True) -> list[NodeSpec]:
    """Create the country under ``root`` (which must not hold one yet)."""
    if (root / TOPOLOGY_FILE).exists():
        raise FileExistsError(f"{root / TOPOLOGY_FILE} は既にあります。")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    nodes = small_country()
    ca = pki.CertificateAuthority.create(root / "ca")
    server_crt, server_key = ca.issue_server(root / "server")
    ca.issue_node(root / "admin", pki.ADMIN_ID, "admin")
    (root / "certs").mkdir(mode=0o700, exist_ok=True)
    text = [_toml_table("server", {"host": "127.0.0.1", "port": nats_port})]
    for index, node in enumerate(nodes):
        port = http_port + index
        home = root / "nodes" / node.node_id
        home.mkdir(mode=0o700, parents=True)
        identity = ca.issue_node(home / "keys", node.node_id, str(node.role))
        (root / "certs" / f"{node.node_id}.crt").write_bytes((home / "keys" / "node.crt").read_bytes())
        codes = {"municipality_code": node.municipality_code, "prefecture_code": node.prefecture_code}
        codes = {k: v for k, v in codes.items() if v}
        (home / NODE_FILE).write_text(
            _toml_table("node", {"id": identity.node_id, "role": str(node.role), "name": node.name, **codes,
                                 "parent": node.parent})
            + "\n" + _toml_table("http", {"host": "127.0.0.1", "port": port})
            + "\n" + _toml_table("network", {"server": f"tls://127.0.0.1:{nats_port}", "keys": "keys",
                                             "topology": f"../../{TOPOLOGY_FILE}", "certificates": "../../certs"}),
            encoding="utf-8")
        text.append(_toml_table("node", {"id": node.node_id, "role": str(node.role), "parent": node.parent,
                                         "name": node.name, **codes, "http_port": port}, array=True))
    (root / TOPOLOGY_FILE).write_text("\n".join(text), encoding="utf-8")
    config = nats_config.server_config(read_topology(root / TOPOLOGY_FILE), port=nats_port,
                                       store_dir=root / "store", cert_file=server_crt, key_file=server_key,
                                       ca_file=root / "ca" / "ca.crt")
    nats_config.write_server_config(root / "nats.conf", config)
    write_procfile(root, nodes)
    if migrate:
        create_databases(root, nodes)
    return nodes


def create_databases(root: Path, nodes: list[NodeSpec]) -> None:
    """Each node's SQLite database with its role's tables: ``juki migrate`` once per role (in
    parallel), then a copy for the other nodes of that role (a fresh database holds only its
    schema and Django's content types, the same for every node of a role)."""
    first: dict[str, NodeSpec] = {}
    for node in nodes:
        first.setdefault(str(node.role), node)
    runs = [subprocess.Popen([*shlex.split(juki_command()), "migrate", "-v", "0"],  # noqa: S603 - juki itself
                             env=node_env(root / "nodes" / node.node_id)) for node in first.values()]
    if any(run.wait() for run in runs):
        raise RuntimeError("juki migrate failed for a node of the country")
    for node in nodes:
        template = first[str(node.role)]
        if node is not template:
            target = root / "nodes" / node.node_id / "juki.sqlite3"
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
            with sqlite3.connect(root / "nodes" / template.node_id / "juki.sqlite3") as src, \
                    sqlite3.connect(target) as dst:
                src.backup(dst)


def write_procfile(root: Path, nodes: list[NodeSpec]) -> Path:
    """One process for the messaging server, and per node its web server and its worker."""
    juki = juki_command()
    lines = [f"nats: {juki} network server {shlex.quote(str(root))}"]
    for node in nodes:
        home = shlex.quote(str(root / "nodes" / node.node_id))
        prefix = f"env -u DATABASE_URL JUKI_HOME={home}"
        lines.append(f"web-{node.node_id}: {prefix} {juki} serve")
        lines.append(f"worker-{node.node_id}: {prefix} {juki} network worker")
    path = root / "Procfile"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_country(root: Path) -> dict[str, Any]:
    path = root / TOPOLOGY_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} がありません（juki network init {root} で作成します）。")
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass
class NodeStatus:
    node_id: str
    role: str
    parent: str
    http_port: int
    database: bool
    unsent: int = 0  # 未送信: publications not yet in the stream (+ register outbox rows not queued)
    held: int = 0  # 保留: messages held behind a gap


@dataclass
class LinkStatus:
    link: str
    last_sent: int | None
    last_applied: int | None


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # a table this node's role does not have
        return []
    finally:
        connection.close()


def status(root: Path) -> tuple[list[NodeStatus], list[LinkStatus]]:
    """Every node and link of the country, from each node's own database (read only)."""
    country = read_country(root)
    nodes, sent, applied = [], {}, {}
    for node in country.get("node", []):
        db = root / "nodes" / node["id"] / "juki.sqlite3"
        row = NodeStatus(node["id"], node["role"], node.get("parent", ""), node.get("http_port", 0), db.exists())
        if row.database:
            row.unsent = sum(n for (n,) in _query(db, "SELECT count(*) FROM network_outboxpublication "
                                                      "WHERE published_at IS NULL"))
            row.unsent += sum(n for (n,) in _query(
                db, "SELECT count(*) FROM register_outboxevent e WHERE e.kind = 'identity_update' "
                    "AND e.sent_at IS NULL AND NOT EXISTS (SELECT 1 FROM network_outboxpublication p "
                    "WHERE p.outbox_event_id = e.id)"))
            row.held = sum(n for (n,) in _query(db, "SELECT count(*) FROM network_heldmessage"))
            for link, last_sent, last_applied in _query(db, "SELECT link, last_sent, last_applied "
                                                            "FROM network_linksequence"):
                if link.startswith(f"{node['id']}>"):
                    sent[link] = last_sent
                else:
                    applied[link] = last_applied
        nodes.append(row)
    links = []
    for node in country.get("node", []):
        if node.get("parent"):
            for link in (f"{node['id']}>{node['parent']}", f"{node['parent']}>{node['id']}"):
                links.append(LinkStatus(link, sent.get(link), applied.get(link)))
    return nodes, links
