"""``juki audit``: verify the audit log and write signed checkpoints (操作記録の検証).

- ``juki audit verify [--from-checkpoint]`` — exit 0 with a Japanese and English summary
  when the log is intact; exit 1 naming the first altered, inserted or deleted event
  otherwise. The run is itself recorded (``AUDIT_VERIFIED``).
- ``juki audit checkpoint`` — sign the chain head (``AUDIT_CHECKPOINT``).
"""

from __future__ import annotations

import getpass
import json
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from juki.audit.checkpoints import do_write_checkpoint
from juki.audit.events import EventType, Outcome
from juki.audit.log import record
from juki.audit.verify import verify

FUNCTION = "cli.audit"  # 機能・画面 recorded for runs of this command
SHOWN_FAULTS = 20


def _operator() -> dict[str, str]:
    """Who ran the command, as far as the operating system knows (there is no staff login)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 — no user name in this environment
        user = ""
    return {"os_user": user, "host": socket.gethostname()}


class Command(BaseCommand):
    help = "操作記録の検証とチェックポイント作成 (verify the audit log / write a signed checkpoint)"

    def add_arguments(self, parser: CommandParser) -> None:
        subs = parser.add_subparsers(dest="subcommand", metavar="{verify,checkpoint}", required=True)
        p = subs.add_parser(
            "verify", help="ハッシュチェーンを検証する (verify the hash chain)",
            description="操作記録のハッシュチェーン・チェックポイント署名・対象者索引を検証します。"
                        "改ざんがなければ終了コード0、あれば最初の異常な記録を示して終了コード1を返します。"
                        " / Recompute the chain; exit 0 when intact, 1 naming the first broken event.",
        )
        p.add_argument("--from-checkpoint", action="store_true",
                       help="署名を検証できた最新のチェックポイントから検証する（高速）"
                            " / start at the latest checkpoint whose signature verifies")
        p.add_argument("--json", action="store_true", help="結果をJSONで出力する / print the result as JSON")
        p.add_argument("--no-targets", action="store_true",
                       help="対象者索引の照合を省く / skip the person-index cross-check")
        subs.add_parser(
            "checkpoint", help="チェーン先頭に署名したチェックポイントを作成する (write a signed checkpoint)",
            description="現在のチェーン先頭（連番とハッシュ）にEd25519で署名したチェックポイントを作成します。"
                        " / Sign the current chain head with the audit-signing Ed25519 key.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "checkpoint":
            self.handle_checkpoint()
        else:
            self.handle_verify(options["from_checkpoint"], options["json"], not options["no_targets"])

    def handle_checkpoint(self) -> None:
        cp = do_write_checkpoint(terminal_id="cli", function=FUNCTION, detail=_operator())
        self.stdout.write(
            f"チェックポイントを作成しました: #{cp.pk} 連番 {cp.seq} ハッシュ {cp.hash} 鍵 {cp.key_id}\n"
            f"Checkpoint written: #{cp.pk} seq {cp.seq} hash {cp.hash} key {cp.key_id}"
        )

    def handle_verify(self, from_checkpoint: bool, as_json: bool, check_targets: bool) -> None:
        result = verify(from_checkpoint=from_checkpoint, check_targets=check_targets)
        first = result.first
        detail = {
            **_operator(),
            "intact": result.ok,
            "from_checkpoint": from_checkpoint,
            "start_checkpoint_id": result.start_checkpoint_id,
            "events_checked": result.events_checked,
            "first_seq": result.first_seq,
            "last_seq": result.last_seq,
            "checkpoints_checked": result.checkpoints_checked,
            "fault_count": result.fault_count,
            "first_fault": first.as_dict() if first else None,
            "missing_triggers": result.missing_triggers,
        }
        try:
            record(EventType.AUDIT_VERIFIED, action="verify", function=FUNCTION, terminal_id="cli",
                   outcome=Outcome.OK if result.ok else Outcome.ERROR, detail=detail)
        except DatabaseError as exc:  # a damaged log may refuse even the append
            self.stderr.write(f"警告: 検証結果を操作記録に追記できませんでした / could not record this run: {exc}")

        if as_json:
            self.stdout.write(json.dumps({**detail, "faults": [f.as_dict() for f in result.faults]},
                                         ensure_ascii=False, indent=2))
        else:
            self.stdout.write(result.summary())
            for fault in sorted(result.faults, key=lambda f: f.seq)[1:SHOWN_FAULTS]:
                self.stdout.write(f"  - {fault.describe()}\n    {fault.describe_en()}")
            if len(result.faults) > SHOWN_FAULTS:
                self.stdout.write(f"  …（ほか {result.fault_count - SHOWN_FAULTS} 件 / {result.fault_count - SHOWN_FAULTS} more）")
        if result.missing_triggers:
            self.stderr.write(
                "警告: 追記専用トリガーがありません（データベースで削除された可能性があります） / "
                "WARNING: append-only triggers missing: " + ", ".join(result.missing_triggers)
            )
        if not result.ok:
            assert first is not None
            raise CommandError(
                f"操作記録の検証に失敗しました: {first.describe()} / audit log verification failed: {first.describe_en()}",
                returncode=1,
            )
