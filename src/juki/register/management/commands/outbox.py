"""``juki outbox``: what confirmed changes queued for other systems (送信待ち事象).

- ``juki outbox list [--kind K] [--unsent] [--limit N]`` — one line per event, oldest first:
  id, kind, schema version (checked: 「不適合」 when the payload does not match it), change,
  person (addressee number), 異動事由, created, sent;
- ``juki outbox replay ID`` — print one event's payload as its consumer will receive it,
  parsed with its schema (:func:`juki.register.events.parse_event`), for the consumers to
  come. It marks nothing sent.
- ``juki outbox purge --before YYYY-MM-DD [--dry-run]`` — delete provision records (events
  sent before a cut-off at least 7 years ago; juki.audit.retention), audited with counts.

A My Number never appears: events carry the sealed ciphertext (``my_number_enc``), printed
only as「(暗号化済み)」, and any other value that is a valid My Number is replaced too. Both
subcommands are recorded in the audit log (``replay`` shows personal data: its person is the
target).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from juki.audit.events import EventType, Outcome
from juki.audit.log import record
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.identifiers import my_number
from juki.register.events import EventSchemaError, OutboundEvent, parse_event, to_payload
from juki.register.models import OutboxEvent
from juki.register.models.person import ADDRESSEE_NO_DIGITS
from juki.register.provision_records import do_purge_provision_records

FUNCTION = "cli.outbox"
SEALED = "(暗号化済み)"
DEFAULT_LIMIT = 50




def without_secrets(value: Any) -> Any:
    """The payload with every My Number — sealed or, by mistake, clear — replaced."""
    if isinstance(value, dict):
        return {k: SEALED if "my_number" in str(k) else without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    if isinstance(value, str) and len(value) == 12 and my_number.is_valid(value):
        return SEALED
    return value


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _person(value: int | None) -> str:
    return f"{value:0{ADDRESSEE_NO_DIGITS}d}" if value is not None else "-"


def _parsed(ev: OutboxEvent) -> OutboundEvent | EventSchemaError:
    try:
        return parse_event(ev)
    except EventSchemaError as exc:
        return exc


class Command(BaseCommand):
    help = "送信待ち事象の一覧・内容表示 (list queued outbox events / show one for replay)"

    def add_arguments(self, parser: CommandParser) -> None:
        subs = parser.add_subparsers(dest="subcommand", metavar="{list,replay,purge}", required=True)
        p = subs.add_parser("list", help="送信待ち事象の一覧 (list queued events, oldest first)",
                            description="確定した異動が書き出した送信待ち事象を古い順に表示します。個人番号は表示しません。"
                                        " / List the events confirmed changes queued, oldest first.")
        p.add_argument("--kind", choices=OutboxEvent.Kind.values,
                       help="種別で絞り込む / only this kind (" + ", ".join(OutboxEvent.Kind.values) + ")")
        p.add_argument("--unsent", action="store_true", help="未送信のみ / only events not sent yet")
        p.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                       help=f"表示する件数（既定 {DEFAULT_LIMIT}） / at most N events")
        r = subs.add_parser("replay", help="事象の内容を表示する（送信済みにはしない） (print one event's payload)",
                            description="送信待ち事象1件の内容を受信側が受け取る形で表示します。送信済みにはしません。"
                                        "個人番号は「(暗号化済み)」と表示します。 / Print one event's payload "
                                        "(ciphertext withheld); marks nothing sent.")
        r.add_argument("event_id", type=int, metavar="ID", help="事象の番号 / event id")

        pg = subs.add_parser("purge", help="保存期間（7年）を経過した提供記録を消去する (purge old provision records)",
                             description="基準日より前に送信した事象（提供記録）を消去します。基準日は7年以上前で"
                                         "なければなりません。未送信の事象は消去しません。 / Delete events sent before "
                                         "a cut-off at least 7 years ago; unsent events are kept.")
        pg.add_argument("--before", required=True, help="基準日 YYYY-MM-DD / cut-off date")
        pg.add_argument("--dry-run", action="store_true", dest="dry_run",
                        help="件数を表示するだけで何も変更しない / print the count, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "purge":
            self.handle_purge(options["before"], options["dry_run"])
        elif options["subcommand"] == "list":
            self.handle_list(options["kind"], options["unsent"], options["limit"])
        else:
            self.handle_replay(options["event_id"])

    def handle_list(self, kind: str | None, unsent: bool, limit: int) -> None:
        if limit < 1:
            raise CommandError("--limit は1以上で指定してください / --limit must be at least 1", returncode=2)
        qs = OutboxEvent.objects.all()
        if kind:
            qs = qs.filter(kind=kind)
        if unsent:
            qs = qs.filter(sent_at__isnull=True)
        total = qs.count()
        events = list(qs.order_by("id")[:limit])
        record(EventType.CLI_COMMAND, action="outbox-list", function=FUNCTION, terminal_id="cli",
               detail={"kind": kind or "", "unsent": unsent, "limit": limit, "shown": len(events), **Actor.cli().operator_detail()})
        header = (f"{'ID':>8}  {'種別 kind':<16}  {'版 ver':<8}  {'異動':>8}  {'宛名番号':<10}  {'異動事由 reason':<22}  "
                  f"{'作成日時 created':<19}  送信日時 sent")
        self.stdout.write(header)
        for ev in events:
            parsed = _parsed(ev)
            version = f"v{ev.schema_version}" + (" 不適合" if isinstance(parsed, EventSchemaError) else "")
            reason = parsed.reason.value if isinstance(parsed, OutboundEvent) else "-"
            self.stdout.write(
                f"{ev.pk:>8}  {ev.kind:<16}  {version:<8}  {ev.change_id:>8}  {_person(ev.person_id):<10}  "
                f"{reason:<22}  {_when(ev.created_at):<19}  {_when(ev.sent_at)}"
            )
        self.stdout.write(f"{total}件中{len(events)}件を表示 / {len(events)} of {total} shown")

    def handle_replay(self, event_id: int) -> None:
        ev = OutboxEvent.objects.filter(pk=event_id).first()
        if ev is None:
            raise CommandError(f"送信待ち事象 {event_id} はありません / no outbox event {event_id}", returncode=2)
        record(EventType.CLI_COMMAND, action="outbox-replay", function=FUNCTION, terminal_id="cli",
               targets=[_person(ev.person_id)] if ev.person_id is not None else [],
               detail={"event": ev.pk, "kind": ev.kind, "change": ev.change_id, **Actor.cli().operator_detail()})
        parsed = _parsed(ev)
        body = {
            "id": ev.pk, "kind": ev.kind, "kind_label": OutboxEvent.Kind(ev.kind).label,
            "schema_version": ev.schema_version, "change": ev.change_id,
            "person": _person(ev.person_id),
            "created_at": timezone.localtime(ev.created_at).isoformat(),
            "sent_at": timezone.localtime(ev.sent_at).isoformat() if ev.sent_at else None,
        }
        if isinstance(parsed, EventSchemaError):
            # Shown as stored, so the fault can be seen; a consumer would refuse it.
            body["schema_error"] = {"code": parsed.code, "message": parsed.message}
            body["payload"] = without_secrets(ev.payload)
        else:
            body["payload"] = without_secrets(to_payload(parsed))
        self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2, default=str))

    def handle_purge(self, before_text: str, dry_run: bool) -> None:
        try:
            before = dt.date.fromisoformat(before_text)
        except ValueError as exc:
            raise CommandError("基準日は YYYY-MM-DD で指定してください / --before must be YYYY-MM-DD",
                               returncode=2) from exc
        try:
            result = do_purge_provision_records(before=before, dry_run=dry_run, actor=Actor.cli())
        except JukiError as exc:
            record(EventType.PROVISION_RECORDS_PURGED, action="purge", function=FUNCTION, terminal_id="cli",
                   outcome=Outcome.DENIED, detail={**Actor.cli().operator_detail(), "before": before.isoformat(), "code": exc.code})
            raise CommandError(f"{exc.message} / purge refused ({exc.code})", returncode=2) from exc
        if dry_run:
            record(EventType.CLI_COMMAND, action="outbox-purge-dry-run", function=FUNCTION, terminal_id="cli",
                   detail={**Actor.cli().operator_detail(), **result.as_detail()})
        state = "（試行・変更なし）" if dry_run else ""
        self.stdout.write(
            f"提供記録の消去{state}: 基準日 {before} 消去 {result.purged} 件（未送信のため保存 {result.unsent_kept} 件）\n"
            f"Provision records {'DRY RUN' if dry_run else 'purged'}: {result.purged} (unsent kept: {result.unsent_kept})"
        )
