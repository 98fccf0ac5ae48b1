"""juki serve: serve the staff UI and API with waitress (a production WSGI server)."""

from __future__ import annotations

import errno
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from juki.audit.autocheckpoint import start_ticker
from juki.core import addresses


class Command(BaseCommand):
    help = "職員画面とAPIを起動します（既定 127.0.0.1:8000。ポートは --port または JUKI_PORT）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="待ち受けアドレス（既定 127.0.0.1）")
        parser.add_argument("--port", type=int, default=settings.JUKI_PORT,
                            help=f"ポート（既定 JUKI_PORT または 8000。現在 {settings.JUKI_PORT}）")
        parser.add_argument("--threads", type=int, default=8, help="ワーカースレッド数")

    def handle(self, *args: Any, host: str, port: int, threads: int, **opts: Any) -> None:
        # The server and the WSGI application (which loads every middleware) only when serving.
        from waitress import create_server

        from juki.wsgi import application

        try:
            server = create_server(application, host=host, port=port, threads=threads, ident="juki")
        except OSError as exc:
            raise CommandError(self._cannot_listen(host, port, exc)) from None
        # Printed URLs (enrolment, certificates' QR codes) follow this address unless
        # JUKI_PUBLIC_BASE_URL names another.
        addresses.set_served_address(host, port)
        if apps.is_installed("juki.certificates"):  # a CS, prefecture or national node issues none
            self._prepare_certificate_font()
        # Signs the audit chain head when the time limit passes while no event arrives
        # (juki.audit.autocheckpoint); a thread of its own, outside every request.
        ticker = start_ticker()
        self.stdout.write(f"juki: {addresses.http_url(host, port)}/ で待ち受けます（Ctrl+C で終了）")
        try:
            server.run()
        finally:
            if ticker is not None:
                ticker.stop()

    @staticmethod
    def _cannot_listen(host: str, port: int, exc: OSError) -> str:
        """Why juki cannot listen, and what to do: no traceback for a taken port."""
        if exc.errno == errno.EADDRINUSE:
            return (f"ポート {port} は他のプログラムが使用中です（{host}:{port}）。"
                    f"別のポートを指定してください: juki serve --port {port + 1}"
                    f"（make run なら make run PORT={port + 1}）。")
        if exc.errno == errno.EACCES:
            return f"ポート {port} で待ち受ける権限がありません。1024 以上のポートを --port で指定してください。"
        return f"{host}:{port} で待ち受けできません（{exc.strerror or exc}）。--host と --port を確認してください。"

    def _prepare_certificate_font(self) -> None:
        """Build the certificate working font now (seconds, once per font version), not on the first
        certificate a clerk issues. Without the IPAmj明朝 font juki still serves; issuing refuses."""
        # The server entry point reaches above the web layer for this (declared in .importlinter).
        from juki.certificates import fonts

        try:
            fonts.working_font_path()
        except OSError as exc:
            self.stderr.write(f"juki: 証明書用フォントを準備できません（{exc}）。証明書の交付はできません。")
