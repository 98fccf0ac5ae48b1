"""``juki retention run [--dry-run] [--today YYYY-MM-DD]``: purge expired removed records.

Removed records (除票) are kept 150 years from removal (住基法施行令34条); this command purges
those whose retention ended before today, with their history (see
:mod:`juki.register.retention`), and writes one audit event with counts only. ``--dry-run``
prints the counts and changes nothing (the look is itself logged as a command run).
``--today`` may move the date back (to re-run a missed day as it would have run), never
forward: purging before the legal period ends is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from juki.audit.events import EventType
from juki.audit.log import record
from juki.core import clock
from juki.core.actor import Actor
from juki.register.retention import FUNCTION, RetentionResult, do_purge_expired_records


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日付は YYYY-MM-DD で指定してください / expected YYYY-MM-DD: {value}") from exc




def summary(result: RetentionResult) -> str:
    head = ("保存期間を経過した除票（試行・変更なし）" if result.dry_run else "保存期間を経過した除票を消去しました") + \
        f" 基準日 {result.today.isoformat()}"
    lines = [
        head,
        f"  対象者（宛名番号）        {result.persons} 人",
        f"  住民票の版                {result.versions} 件",
        f"  世帯                      {result.households} 件",
        f"  内容を消去した異動        {result.changes_scrubbed} 件",
        f"  対象者分を除いた異動      {result.changes_trimmed} 件",
        f"  送信待ち事象              {result.outbox_events} 件",
    ]
    if not result.dry_run:
        lines.append(f"  参照が残り個人を残した数  {result.persons_kept} 人")
    en = "DRY RUN, nothing changed" if result.dry_run else "purged"
    lines.append(
        f"Expired removed records {en}: persons {result.persons}, versions {result.versions}, "
        f"households {result.households}, changes scrubbed {result.changes_scrubbed}, "
        f"changes trimmed {result.changes_trimmed}, outbox events {result.outbox_events}."
    )
    return "\n".join(lines)


class Command(BaseCommand):
    help = "保存期間（消除から150年）を経過した除票の消去 (purge removed records past their 150-year retention)"

    def add_arguments(self, parser: CommandParser) -> None:
        subs = parser.add_subparsers(dest="subcommand", metavar="{run}", required=True)
        p = subs.add_parser(
            "run", help="保存期間を経過した除票を履歴ごと消去する (purge expired removed records)",
            description="現在の版が除票で保存期限（消除日＋150年、住基法施行令34条）が基準日より前の者の住民票を、"
                        "全ての版・送信待ち事象とともに消去し、異動の記録から個人の情報を消去します。"
                        "件数のみを操作記録に残します。 / Purge removed records whose retention ended before "
                        "today, with their history; log counts only.",
        )
        p.add_argument("--dry-run", action="store_true", dest="dry_run",
                       help="件数を表示するだけで何も変更しない / print the counts, change nothing")
        p.add_argument("--today", type=_date, default=None,
                       help="基準日（YYYY-MM-DD、今日以前）。既定は今日 / reference date, not after today")

    def handle(self, *args: Any, **options: Any) -> None:
        real_today = clock.today()
        today: dt.date = options["today"] or real_today
        if today > real_today:
            raise CommandError(
                "基準日に未来の日付は指定できません（保存期間の満了前に消去することになります）。"
                " / --today may not be after today.", returncode=2,
            )
        result = do_purge_expired_records(today=today, dry_run=options["dry_run"], actor=Actor.cli())
        if result.dry_run:
            record(EventType.CLI_COMMAND, action="retention-dry-run", function=FUNCTION, terminal_id="cli",
                   detail={**result.as_detail(), **Actor.cli().operator_detail()})
        self.stdout.write(summary(result))
