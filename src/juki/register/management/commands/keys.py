"""``juki keys``: rotating the My Number encryption key (暗号鍵の更新).

- ``juki keys rotate [--batch N] [--max-batches N]`` — make a new current key for
  ``my-number`` and re-encrypt, in short batches, every My Number ciphertext still under an
  older key (every record version, outbox events, change payloads). The system keeps serving
  meanwhile; new writes already use the new key. Interrupted (Ctrl-C, crash, ``--max-batches``)?
  Run it again: rows already under the current key are skipped and no further key is made
  while older ciphertexts remain. Old keys are kept for reading, never deleted.
- ``juki keys status`` — ciphertexts per key ID and place, and how far the rotation has come.

The blind-index key (``my-number-index``) is not rotated here: every index must be recomputed
in one switch (docs/privacy-keys.md). Each run is one audit event (``KEYS_ROTATED``) with key
IDs and counts only; ``status`` is recorded as a CLI command.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from juki.audit.events import EventType
from juki.audit.log import record
from juki.core.actor import Actor
from juki.register.my_number_keys import (
    DEFAULT_BATCH,
    PLACES,
    Progress,
    RotationResult,
    census,
    do_rotate_my_number_key,
)
from juki.register.my_numbers import ENCRYPTION_PURPOSE
from juki.security.management.commands._common import SubcommandCommand

FUNCTION = "cli.keys"
PROGRESS_EVERY = 1.0  # seconds between progress lines




def progress_line(p: Progress) -> str:
    pct = 100.0 * p.done / p.total if p.total else 100.0
    return f"進捗 progress: {p.done}/{p.total} ({pct:.1f}%)  {p.rate:.0f}件/秒 per s  経過 {p.elapsed:.1f}秒"


class Command(SubcommandCommand):
    help = "個人番号の暗号鍵の更新・状況表示 (rotate the My Number encryption key / show status)"

    def add_subcommands(self, subs: Any) -> None:
        r = subs.add_parser(
            "rotate", help="新しい鍵を作り、古い鍵の暗号文を再暗号化する (rotate and re-encrypt)",
            description="個人番号の新しい暗号鍵を作り、古い鍵で暗号化された個人番号（住民票の全ての版、送信待ち事象、"
                        "異動の入力内容）を少しずつ再暗号化します。運用中に実行できます。中断した場合はもう一度実行すると"
                        "続きから再開します（新しい鍵は作りません）。古い鍵は削除しません。 / Make a new My Number key and "
                        "re-encrypt everything under older keys in short batches; run again to resume.",
        )
        r.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                       help=f"1回のトランザクションで再暗号化する行数（既定 {DEFAULT_BATCH}） / rows per transaction")
        r.add_argument("--max-batches", type=int, default=None,
                       help="この回数のバッチで停止する（残りは再実行で続行） / stop after N batches (resume later)")
        subs.add_parser(
            "status", help="鍵ごとの暗号文の件数と進捗 (ciphertexts per key ID, progress)",
            description="個人番号の暗号文を鍵ID・保管場所ごとに数え、現在の鍵への更新の進み具合を表示します。"
                        " / Count My Number ciphertexts per key ID and place.",
        )

    def handle_rotate(self, *, batch: int, max_batches: int | None, **_: Any) -> None:
        if batch < 1:
            raise CommandError("--batch は1以上で指定してください / --batch must be at least 1", returncode=2)
        if max_batches is not None and max_batches < 1:
            raise CommandError("--max-batches は1以上で指定してください / --max-batches must be at least 1", returncode=2)
        last = [0.0]
        final: list[Progress] = []

        def on_start(result: RotationResult) -> None:
            if result.new_key:
                self.stdout.write(f"新しい鍵 new key: {result.key_id}（対象 {result.total}件 / {result.total} to re-encrypt）")
            else:
                self.stdout.write(f"中断した更新を再開します resuming: 鍵 {result.key_id}（残り {result.total}件 remaining）")

        def on_progress(p: Progress) -> None:
            final[:] = [p]
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self.stdout.write(progress_line(p))

        result = do_rotate_my_number_key(batch=batch, max_batches=max_batches, on_progress=on_progress,
                                         on_start=on_start, actor=Actor.cli(), function=FUNCTION)
        if final:
            self.stdout.write(progress_line(final[0]))
        done = "、".join(f"{PLACES[k]} {v}件" for k, v in result.done.items())
        self.stdout.write(f"再暗号化 re-encrypted: {done}")
        if result.complete:
            self.stdout.write(f"完了 complete: 全ての個人番号が鍵 {result.key_id} で暗号化されています。")
        else:
            self.stdout.write(f"未完了 incomplete: 残り {result.remaining}件。もう一度 juki keys rotate を実行してください"
                              f" / {result.remaining} remaining: run juki keys rotate again.")

    def handle_status(self, **_: Any) -> None:
        c = census()
        record(EventType.CLI_COMMAND, action="keys-status", function=FUNCTION, terminal_id="cli",
               detail={"purpose": ENCRYPTION_PURPOSE, "current_key_id": c.current_kid, "total": c.total,
                       "remaining": c.remaining, **Actor.cli().operator_detail()})
        self.stdout.write(f"用途 purpose: {ENCRYPTION_PURPOSE}  現在の鍵 current key: {c.current_kid}")
        self.stdout.write(f"{'鍵ID key ID':<28}  {'件数':>8}  内訳 by place")
        for kid, n in sorted(c.by_kid.items()):
            mark = " *" if kid == c.current_kid else ""
            parts = ", ".join(f"{name} {c.by_place[name][kid]}" for name in PLACES if c.by_place[name][kid])
            self.stdout.write(f"{kid + mark:<28}  {n:>8}  {parts}")
        pct = 100.0 * c.under_current / c.total if c.total else 100.0
        self.stdout.write(f"進捗 progress: {c.under_current}/{c.total} ({pct:.1f}%) が現在の鍵 under the current key")
        if c.remaining:
            self.stdout.write(f"古い鍵の暗号文が {c.remaining}件あります: juki keys rotate で更新を続けてください。")
        else:
            self.stdout.write("全ての個人番号が現在の鍵で暗号化されています / all under the current key.")
