"""個人番号の暗号鍵の更新 (docs/privacy-keys.md): ``juki keys rotate`` re-encrypts every My Number under a
new key, online, in short batches, resumable after interruption, losing nothing.

番号法12条 (安全管理措置) and the 特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）
別添「安全管理措置」(技術的安全管理措置: 暗号化) ask for My Numbers to be protected by
encryption whose keys are managed; rotating a key must never make a number unreadable or put
one in clear. Old keys stay readable (backups, archives).
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from tests.register.changes.moves_helpers import (
    a_code,
    a_number,
    apply,
    enter,
    incoming,
    move_in_items,
)
from tests.register.factories import add_household, small_city

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.cli import COMMANDS, main
from juki.core import keys
from juki.core.actor import Actor
from juki.register import my_number_keys
from juki.register.models import Change, OutboxEvent, ResidentRecord
from juki.register.my_number_keys import census, do_rotate_my_number_key, key_id
from juki.register.my_numbers import ENCRYPTION_PURPOSE, reveal


@pytest.fixture(autouse=True)
def own_keys(settings, tmp_path):
    """A key directory of this test alone, so the key IDs it sees are its own."""
    settings.JUKI_KEY_DIR = tmp_path / "keys"
    keys.reset_provider_cache()
    yield
    keys.reset_provider_cache()


# --- what is stored, in clear, for comparison ---------------------------------------------------

def _payload_numbers(value: Any, path: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if k.endswith("my_number") and isinstance(v, dict) and "enc" in v:
                found[f"{path}/{k}"] = keys.decrypt(base64.b64decode(v["enc"]), aad=b"change-payload").decode()
            else:
                found.update(_payload_numbers(v, f"{path}/{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.update(_payload_numbers(v, f"{path}/{i}"))
    return found


def every_number() -> dict[tuple[str, int, str], str]:
    """Every stored My Number decrypted, keyed by where it lives (fails if any does not decrypt)."""
    out: dict[tuple[str, int, str], str] = {}
    for pk, pid, blob in ResidentRecord.objects.exclude(my_number_enc=None).values_list("pk", "person_id", "my_number_enc"):
        out[("record", pk, "")] = reveal(bytes(blob), pid)
    for ev in OutboxEvent.objects.all():
        if ev.payload.get("my_number_enc"):
            out[("outbox", ev.pk, "")] = reveal(base64.b64decode(ev.payload["my_number_enc"]), ev.person_id)
    for ch in Change.objects.all():
        for path, number in _payload_numbers(ch.payload).items():
            out[("change", ch.pk, path)] = number
    return out


def kids_in_use() -> Counter[str]:
    return census().by_kid


def rotation_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.KEYS_ROTATED).order_by("seq"))


@pytest.fixture
def stored_everywhere(clerk, approver):
    """My Numbers in all three places: record versions (current and superseded), outbox events,
    and a provisional change's payload."""
    city = small_city()
    head, child = add_household(city, [{"my_number": a_number(101), "resident_code": a_code(101)},
                                             {"my_number": a_number(102), "resident_code": a_code(102)}])
    apply(clerk, approver, "move_in", move_in_items(city, [incoming(1), incoming(2, relationship="wife")]))
    apply(clerk, approver, "my_number_change", {"person": child.person_id, "basis": "request",
                                                "leak_reason": "個人番号カードの紛失後の不正利用の届出"})
    enter(clerk, "move_in", move_in_items(city, [incoming(3)]))  # stays provisional
    return city


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- a complete rotation ------------------------------------------------------------------------

