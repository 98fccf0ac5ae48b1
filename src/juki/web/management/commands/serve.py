"""juki serve: serve the staff UI and API with waitress (a production WSGI server)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from juki.audit.autocheckpoint import start_ticker


class Command(BaseCommand):
    help = "職員画面とAPIを起動します（既定 127.0.0.1:8000）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="待ち受けアドレス（既定 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="ポート（既定 8000）")
        parser.add_argument("--threads", type=int, default=8, help="ワーカースレッド数")

    def handle(self, *args: Any, host: str, port: int, threads: int, **opts: Any) -> None:
        # The server and the WSGI application (which loads every middleware) only when serving.
        from waitress import serve

        from juki.wsgi import application

        self._prepare_certificate_font()
        # Signs the audit chain head when the time limit passes while no event arrives
        # (juki.audit.autocheckpoint); a thread of its own, outside every request.
        ticker = start_ticker()
        self.stdout.write(f"juki: http://{host}:{port}/ で待ち受けます（Ctrl+C で終了）")
        try:
            serve(application, host=host, port=port, threads=threads, ident="juki")
        finally:
            if ticker is not None:
                ticker.stop()

    def _prepare_certificate_font(self) -> None:
        """Build the certificate working font now (seconds, once per font version), not on the first
        certificate a clerk issues. Without the IPAmj明朝 font juki still serves; issuing refuses."""
        # The server entry point reaches above the web layer for this (declared in .importlinter).
        from juki.certificates import fonts

        try:
            fonts.working_font_path()
        except OSError as exc:
            self.stderr.write(f"juki: 証明書用フォントを準備できません（{exc}）。証明書の交付はできません。")
