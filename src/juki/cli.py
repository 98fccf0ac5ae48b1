"""The ``juki`` command (運用コマンド).

``juki <command> [options]``; ``juki --help`` lists the commands and ``juki <command> --help``
describes each. Commands are Django management commands in juki's apps, so the web UI, the
API and the CLI call the same actions.
"""

from __future__ import annotations

import os
import sys

COMMANDS: dict[str, str] = {
    "serve": "職員画面とAPIを起動する (serve the staff UI and API with waitress)",
    "migrate": "データベースを最新の構造にする (apply database migrations)",
    "demo": "デモ自治体・デモ職員を作成する (load the deterministic demo municipality and staff)",
    "staff": "職員アカウントの作成・無効化・一覧・権限申請 (create / disable / enable / list / grant / revoke / "
             "terminals / reset / own-record / requests)",
    "terminal": "端末の登録・取消・一覧・ブラウザ登録コード発行・利用機能 (register / revoke / list / enrol / functions)",
    "apiclient": "外部システムの登録・取消・一覧 (API clients: create / revoke / list)",
    "audit": "操作記録の検証・チェックポイント・改ざん防止トリガー・点検報告・アーカイブ "
             "(audit verify / checkpoint / triggers [--install] / review --month YYYY-MM / archive / verify-archive)",
    "retention": "保存期間を経過した除票の消去 (retention run [--dry-run]: purge removed records after 150 years)",
    "outbox": "送信待ち事象の一覧・内容表示・消去 (outbox list / replay / purge: queued events of confirmed changes)",
    "keys": "個人番号の暗号鍵の更新・状況 (keys rotate [--batch N] / status: re-encrypt My Numbers under a new key)",
    "signing": "証明書の電子署名鍵の状況・証明書の出力 (signing status / certificate: the key that signs issued PDFs)",
    "network": "ノード網の作成・起動・状況と送受信処理 (network init DIR / up DIR / status DIR / server DIR / worker)",
    "bench": "性能測定と基準との比較 (bench [--quick] [--only …] [--residents N] [--json PATH]; writes to the DB)",
}


def usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = ["usage: juki <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {desc}" for name, desc in COMMANDS.items()]
    lines += ["", "juki <command> --help で各コマンドの説明を表示します。",
              "juki django <command> で Django の管理コマンドを直接実行します（運用者向け）。"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    # Everything juki writes (database, exports, archives, keys) is for its own user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juki.settings")
    from django.core.management import execute_from_command_line

    command = argv[0]
    if command == "django":
        execute_from_command_line(["juki", *argv[1:]])
        return 0
    if command not in COMMANDS:
        print(f"juki: 不明なコマンドです: {command}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    execute_from_command_line(["juki", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
