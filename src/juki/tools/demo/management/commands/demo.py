"""``juki demo``: load the deterministic demo municipality (デモ自治体) and the demo staff."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.tools.demo.loader import do_load_demo, register_is_empty
from juki.tools.demo.plans import DEFAULT_RESIDENTS, DEFAULT_SEED, REFERENCE_DATE


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


def ensure_demo_staff(stdout: Any) -> None:
    """Create / show the demo staff accounts if the security app provides them."""
    if importlib.util.find_spec("juki.security.demo") is None:
        return
    module = importlib.import_module("juki.security.demo")
    ensure = getattr(module, "ensure_demo_staff", None)
    if ensure is not None:
        ensure(stdout)


class Command(BaseCommand):
    help = (
        "デモ自治体（秋田市 052019、架空の住民）を作成し、デモ職員を表示します。"
        "同じ --seed からは常に同じ住民が作られます。"
        " Load the deterministic demo municipality (synthetic residents of Akita City) and demo staff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS,
                            help=f"住民数（除票は別に約3%%）。既定 {DEFAULT_RESIDENTS}")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"乱数の種。同じ種なら同じ自治体になる。既定 {DEFAULT_SEED}")
        parser.add_argument("--as-of", type=_date, default=REFERENCE_DATE, dest="as_of",
                            help=f"基準日（年齢・日付の基準）。既定 {REFERENCE_DATE.isoformat()}")
        parser.add_argument("--if-empty", action="store_true",
                            help="住民基本台帳が空のときだけ作成する（make run 用）")

    def handle(self, *args: Any, **options: Any) -> None:
        residents: int = options["residents"]
        if residents < 1:
            raise CommandError("--residents は1以上で指定してください。")
        if options["if_empty"] and not register_is_empty():
            self.stdout.write("住民基本台帳に既にデータがあるため、デモ自治体は作成しません。")
        else:
            self.stdout.write(
                f"デモ自治体を作成します（秋田市、住民 {residents:,} 人、seed {options['seed']}）…"
            )
            started = time.monotonic()
            try:
                counts = do_load_demo(residents=residents, seed=options["seed"],
                                      reference_date=options["as_of"], stdout=self.stdout,
                                      progress_stream=sys.stderr,
                                      batch_persons=10_000 if residents >= 100_000 else 2000, actor=Actor.cli())
            except JukiError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(
                f"作成しました: 町丁字 {counts.town_blocks} ／ 世帯 {counts.households:,} ／ "
                f"住民 {counts.residents:,}（うち外国人住民 {counts.foreign_residents:,}）／ "
                f"除票 {counts.removed:,} ／ 住民票の版 {counts.versions:,}"
                f"（{time.monotonic() - started:.1f} 秒、索引 {counts.index_seconds:.1f} 秒）"
            ))
        ensure_demo_staff(self.stdout)
