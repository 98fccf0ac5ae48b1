"""The messaging server's configuration, generated from the interface table and the certificates.

Every node connects with its certificate; nats-server's ``verify_and_map`` maps the
certificate subject (``CN=<node>,OU=<role>,O=juki-net``) to a user whose permissions are
derived from :data:`juki.network.interfaces.INTERFACES` and the :class:`Topology`:

- **publish** exactly ``juki.<type>.<recipient>`` for every (type, recipient) the node may send,
  plus pulling from and acknowledging on its own durable consumer;
- **subscribe** only its own reply prefix ``_INBOX_<node>.>`` (pulled messages and JetStream
  acknowledgements arrive there).

So a node cannot publish a type it may not send, to a node it is not linked to, nor read
another node's messages. The administrator (national tier) may manage the stream.
The file is JSON, which the nats-server configuration format accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .interfaces import STREAM, Topology, consumer_name, subject
from .pki import ADMIN_ID, subject_string


def node_permissions(topology: Topology, node_id: str) -> dict[str, Any]:
    consumer = consumer_name(node_id)
    publish = [subject(message_type, recipient) for message_type, recipient in topology.sendable(node_id)]
    publish += [f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{consumer}", f"$JS.ACK.{STREAM}.{consumer}.>"]
    return {"publish": {"allow": publish}, "subscribe": {"allow": [f"_INBOX_{node_id}.>"]}}


def server_config(topology: Topology, *, port: int, store_dir: Path, cert_file: Path, key_file: Path,
                  ca_file: Path, host: str = "127.0.0.1") -> dict[str, Any]:
    users = [{"user": subject_string(node.node_id, node.role.value), "permissions": node_permissions(topology, node.node_id)}
             for node in topology.nodes.values()]
    users.append({"user": subject_string(ADMIN_ID, "admin"),
                  "permissions": {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}})
    return {
        "server_name": "juki-net",
        "host": host,
        "port": port,
        "jetstream": {"store_dir": str(store_dir), "max_memory_store": 64 * 1024 * 1024,
                      "max_file_store": 1024 * 1024 * 1024},
        "tls": {"cert_file": str(cert_file), "key_file": str(key_file), "ca_file": str(ca_file),
                "verify_and_map": True, "timeout": 2},
        "authorization": {"users": users},
    }


def write_server_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
