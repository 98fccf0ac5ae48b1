"""``juki django event_schemas [--write]``: the JSON Schemas of the outbound events (送信事象の様式).

Without ``--write`` it checks that ``src/juki/register/events/schemas/<kind>.v<N>.json`` match
the models and exits 1 naming the files that differ. ``--write`` rewrites them: do it only
together with a new version of every kind whose schema changed (docs/register.md, *Events*).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from juki.register import events


class Command(BaseCommand):
    help = "送信事象の様式（JSON Schema）の確認・書き出し (check / --write the outbound event schemas)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true",
                            help="様式ファイルを書き出す / write the schema files (only with a version bump)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            for path in events.write_schemas():
                self.stdout.write(f"wrote {path.name}")
            return
        stale = [events.schema_path(kind, version).name for (kind, version), model in sorted(events.MODELS.items())
                 if not events.schema_path(kind, version).exists()
                 or events.schema_path(kind, version).read_text(encoding="utf-8") != events.schema_text(model)]
        if stale:
            raise CommandError("様式ファイルがモデルと一致しません / schema files differ: " + ", ".join(stale), returncode=1)
        self.stdout.write(f"{len(events.MODELS)} schemas up to date")
