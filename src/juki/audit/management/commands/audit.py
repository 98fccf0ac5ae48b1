"""``juki audit``: verify the audit log and write signed checkpoints (操作記録の検証).

- ``juki audit verify [--from-checkpoint]`` — exit 0 with a Japanese and English summary
  when the log is intact and guarded; exit 1 naming the first altered, inserted or deleted
  event; exit 3 when the rows are intact but the append-only triggers are missing (the log is
  no longer protected against the next change: an auditor must look). The run is itself
  recorded (``AUDIT_VERIFIED``, with the exit code).
  It also checks the signed heads published outside the database (``JUKI_AUDIT_HEADS_FILE``,
  or ``--heads FILE``, juki.audit.heads).
- ``juki audit checkpoint [--if-due]`` — sign the chain head (``AUDIT_CHECKPOINT``); with
  ``--if-due`` only when the automatic-checkpoint limits are reached (for cron / timers).
- ``juki audit review --month YYYY-MM [--csv FILE]`` — the monthly access review
  (アクセス記録の点検, juki.review): counts and flags per staff member, no resident data.
- ``juki audit archive --before YYYY-MM-DD [--out DIR] [--dry-run]`` — archive to a file, then
  delete, the events dated before a cut-off at least 10 years ago (juki.audit.retention).
- ``juki audit verify-archive FILE`` — check an archive file against its manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from juki.audit import triggers
from juki.audit.autocheckpoint import checkpoint_if_due
from juki.audit.checkpoints import do_write_checkpoint
from juki.audit.events import EventType, Outcome
from juki.audit.log import record
from juki.audit.retention import do_archive_audit_log, verify_archive
from juki.audit.verify import verify
from juki.core.actor import Actor
from juki.core.errors import JukiError

FUNCTION = "cli.audit"  # 機能・画面 recorded for runs of this command
SHOWN_FAULTS = 20

# Exit codes of ``juki audit verify`` (終了コード). 2 is argparse's usage error.
EXIT_INTACT = 0
EXIT_BROKEN = 1
EXIT_TRIGGERS_MISSING = 3
VERIFY_EXIT_CODES = ("終了コード: 0 = 改ざんなし、1 = 改ざん・欠落・挿入あり（最初の異常な記録を表示）、"
                     "2 = 引数の誤り、3 = 記録は改ざんされていないが追記専用トリガーがない"
                     " / exit codes: 0 intact, 1 broken (names the first broken event), 2 usage error, "
                     "3 intact but the append-only triggers are missing")




class Command(BaseCommand):
    help = "操作記録の検証とチェックポイント作成 (verify the audit log / write a signed checkpoint)"

    def add_arguments(self, parser: CommandParser) -> None:
        subs = parser.add_subparsers(dest="subcommand", metavar="{verify,checkpoint,triggers,review,archive,verify-archive}",
                                     required=True)
        p = subs.add_parser(
            "verify", help="ハッシュチェーンを検証する (verify the hash chain)",
            description="操作記録のハッシュチェーン・チェックポイント署名・対象者索引と、データベースの外に"
                        "保管した署名済みチェーン先頭（JUKI_AUDIT_HEADS_FILE）との一致を検証します。"
                        "改ざんがなければ終了コード0、あれば最初の異常な記録を示して終了コード1、"
                        "記録は無事でも追記専用トリガーがなければ終了コード3を返します。"
                        " / Recompute the chain; exit 0 when intact, 1 naming the first broken event,"
                        " 3 when intact but the append-only triggers are missing.",
            epilog=VERIFY_EXIT_CODES,
        )
        p.add_argument("--from-checkpoint", action="store_true",
                       help="署名を検証できた最新のチェックポイントから検証する（高速）"
                            " / start at the latest checkpoint whose signature verifies")
        p.add_argument("--json", action="store_true", help="結果をJSONで出力する / print the result as JSON")
        p.add_argument("--no-targets", action="store_true",
                       help="対象者索引の照合を省く / skip the person-index cross-check")
        p.add_argument("--heads", metavar="FILE",
                       help="照合する外部保管のチェーン先頭ファイル（既定 JUKI_AUDIT_HEADS_FILE） / outside heads file"
                            " to check against (default JUKI_AUDIT_HEADS_FILE)")
        c = subs.add_parser(
            "checkpoint", help="チェーン先頭に署名したチェックポイントを作成する (write a signed checkpoint)",
            description="現在のチェーン先頭（連番とハッシュ）にEd25519で署名したチェックポイントを作成し、"
                        "外部保管のチェーン先頭ファイルに追記します。"
                        " / Sign the current chain head with the audit-signing Ed25519 key and append it to"
                        " the outside heads file.",
        )
        c.add_argument("--if-due", action="store_true", dest="if_due",
                       help="自動チェックポイントの件数・時間の上限に達したときだけ作成する（cron用）"
                            " / only when JUKI_AUDIT_CHECKPOINT_EVENTS / _SECONDS is reached (for cron)")

        t = subs.add_parser(
            "triggers", help="追記専用トリガーの状況表示・再設定 (show / reinstall the append-only triggers)",
            description="操作記録の追記専用トリガーの有無を表示します。--install で欠けたトリガーを設定し直し、"
                        "その操作を操作記録に残します。先に juki audit verify で記録が改ざんされていないことを確認し、"
                        "トリガーが削除された原因を調査してください。欠けていれば終了コード3を返します。"
                        " / Show whether the append-only triggers are in place (exit 3 when one is missing);"
                        " --install re-creates them, audited.",
        )
        t.add_argument("--install", action="store_true",
                       help="欠けたトリガーを設定し直す / re-create missing triggers")

        r = subs.add_parser(
            "review", help="アクセス記録の点検報告を作成する (monthly access review report)",
            description="指定した月の職員別アクセス件数と要確認事項を表示します（住民の情報は出力しません）。"
                        " / Per-staff access counts and unusual-access flags for one month.",
        )
        r.add_argument("--month", required=True, help="対象月 YYYY-MM / the month to review")
        r.add_argument("--csv", metavar="FILE", help="CSVをファイルに書き出す / also write the report as CSV")

        a = subs.add_parser(
            "archive", help="保存期間を経過した操作記録をアーカイブして削除する (archive and delete old events)",
            description="基準日より前の操作記録を、境界に署名済みチェックポイントを作成したうえでファイル（JSON Lines, "
                        "gzip）とマニフェストに書き出し、削除します。基準日は10年以上前でなければなりません。"
                        " / Archive (then delete) events dated before a cut-off at least 10 years ago.",
        )
        a.add_argument("--before", required=True, help="基準日 YYYY-MM-DD（この日より前の記録が対象） / cut-off date")
        a.add_argument("--out", metavar="DIR", help="出力先ディレクトリ / output directory")
        a.add_argument("--dry-run", action="store_true", dest="dry_run",
                       help="件数を表示するだけで何も変更しない / print what would be archived, change nothing")
        va = subs.add_parser(
            "verify-archive", help="アーカイブファイルを検証する (check an archive file against its manifest)",
            description="アーカイブファイルのSHA-256・件数・ハッシュチェーン・境界チェックポイントの署名を"
                        "マニフェストと照合します。 / Check an archive file against its manifest and checkpoint.",
        )
        va.add_argument("file", metavar="FILE", help="アーカイブファイルまたはマニフェスト / archive or manifest file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "archive":
            self.handle_archive(options["before"], options.get("out"), options["dry_run"])
        elif options["subcommand"] == "verify-archive":
            self.handle_verify_archive(options["file"])
        elif options["subcommand"] == "review":
            self.handle_review(options["month"], options.get("csv"))
        elif options["subcommand"] == "checkpoint":
            self.handle_checkpoint(options["if_due"])
        elif options["subcommand"] == "triggers":
            self.handle_triggers(options["install"])
        else:
            self.handle_verify(options["from_checkpoint"], options["json"], not options["no_targets"],
                               options.get("heads"))

    def handle_checkpoint(self, if_due: bool = False) -> None:
        if if_due:
            cp = checkpoint_if_due(function=FUNCTION)
            if cp is None:
                self.stdout.write("チェックポイントの作成は不要です（上限に達していません） / no checkpoint due")
                return
        else:
            cp = do_write_checkpoint(actor=Actor.cli(), function=FUNCTION)
        self.stdout.write(
            f"チェックポイントを作成しました: #{cp.pk} 連番 {cp.seq} ハッシュ {cp.hash} 鍵 {cp.key_id}\n"
            f"Checkpoint written: #{cp.pk} seq {cp.seq} hash {cp.hash} key {cp.key_id}"
        )

    def handle_verify(self, from_checkpoint: bool, as_json: bool, check_targets: bool,
                      heads_file: str | None = None) -> None:
        result = verify(from_checkpoint=from_checkpoint, check_targets=check_targets, heads_file=heads_file)
        first = result.first
        detail = {
            **Actor.cli().operator_detail(),
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
            "heads_file": result.heads_file,
            "outside_heads_checked": result.outside_heads_checked,
            "last_outside_seq": result.last_outside_seq,
            "exit_code": (EXIT_BROKEN if not result.ok
                          else EXIT_TRIGGERS_MISSING if result.missing_triggers else EXIT_INTACT),
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
                returncode=EXIT_BROKEN,
            )
        if result.missing_triggers:
            raise CommandError(
                "操作記録は改ざんされていませんが、追記専用トリガーがないため保護されていません"
                "（削除した者と原因を調査してください） / audit log intact but unprotected:"
                " the append-only triggers are missing",
                returncode=EXIT_TRIGGERS_MISSING,
            )

    def handle_triggers(self, install: bool) -> None:
        """``juki audit triggers [--install]``: the append-only guard's state, and putting it back."""
        if install:
            before = triggers.do_reinstall_audit_triggers(connection, actor=Actor.cli(), function=FUNCTION)
            if before:
                self.stdout.write("追記専用トリガーを設定し直しました / reinstalled: " + ", ".join(before))
            else:
                self.stdout.write("追記専用トリガーはすべて設定済みでした（設定し直しを記録しました） / "
                                  "all triggers were in place (reinstall recorded)")
        gone = set(triggers.missing(connection))
        for name in triggers.trigger_names(connection.vendor):
            self.stdout.write(f"{'なし / MISSING' if name in gone else 'あり / ok'}\t{name}")
        if gone:
            raise CommandError("追記専用トリガーがありません（juki audit triggers --install で設定し直せます） / "
                               "append-only triggers missing", returncode=EXIT_TRIGGERS_MISSING)

    def handle_review(self, month: str, csv_path: str | None) -> None:
        """``juki audit review --month YYYY-MM [--csv FILE]``: the monthly access review."""
        # The review is a layer above the audit log (juki.review); the command keeps its name
        # ``juki audit review``, so this entry point reaches up (declared in .importlinter).
        from juki.review.export import review_csv
        from juki.review.report import build_review, month_period
        from juki.review.rules import rule_label

        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month or ""):
            raise CommandError("対象月は YYYY-MM の形式で指定してください / --month must be YYYY-MM", returncode=2)
        start, end = month_period(*map(int, month.split("-")))
        review = build_review(start, end)
        unreviewed = sum(1 for f in review.flags if not f.reviewed)
        if csv_path:
            Path(csv_path).write_text("\ufeff" + review_csv(review), encoding="utf-8", newline="")
        record(EventType.AUDIT_REVIEW_EXPORTED if csv_path else EventType.AUDIT_REVIEW_VIEWED,
               action="export" if csv_path else "view", function=FUNCTION, terminal_id="cli",
               criteria={"period_start": start.isoformat(), "period_end": end.isoformat()},
               detail={**Actor.cli().operator_detail(), "staff": len(review.staff), "flags": len(review.flags),
                       "unreviewed": unreviewed, "csv": bool(csv_path)})
        self.stdout.write(f"アクセス記録の点検 {start}〜{end} / access review {start}..{end}")
        for line in review.staff:
            self.stdout.write(
                f"{line.staff_id}: 検索 {line.searches} 照会 {line.views} 印刷 {line.prints} 出力 {line.exports} "
                f"個人番号表示 {line.reveals} 拒否 {line.denials} 要確認 {len(line.flags)}"
            )
            for f in line.flags:
                state = "確認済み" if f.reviewed else "未点検"
                self.stdout.write(f"  - [{state}] {rule_label(f.rule)} ({f.rule}) {f.scope} 件数 {f.count}")
        self.stdout.write(f"要確認事項 {len(review.flags)} 件（未点検 {unreviewed} 件） / "
                          f"{len(review.flags)} flags, {unreviewed} not reviewed")
        if csv_path:
            self.stdout.write(f"CSVを書き出しました / CSV written: {csv_path}")

    def handle_archive(self, before_text: str, out: str | None, dry_run: bool) -> None:
        """``juki audit archive --before YYYY-MM-DD [--out DIR] [--dry-run]``."""
        try:
            before = dt.date.fromisoformat(before_text)
        except ValueError as exc:
            raise CommandError("基準日は YYYY-MM-DD で指定してください / --before must be YYYY-MM-DD",
                               returncode=2) from exc
        try:
            result = do_archive_audit_log(before=before, out_dir=out, dry_run=dry_run, actor=Actor.cli())
        except JukiError as exc:
            record(EventType.AUDIT_ARCHIVED, action="archive", function=FUNCTION, terminal_id="cli",
                   outcome=Outcome.DENIED, detail={**Actor.cli().operator_detail(), "before": before.isoformat(),
                                                   "code": exc.code, "dry_run": dry_run})
            raise CommandError(f"{exc.message} / archive refused ({exc.code})", returncode=2) from exc
        if dry_run:
            record(EventType.CLI_COMMAND, action="audit-archive-dry-run", function=FUNCTION, terminal_id="cli",
                   detail={**Actor.cli().operator_detail(), **result.as_detail()})
        if not result.count:
            self.stdout.write(f"基準日 {before} より前の操作記録はありません / no events before {before}")
            return
        head = "アーカイブ対象（試行・変更なし）" if dry_run else "操作記録をアーカイブして削除しました"
        self.stdout.write(f"{head}: 連番 {result.first_seq}〜{result.last_seq} {result.count} 件")
        if dry_run:
            self.stdout.write(f"DRY RUN: would archive seq {result.first_seq}-{result.last_seq} ({result.count} events)")
            return
        self.stdout.write(
            f"ファイル / file: {result.archive_path}\nマニフェスト / manifest: {result.manifest_path}\n"
            f"SHA-256: {result.sha256}\n境界チェックポイント / boundary checkpoint: #{result.checkpoint_id}\n"
            f"Archived and deleted seq {result.first_seq}-{result.last_seq} ({result.count} events)."
        )

    def handle_verify_archive(self, path: str) -> None:
        """``juki audit verify-archive FILE``."""
        check = verify_archive(path)
        m = check.manifest
        record(EventType.AUDIT_VERIFIED, action="verify-archive", function=FUNCTION, terminal_id="cli",
               outcome=Outcome.OK if check.ok else Outcome.ERROR,
               detail={**Actor.cli().operator_detail(), "file": str(path), "intact": check.ok, "count": check.count,
                       "first_seq": m.get("first_seq"), "last_seq": m.get("last_seq"),
                       "problems": check.problems[:SHOWN_FAULTS]})
        if check.ok:
            self.stdout.write(
                f"アーカイブは改ざんされていません（連番 {m.get('first_seq')}〜{m.get('last_seq')} {check.count} 件）。\n"
                f"Archive intact: seq {m.get('first_seq')}-{m.get('last_seq')}, {check.count} events."
            )
            return
        for problem in check.problems[:SHOWN_FAULTS]:
            self.stdout.write(f"  - {problem}")
        raise CommandError(f"アーカイブの検証に失敗しました / archive verification failed: {check.problems[0]}",
                           returncode=1)