@pytest.mark.django_db
def test_rotation_puts_every_my_number_everywhere_under_a_new_key_and_every_value_is_unchanged(stored_everywhere):
    before = every_number()
    old_kid = keys.provider().current_kid(ENCRYPTION_PURPOSE)
    assert set(kids_in_use()) == {old_kid}
    places = {where for where, _pk, _path in before}
    assert places == {"record", "outbox", "change"}
    assert ResidentRecord.objects.filter(is_current=False).exclude(my_number_enc=None).exists()

    output = _run("rotate", "--batch", "2")

    new_kid = keys.provider().current_kid(ENCRYPTION_PURPOSE)
    assert new_kid != old_kid
    assert every_number() == before  # same values, same places: nothing lost, nothing moved
    assert set(kids_in_use()) == {new_kid}
    superseded = ResidentRecord.objects.filter(is_current=False).exclude(my_number_enc=None)
    assert {key_id(r.my_number_enc) for r in superseded} == {new_kid}  # history too, not only current
    assert keys.provider().secret(old_kid)  # the old key is kept for reading
    assert "進捗 progress:" in output and "完了 complete" in output


@pytest.mark.django_db
def test_one_audit_event_per_run_with_key_ids_and_counts_but_no_number(stored_everywhere):
    before = every_number()
    old_kid = keys.provider().current_kid(ENCRYPTION_PURPOSE)
    result = do_rotate_my_number_key(batch=3, actor=Actor.system("tests"))

    (event,) = rotation_events()
    assert event.outcome == "ok" and event.function == "cli.keys"
    d = event.detail
    assert d["key_id"] == result.key_id and d["previous_key_ids"] == [old_kid] and d["new_key"] is True
    assert d["complete"] is True and d["remaining"] == 0
    assert sum(d["reencrypted"].values()) == len(before) == result.total
    assert all(d["reencrypted"][p] > 0 for p in ("records", "outbox", "changes"))
    assert not any(number in json.dumps(d) for number in before.values())


@pytest.mark.django_db
def test_the_blind_index_is_not_touched_so_search_by_number_keeps_working(stored_everywhere):
    """The index key is rotated apart (docs/privacy-keys.md); a data-key rotation leaves indexes as they were."""
    indexes = dict(ResidentRecord.objects.values_list("pk", "my_number_index"))
    do_rotate_my_number_key(batch=50, actor=Actor.system("tests"))
    assert dict(ResidentRecord.objects.values_list("pk", "my_number_index")) == indexes


# --- interruption and resumption ----------------------------------------------------------------

@pytest.mark.django_db
def test_a_stopped_rotation_resumes_with_the_same_key_when_run_again(stored_everywhere):
    before = every_number()
    old_kid = keys.provider().current_kid(ENCRYPTION_PURPOSE)

    first = do_rotate_my_number_key(batch=1, max_batches=2, actor=Actor.system("tests"))
    assert first.interrupted and not first.complete and first.done_total == 2
    assert kids_in_use() == Counter({first.key_id: 2, old_kid: len(before) - 2})
    status = _run("status")
    assert f"2/{len(before)}" in status and "juki keys rotate" in status

    output = _run("rotate", "--batch", "2")
    assert "再開" in output
    assert keys.provider().current_kid(ENCRYPTION_PURPOSE) == first.key_id  # no third key
    assert set(kids_in_use()) == {first.key_id}
    assert every_number() == before
    first_event, second_event = rotation_events()
    assert first_event.detail["interrupted"] is True and first_event.detail["remaining"] == len(before) - 2
    assert second_event.detail["new_key"] is False and second_event.detail["key_id"] == first.key_id
    assert sum(second_event.detail["reencrypted"].values()) == len(before) - 2


@pytest.mark.django_db
def test_a_rotation_that_fails_mid_way_keeps_its_committed_batches_and_is_finished_by_the_next_run(
        stored_everywhere, monkeypatch):
    before = every_number()
    real = my_number_keys._Outbox.rewrite
    calls = []

    def failing(self, pks, target):
        calls.append(pks)
        if len(calls) == 2:
            raise ConnectionError("simulated crash")
        return real(self, pks, target)

    monkeypatch.setattr(my_number_keys._Outbox, "rewrite", failing)
    with pytest.raises(ConnectionError):
        do_rotate_my_number_key(batch=1, actor=Actor.system("tests"))
    new_kid = keys.provider().current_kid(ENCRYPTION_PURPOSE)
    records = ResidentRecord.objects.exclude(my_number_enc=None)
    assert {key_id(r.my_number_enc) for r in records} == {new_kid}  # batches before the crash are kept
    assert kids_in_use()[new_kid] < len(before)
    (failed,) = rotation_events()
    assert failed.outcome == "error" and failed.detail["error"] == "ConnectionError"

    monkeypatch.setattr(my_number_keys._Outbox, "rewrite", real)
    result = do_rotate_my_number_key(batch=1, actor=Actor.system("tests"))
    assert result.complete and result.key_id == new_kid and not result.new_key
    assert set(kids_in_use()) == {new_kid}
    assert every_number() == before


