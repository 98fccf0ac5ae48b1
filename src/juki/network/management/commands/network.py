"""juki network: a small country of nodes on one machine, and a node's network worker.

- ``init DIR``: create the country (CA, certificates, node homes, server configuration, Procfile);
- ``up DIR``: run the messaging server and every node under honcho (Procfile);
- ``status DIR``: every node, link and backlog, read from the nodes' databases;
- ``server DIR``: the messaging server of the country (a Procfile process);
- ``worker``: this node's relay and inbox loops (JUKI_HOME is a node home with node.toml).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from juki.network import country


class Command(BaseCommand):
    help = "ノード網の作成・起動・状況、ノードの送受信処理 (network init DIR / up DIR / status DIR / server DIR / worker)"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="小さな全国網（全国・2都道府県・3市町村と各CS）を作成する")
        init.add_argument("directory", type=Path)
        init.add_argument("--nats-port", type=int, default=4222, help="メッセージサーバのポート（既定 4222）")
        init.add_argument("--http-port", type=int, default=8100, help="最初のノードのHTTPポート（既定 8100、以降連番）")
        init.add_argument("--no-migrate", action="store_true", help="各ノードのデータベースを作成しない")
        up = sub.add_parser("up", help="メッセージサーバと全ノードを honcho で起動する")
        up.add_argument("directory", type=Path)
        up.add_argument("--seconds", type=float, default=0, help="この秒数の後に停止する（試験用。0 は Ctrl+C まで）")
        status = sub.add_parser("status", help="各ノード・回線・未処理件数を表示する")
        status.add_argument("directory", type=Path)
        server = sub.add_parser("server", help="網のメッセージサーバを起動する（Procfile から）")
        server.add_argument("directory", type=Path)
        sub.add_parser("worker", help="このノード（JUKI_HOME）の送信・受信処理を続ける")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        getattr(self, f"_{action}")(**opts)

    def _init(self, directory: Path, nats_port: int, http_port: int, no_migrate: bool, **_: Any) -> None:
        try:
            nodes = country.init(directory.resolve(), nats_port=nats_port, http_port=http_port,
                                 migrate=not no_migrate)
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{directory}: {len(nodes)} ノードを作成しました。起動: juki network up {directory}")

    def _up(self, directory: Path, seconds: float, **_: Any) -> None:
        root = directory.resolve()
        if not (root / "Procfile").exists():
            raise CommandError(f"{root / 'Procfile'} がありません（juki network init {directory}）。")
        process = subprocess.Popen([sys.executable, "-m", "honcho", "-f", str(root / "Procfile"), "-d", str(root),  # noqa: S603
                                    "start"])
        try:
            process.wait(timeout=seconds or None)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)  # honcho stops every process it started
            process.wait(30)
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            process.wait(30)

    def _status(self, directory: Path, **_: Any) -> None:
        try:
            nodes, links = country.status(directory.resolve())
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'ノード':<20} {'種別':<11} {'上位':<12} {'HTTP':>5} {'DB':<3} {'未送信':>6} {'保留':>4}")
        for n in nodes:
            self.stdout.write(f"{n.node_id:<22} {n.role:<12} {n.parent or '-':<13} {n.http_port:>5} "
                              f"{'有' if n.database else '無':<3} {n.unsent:>8} {n.held:>6}")
        self.stdout.write(f"\n{'回線':<34} {'最終送信番号':>12} {'最終適用番号':>12}")
        for link in links:
            show = lambda v: "-" if v is None else str(v)  # noqa: E731
            self.stdout.write(f"{link.link:<36} {show(link.last_sent):>16} {show(link.last_applied):>16}")

    def _server(self, directory: Path, **_: Any) -> None:
        from juki.network.server import MessagingServer
        from juki.network.transport import provision

        root = directory.resolve()
        data = country.read_country(root)
        host, port = data["server"]["host"], data["server"]["port"]
        server = MessagingServer(root / "nats.conf", host=host, port=port, store_dir=root / "store").start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            provision(server.url, root / "admin", [n["id"] for n in data.get("node", [])])
            self.stdout.write(f"メッセージサーバ: {server.url}")
            while not stop.wait(0.5):
                if server.process is None or server.process.poll() is not None:
                    raise CommandError("メッセージサーバが停止しました。")
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

    def _worker(self, **_: Any) -> None:
        from juki.network import worker
        from juki.network.home import load_context
        from juki.network.transport import Connection, TransportError

        node = settings.JUKI_NODE
        if node is None:
            raise CommandError(f"{settings.JUKI_HOME} に node.toml がありません（ノードのホームで実行します）。")
        context = load_context(node)  # refuses a node.toml without keys, topology or certificates
        keys_dir = node.keys_dir
        assert keys_dir is not None  # checked by load_context
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        connection = None
        self.stdout.write(f"{context.node_id} ({context.role}): {node.server_url} で送受信します")
        try:
            while not stop.is_set():
                try:
                    if connection is None:
                        connection = Connection(node.server_url, keys_dir, context.node_id).connect()
                    report = worker.step(context, connection)
                    if not (report.published or report.received):
                        stop.wait(0.2)
                except TransportError as exc:  # the server is not up yet, or restarting: try again
                    self.stderr.write(f"{context.node_id}: {exc.message}")
                    stop.wait(1.0)
                except Exception as exc:  # noqa: BLE001 - e.g. the consumer not provisioned yet: reconnect
                    self.stderr.write(f"{context.node_id}: {type(exc).__name__}: {exc}")
                    if connection is not None:
                        connection.close()
                    connection = None
                    stop.wait(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            if connection is not None:
                connection.close()
