"""``juki bench``: measure juki's paths beside the raw database work (docs/performance.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from juki.core.errors import JukiError
from juki.tools.bench.runner import FIGURES, Options, format_table, run


class Command(BaseCommand):
    help = (
        "性能を測定し、各項目を同じ実行で測った基準（生SQL等）と倍率とともに表示します。"
        "データベースに書き込みます（転居の確定・操作記録・測定用職員）: デモ・測定用のデータベースで実行してください。"
        " Measure juki against raw baselines on the configured database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=None,
                            help="先に空のデータベースへデモ自治体をこの人数で作成して読込速度も測る（省略時は既存データ）")
        parser.add_argument("--only", default="",
                            help=f"測る項目をカンマ区切りで: {','.join(FIGURES)}（既定: すべて）")
        parser.add_argument("--quick", action="store_true", help="少ない試行回数で短時間に測る（動作確認用）")
        parser.add_argument("--samples", type=int, default=None, help="検索・照会の試行人数（既定 300、--quick は 20）")
        parser.add_argument("--changes", type=int, default=None, help="逐次の異動確定の件数（既定 200、--quick は 8）")
        parser.add_argument("--clients", type=int, default=4, help="同時実行の利用者数（PostgreSQL、既定 4）")
        parser.add_argument("--seed", type=int, default=52019, help="抽出・デモ作成の乱数の種")
        parser.add_argument("--json", dest="json_path", default=None, help="結果を JSON で書き出すファイル")

    def handle(self, *args: Any, **options: Any) -> None:
        only = frozenset(x.strip() for x in options["only"].split(",") if x.strip()) or frozenset(FIGURES)
        unknown = only - set(FIGURES)
        if unknown:
            raise CommandError(f"--only に不明な項目があります: {', '.join(sorted(unknown))}")
        if options["residents"] is not None and options["residents"] < 1:
            raise CommandError("--residents は1以上で指定してください。")
        opts = Options(quick=options["quick"], only=only, residents=options["residents"], seed=options["seed"],
                       samples=options["samples"], changes=options["changes"], clients=max(1, options["clients"]),
                       progress=sys.stderr)
        try:
            result = run(opts)
        except JukiError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_table(result))
        if options["json_path"]:
            path = Path(options["json_path"])
            path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
            self.stdout.write(f"JSON: {path}")