@pytest.mark.django_db
def test_status_counts_ciphertexts_per_key_and_place(stored_everywhere):
    c = census()
    old_kid = c.current_kid
    assert c.remaining == 0 and c.total == len(every_number())
    output = _run("status")
    assert old_kid in output and f"{c.total}/{c.total} (100.0%)" in output
    assert f"records {c.by_place['records'][old_kid]}" in output
    assert AuditEvent.objects.filter(event_type=EventType.CLI_COMMAND, action="keys-status").count() == 1


@pytest.mark.django_db
def test_juki_keys_is_a_command_with_rotate_and_status(capsys):
    assert "keys" in COMMANDS
    with pytest.raises(SystemExit) as exit_:
        main(["keys", "--help"])
    assert exit_.value.code == 0
    assert "rotate" in capsys.readouterr().out
    assert main(["keys", "status"]) == 0
    assert "現在の鍵 current key: my-number-" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_batch_size_below_one_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _run("rotate", "--batch", "0")
    assert rotation_events() == []


# --- under load -------------------------------------------------------------------------------

WRITERS, MOVES_EACH, SEEDED = (4, 4, 40) if connection.vendor == "postgresql" else (2, 2, 20)


@pytest.mark.django_db(transaction=True)
def test_rotation_while_changes_are_confirmed_loses_no_number(clerk, approver):
    """Online rotation: clerks keep confirming move-ins (new records, outbox events, sealed
    payloads) while the key rotates; afterwards every number decrypts to what was entered and
    all are under the current key."""
    city = small_city()
    seeded = {a_number(500 + i) for i in range(SEEDED)}
    for i in range(SEEDED):
        add_household(city, [{"my_number": a_number(500 + i), "resident_code": a_code(500 + i)}])
    entered: set[str] = set()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + 1)
    first_written = threading.Event()
    rotating = threading.Event()
    during: list[str] = []

    def writer(w: int) -> None:
        try:
            start.wait(timeout=60)
            for k in range(MOVES_EACH):
                n = 9000 + w * 100 + k
                number = a_number(n)
                apply(clerk, approver, "move_in", move_in_items(city, [
                    incoming(1, resident_code=a_code(n), my_number=number, given_name=f"並行{w}{k}")]))
                entered.add(number)
                if rotating.is_set():
                    during.append(number)
                first_written.set()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            first_written.set()
            connections.close_all()

    results: list[Any] = []

    def rotator() -> None:
        try:
            start.wait(timeout=60)
            first_written.wait(timeout=60)  # some changes sealed under the old key already
            rotating.set()
            # A short pause between batches stands in for a large register: writers keep going.
            results.append(do_rotate_my_number_key(batch=2, on_progress=lambda p: time.sleep(0.05), actor=Actor.system("tests")))
            rotating.clear()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)] + [threading.Thread(target=rotator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert len(entered) == WRITERS * MOVES_EACH

    # A write that sealed under the old key just before the switch may commit after the run's
    # last pass; running again finishes it (resumable), and nothing is ever unreadable.
    do_rotate_my_number_key(batch=50, actor=Actor.system("tests"))
    numbers = every_number()  # decrypts everything
    records = {v for (where, _pk, _p), v in numbers.items() if where == "record"}
    assert records == seeded | entered
    assert {v for (where, _pk, _p), v in numbers.items() if where in ("outbox", "change")} == entered
    assert set(kids_in_use()) == {keys.provider().current_kid(ENCRYPTION_PURPOSE)}
    assert results and results[0].new_key
    assert during, "no change was confirmed while the key rotated"
    assert results[0].done["outbox"] > 0 and results[0].done["changes"] > 0
