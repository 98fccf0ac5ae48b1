"""``juki outbox list`` / ``juki outbox replay`` (docs/register.md: confirmed changes queue typed
events; "`juki outbox list` shows what is queued"). A My Number is never printed."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import CommandError, call_command

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.register.models import OutboxEvent, ResidentRecord
from juki.register.my_numbers import reveal

from .changes.ex_officio_helpers import apply
from .factories import add_household, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(clerk, approver):
    """An ex officio entry (new numbers: identity, delivery and linkage events) and a move."""
    city = small_city()
    entry = apply(clerk, approver, "ex_officio_entry", {
        "reason": "実態調査", "family_name": "送信", "given_name": "待子", "family_name_kana": "ソウシン",
        "given_name_kana": "マチコ", "birth_year": 1991, "birth_month": 1, "birth_day": 2, "sex": 2,
        "town_block": city.blocks[0].code, "banchi": "3番",
    })
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "move_within", {"persons": [head.person_id], "town_block": city.blocks[1].code},
          notified_on=clock.today())
    rec = ResidentRecord.objects.get(person_id=entry.persons[0], is_current=True)
    return {"entry": entry, "person": rec.person_id, "number": reveal(bytes(rec.my_number_enc), rec.person_id),
            "cipher": base64.b64encode(bytes(rec.my_number_enc)).decode()}


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("outbox", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_list_shows_every_queued_event_with_its_change_and_person(queued):
    code, out = run("list")
    assert code == 0
    events = list(OutboxEvent.objects.order_by("id"))
    assert len(events) == 5 and "5件中5件を表示" in out
    for ev in events:
        assert str(ev.pk) in out and ev.kind in out
    assert f"{queued['person']:010d}" in out and str(queued["entry"].pk) in out


def test_list_never_prints_a_my_number_or_its_ciphertext(queued):
    """DESIGN §6: My Numbers are never shown except to the right role, revealed and logged."""
    assert OutboxEvent.objects.filter(payload__has_key="my_number_enc").exists()
    for args in (["list"], ["list", "--kind", "delivery_info"]):
        _, out = run(*args)
        assert queued["number"] not in out and queued["cipher"] not in out


def test_list_filters_by_kind_unsent_and_limit(queued):
    _, out = run("list", "--kind", "delivery_info")
    assert "1件中1件" in out and "identity_update" not in out
    first = OutboxEvent.objects.order_by("id").first()
    OutboxEvent.objects.filter(pk=first.pk).update(sent_at=clock.now())
    _, out = run("list", "--unsent")
    assert "4件中4件" in out
    _, out = run("list", "--limit", "2")
    assert "5件中2件" in out
    code, _ = run("list", "--limit", "0")
    assert code == 2


def test_replay_prints_the_payload_without_the_ciphertext_and_marks_nothing_sent(queued):
    delivery = OutboxEvent.objects.get(change=queued["entry"], kind="delivery_info")
    code, out = run("replay", str(delivery.pk))
    assert code == 0
    body = json.loads(out)
    assert body["id"] == delivery.pk and body["kind"] == "delivery_info" and body["change"] == queued["entry"].pk
    assert body["payload"]["my_number_enc"] == "(暗号化済み)"
    assert body["payload"]["family_name"] == "送信" and body["sent_at"] is None
    assert queued["number"] not in out and queued["cipher"] not in out
    delivery.refresh_from_db()
    assert delivery.sent_at is None


def test_replay_is_audited_with_its_person(queued):
    ev = OutboxEvent.objects.filter(person_id=queued["person"]).first()
    run("replay", str(ev.pk))
    audit = AuditEvent.objects.filter(event_type=EventType.CLI_COMMAND, action="outbox-replay").last()
    assert audit.targets == [f"{queued['person']:010d}"] and audit.detail["event"] == ev.pk


def test_replay_of_an_unknown_event_is_refused(queued):
    code, message = run("replay", "999999")
    assert code == 2 and "999999" in message


def test_a_clear_my_number_slipped_into_a_payload_is_still_withheld(queued):
    ev = OutboxEvent.objects.filter(kind="intra_office").first()
    OutboxEvent.objects.filter(pk=ev.pk).update(payload={**ev.payload, "note": queued["number"]})
    _, out = run("replay", str(ev.pk))
    assert queued["number"] not in out and "(暗号化済み)" in out


def test_list_shows_each_events_schema_version_and_reason_and_flags_one_that_does_not_match(queued):
    """Payloads are read with their schema (juki.register.events.parse_event)."""
    _, out = run("list")
    assert out.count(" v1 ") == 5 and "ex_officio_entry" in out and "move_within" in out and "不適合" not in out
    ev = OutboxEvent.objects.filter(kind="intra_office").first()
    OutboxEvent.objects.filter(pk=ev.pk).update(payload={k: v for k, v in ev.payload.items() if k != "status"})
    _, out = run("list")
    line = next(row for row in out.splitlines() if row.strip().startswith(str(ev.pk)))
    assert "v1 不適合" in line


def test_replay_parses_the_payload_with_its_schema_and_shows_a_legacy_row_as_stored(queued):
    ev = OutboxEvent.objects.filter(kind="identity_update", person_id=queued["person"]).first()
    body = json.loads(run("replay", str(ev.pk))[1])
    assert body["schema_version"] == 1 and "schema_error" not in body
    assert body["payload"]["resident_code"] and body["payload"]["reason"] == "ex_officio_entry"
    # A row written before events were typed (version 0): shown as stored, with the refusal.
    OutboxEvent.objects.filter(pk=ev.pk).update(schema_version=0)
    code, out = run("replay", str(ev.pk))
    body = json.loads(out)
    assert code == 0 and body["schema_error"]["code"] == "OUTBOX_EVENT_UNKNOWN_SCHEMA"
    assert body["payload"]["my_number_enc"] == "(暗号化済み)" and queued["cipher"] not in out
