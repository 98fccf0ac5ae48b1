"""The connection of a node to the messaging server (NATS JetStream over mutual TLS).

This module and :mod:`juki.network.server` are the only code that talks to NATS.

**Sync and async.** nats-py is asyncio; the Django ORM is synchronous. A :class:`Connection`
runs its own event loop in one background thread and exposes *synchronous* methods that
submit coroutines to it (``asyncio.run_coroutine_threadsafe``). All database work therefore
stays in the caller's thread, in ordinary ``transaction.atomic()`` blocks — no
``sync_to_async``, no second database connection — and an acknowledgement is sent only after
the caller's transaction has committed, because the caller sends it.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nats
from nats.aio.msg import Msg
from nats.js import api

from juki.core.errors import JukiError

from .interfaces import STREAM, consumer_name

T = TypeVar("T")
#: Header JetStream deduplicates on.
MSG_ID_HEADER = "Nats-Msg-Id"


class TransportError(JukiError):
    """The messaging server refused or did not answer."""

    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=503)


def tls_context(directory: Path, *, cert: str = "node.crt", key: str = "node.key") -> ssl.SSLContext:
    """Client TLS: trust only the network CA, present the node's certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(directory / "ca.crt"))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if (directory / cert).exists():
        ctx.load_cert_chain(str(directory / cert), str(directory / key))
    return ctx


@dataclass
class Delivery:
    """One message handed to a node by its consumer."""

    data: bytes
    subject: str
    num_delivered: int
    stream_sequence: int
    _msg: Msg
    _connection: Connection

    def ack(self) -> None:
        self._connection._run(self._msg.ack())

    def nak(self) -> None:
        self._connection._run(self._msg.nak())


class Connection:
    """A node's synchronous handle on the messaging server."""

    def __init__(self, url: str, directory: Path, node_id: str, *, timeout: float = 5.0):
        self.url, self.directory, self.node_id, self.timeout = url, directory, node_id, timeout
        #: Errors the server sent asynchronously (e.g. permission violations).
        self.errors: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"nats-{node_id}", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        self._sub: Any = None

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout or self.timeout + 5)

    def connect(self, *, reconnect: bool = True) -> Connection:
        async def errored(exc: Exception) -> None:
            self.errors.append(str(exc))

        async def go() -> Any:
            return await nats.connect(
                servers=[self.url], tls=tls_context(self.directory), tls_hostname="localhost", name=self.node_id,
                # A node's replies and pulled messages arrive under its own prefix only, which is
                # all its permissions let it subscribe to.
                inbox_prefix=f"_INBOX_{self.node_id}", error_cb=errored, connect_timeout=self.timeout,
                allow_reconnect=reconnect, max_reconnect_attempts=-1 if reconnect else 0, reconnect_time_wait=0.2,
            )

        try:
            self._nc = self._run(go())
        except Exception as exc:
            self.close()
            raise TransportError("NETWORK_CONNECT_FAILED",
                                 f"メッセージサーバに接続できません（{type(exc).__name__}）。") from exc
        self._js = self._nc.jetstream(timeout=self.timeout)
        return self

    def publish(self, subject: str, data: bytes, *, msg_id: str) -> api.PubAck:
        """Store one message in the stream; JetStream drops a second one with the same id."""
        try:
            return self._run(self._js.publish(subject, data, headers={MSG_ID_HEADER: msg_id}, stream=STREAM))
        except Exception as exc:
            raise TransportError("NETWORK_PUBLISH_FAILED",
                                 f"電文をメッセージサーバに格納できません（{type(exc).__name__}）。") from exc

    def fetch(self, batch: int = 10, timeout: float = 1.0) -> list[Delivery]:
        """Up to ``batch`` messages from this node's durable consumer; [] when none came."""
        async def go() -> list[Msg]:
            if self._sub is None:
                self._sub = await self._js.pull_subscribe_bind(durable=consumer_name(self.node_id), stream=STREAM)
            try:
                return await self._sub.fetch(batch, timeout=timeout)
            except (TimeoutError, nats.errors.TimeoutError):
                return []  # nothing arrived in time (nats-py raises either)

        msgs = self._run(go(), timeout=timeout + self.timeout)
        return [Delivery(m.data, m.subject, m.metadata.num_delivered, m.metadata.sequence.stream, m, self)
                for m in msgs]

    def raw_publish(self, subject: str, data: bytes) -> None:
        """Core publish without waiting for the stream (to exercise server-side permissions)."""
        async def go() -> None:
            await self._nc.publish(subject, data)
            await self._nc.flush(self.timeout)

        self._run(go())

    def close(self) -> None:
        if self._nc is not None:
            try:
                self._run(self._nc.close())
            except Exception:  # noqa: S110 - closing a broken connection
                pass
            self._nc = None
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def provision(url: str, admin_directory: Path, node_ids: list[str], *, duplicate_window: float = 120.0,
              ack_wait: float = 30.0) -> None:
    """Create the stream (file storage, work queue) and one durable pull consumer per node.

    Run by the network administrator (national tier): nodes have no permission to create or
    change streams and consumers.
    """
    admin = Connection(url, admin_directory, "network-admin")
    admin.connect(reconnect=False)
    try:
        async def go() -> None:
            jsm = admin._nc.jetstream()
            # Work-queue retention: the nodes' consumers filter disjoint subjects, and a message is
            # removed from the store once its recipient has acknowledged it.
            config = api.StreamConfig(name=STREAM, subjects=["juki.>"], storage=api.StorageType.FILE,
                                      retention=api.RetentionPolicy.WORK_QUEUE, duplicate_window=duplicate_window)
            try:
                await jsm.stream_info(STREAM)
                await jsm.update_stream(config)
            except nats.js.errors.NotFoundError:
                await jsm.add_stream(config)
            for node_id in node_ids:
                await jsm.add_consumer(STREAM, api.ConsumerConfig(
                    durable_name=consumer_name(node_id), filter_subject=f"juki.*.{node_id}",
                    ack_policy=api.AckPolicy.EXPLICIT, deliver_policy=api.DeliverPolicy.ALL, ack_wait=ack_wait,
                    max_ack_pending=1000))

        admin._run(go(), timeout=30)
    finally:
        admin.close()
