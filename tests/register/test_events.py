"""Outbound events are typed, versioned contracts (juki.register.events).

Every change kind is run through the workflow (the clerk enters, the approver confirms) and
every event it queues is parsed back with its schema; the JSON Schema of every (kind, version)
is kept under src/juki/register/events/schemas and a schema changed without a new version fails.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from juki.core import clock
from juki.register import events as outbound
from juki.register.changes.registry import all_handlers
from juki.register.models import Change, OutboxEvent

from .changes.moves_helpers import (
    OTHER_DOMICILE,
    a_code,
    a_number,
    apply,
    days_ago,
    incoming,
    mid_long_term,
    move_in_items,
)
from .factories import add_household, small_city

pytestmark = pytest.mark.django_db

HEAD = "試験\u3000太郎1"
#: Residents whose 本籍 is elsewhere, so that the 附票 notice is due wherever the kind sends it.
JAPANESE = {"domicile": OTHER_DOMICILE, "domicile_head": HEAD}


_serial = itertools.count(9100)


def _family(city: Any, n: int = 1, **over: Any) -> list[Any]:
    numbers = [next(_serial) for _ in range(n)]
    return add_household(city, [{**JAPANESE, "resident_code": a_code(i), "my_number": a_number(i), **over}
                                for i in numbers])


def _foreigner(city: Any) -> Any:
    (p,) = add_household(city, [dict(
        resident_kind="foreign", family_name="NGUYEN", given_name="VAN AN", family_name_kana="グエン",
        given_name_kana="ヴァン\u3000アン", alphabet_name="NGUYEN VAN AN", nationality_code="VN", nationality="ベトナム",
        foreign_category="mid_long_term", residence_status="engineer_humanities", stay_years=3,
        stay_expires_on=clock.today() + dt.timedelta(days=400), residence_card_no="AB12345678CD",
        residence_card_kind="residence_card", resident_code=a_code(9200), my_number=a_number(9200))])
    return p


# One real change per kind: (scenario, the event kinds it queues). Each scenario is the fullest
# case of its kind (本籍 elsewhere, new numbers where the kind can draw them).
Scenario = Callable[[Any, Any, Any], Change]


def _move_within(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "move_within", {"persons": [p.person_id], "town_block": city.blocks[1].code, "banchi": "2番"})


def _move_in(city, c, a):
    return apply(c, a, "move_in", move_in_items(city, [incoming(1)]))


def _move_in_abroad(city, c, a):
    person = dict(family_name="帰国", given_name="一郎", family_name_kana="キコク", given_name_kana="イチロウ",
                  birth_year=1970, birth_month=1, birth_day=2, sex=1, relationship="householder", **JAPANESE)
    return apply(c, a, "move_in_abroad", {"persons": [person], "town_block": city.blocks[0].code, "banchi": "7番8号",
                                          "previous_address": "アメリカ合衆国カリフォルニア州"})


def _foreign_entry(city, c, a):
    person = {k: v for k, v in mid_long_term().items() if k != "resident_kind"}
    return apply(c, a, "foreign_entry", {"persons": [person], "town_block": city.blocks[0].code, "banchi": "1番1号",
                                         "household": "new"}, effective_on=days_ago(5))


def _move_out(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "move_out", {"persons": [p.person_id], "destination_address": "東京都新宿区西新宿二丁目8番1号"},
                 effective_on=clock.today() + dt.timedelta(days=5))


def _move_abroad(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "move_abroad", {"persons": [p.person_id], "destination_address": "フランス共和国"},
                 effective_on=days_ago(1))


def _move_out_cancel(city, c, a):
    (p,) = _family(city)
    planned = clock.today() + dt.timedelta(days=7)
    apply(c, a, "move_out", {"persons": [p.person_id], "destination_address": "東京都新宿区"}, effective_on=planned)
    return apply(c, a, "move_out_cancel", {"persons": [p.person_id]}, effective_on=planned)


def _move_out_confirm(city, c, a):
    (p,) = _family(city)
    apply(c, a, "move_out", {"persons": [p.person_id], "destination_address": "東京都新宿区"}, effective_on=days_ago(10))
    return apply(c, a, "move_out_confirm", {"persons": [p.person_id], "confirmed_address": "東京都新宿区西新宿二丁目8番1号",
                                            "confirmed_on": days_ago(5).isoformat(), "notice_on": days_ago(1).isoformat()},
                 effective_on=days_ago(1), notified_on=None)


def _household_change(city, c, a):
    head, child = _family(city, 2)
    return apply(c, a, "household_change", {"variant": "head_change", "household_no": head.household_id,
                                            "relationships": {str(head.person_id): "father",
                                                              str(child.person_id): "householder"}})


def _my_number_change(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "my_number_change", {"person": p.person_id, "basis": "request",
                                            "leak_reason": "個人番号カードの紛失後の不正利用の届出"})


def _resident_code_change(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "resident_code_change", {"person": p.person_id})


def _ex_officio_entry(city, c, a):
    return apply(c, a, "ex_officio_entry", {
        "reason": "実態調査", "family_name": "送信", "given_name": "待子", "family_name_kana": "ソウシン",
        "given_name_kana": "マチコ", "birth_year": 1991, "birth_month": 1, "birth_day": 2, "sex": 2,
        "town_block": city.blocks[0].code, "banchi": "3番", **JAPANESE}, notified_on=None)


def _ex_officio_correction(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "ex_officio_correction", {"person": p.person_id, "reason": "記載誤り",
                                                 "corrections": {"given_name": "太郎"}}, notified_on=None)


def _ex_officio_removal(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "ex_officio_removal", {"persons": [p.person_id], "grounds": "no_residence", "reason": "実態調査"},
                 effective_on=days_ago(2), notified_on=None)


def _restoration(city, c, a):
    (p,) = _family(city)
    apply(c, a, "ex_officio_removal", {"persons": [p.person_id], "grounds": "no_residence", "reason": "実態調査"},
          effective_on=days_ago(5), notified_on=None)
    return apply(c, a, "restoration", {"persons": [p.person_id], "reason": "誤って消除したため"},
                 effective_on=days_ago(5), notified_on=None)


def _birth(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "birth", {"household_no": p.household_id, "family_name": "試験", "given_name": "一郎",
                                 "family_name_kana": "シケン", "given_name_kana": "イチロウ", "sex": 1, **JAPANESE},
                 effective_on=days_ago(2), notified_on=None)


def _death(city, c, a):
    head, child = _family(city, 2)
    return apply(c, a, "death", {"person": child.person_id}, effective_on=days_ago(2), notified_on=None)


def _name_change(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "name_change", {"persons": [p.person_id], "cause": "marriage", "family_name": "鈴木",
                                       "family_name_kana": "スズキ"})


def _domicile_change(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "domicile_change", {"persons": [p.person_id], "cause": "transfer",
                                           "domicile": "大阪府大阪市北区1番地"})


def _former_surname_entry(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "former_surname_entry", {"person": p.person_id, "former_surname": "佐藤",
                                                "former_surname_kana": "サトウ"})


def _former_surname_removal(city, c, a):
    (p,) = _family(city, former_surname="佐藤", former_surname_kana="サトウ")
    return apply(c, a, "former_surname_removal", {"person": p.person_id})


def _furigana(city, c, a):
    (p,) = _family(city)
    return apply(c, a, "furigana", {"person": p.person_id, "family_name_furigana": "シケン",
                                    "given_name_furigana": "タロウイチ", "certification": "certified"})


def _foreign_status(city, c, a):
    p = _foreigner(city)
    return apply(c, a, "foreign_status", {"person": p.person_id, "residence_status": "spouse_of_japanese",
                                          "stay_years": 3, "stay_months": 0,
                                          "stay_expires_on": (clock.today() + dt.timedelta(days=900)).isoformat(),
                                          "residence_card_no": "CD98765432EF"}, notified_on=None)


def _alias_entry(city, c, a):
    p = _foreigner(city)
    return apply(c, a, "alias_entry", {"person": p.person_id, "alias_name": "山田\u3000太郎",
                                       "alias_name_kana": "ヤマダ\u3000タロウ"})


def _alias_removal(city, c, a):
    p = _foreigner(city)
    apply(c, a, "alias_entry", {"person": p.person_id, "alias_name": "山田太郎", "alias_name_kana": "ヤマダタロウ"},
          effective_on=days_ago(3), notified_on=days_ago(3))
    return apply(c, a, "alias_removal", {"person": p.person_id})


def _nationality(city, c, a):
    p = _foreigner(city)
    return apply(c, a, "nationality", {"person": p.person_id, "nationality_code": "KR", "nationality": "韓国"})


ID, DI, IO, FU, MI = "identity_update", "delivery_info", "intra_office", "fuhyo_notice", "move_in_notice"
SCENARIOS: dict[str, tuple[Scenario, set[str]]] = {
    "move_within": (_move_within, {ID, IO, FU}),
    "move_in": (_move_in, {ID, IO, FU, MI}),
    "move_in_abroad": (_move_in_abroad, {ID, IO, FU, DI}),
    "foreign_entry": (_foreign_entry, {ID, IO, DI}),
    "move_out": (_move_out, {ID, IO}),
    "move_abroad": (_move_abroad, {ID, IO, FU}),
    "move_out_cancel": (_move_out_cancel, {ID, IO}),
    "move_out_confirm": (_move_out_confirm, {ID, IO}),
    "household_change": (_household_change, {IO}),
    "my_number_change": (_my_number_change, {ID, IO, DI}),
    "resident_code_change": (_resident_code_change, {ID, IO, FU}),
    "ex_officio_entry": (_ex_officio_entry, {ID, IO, DI, FU}),
    "ex_officio_correction": (_ex_officio_correction, {ID, IO, FU}),
    "ex_officio_removal": (_ex_officio_removal, {ID, IO, FU}),
    "restoration": (_restoration, {ID, IO, FU}),
    "birth": (_birth, {ID, IO, DI, FU}),
    "death": (_death, {ID, IO, FU}),
    "name_change": (_name_change, {ID, IO, FU}),
    "domicile_change": (_domicile_change, {IO, FU}),
    "former_surname_entry": (_former_surname_entry, {ID, IO, FU}),
    "former_surname_removal": (_former_surname_removal, {ID, IO, FU}),
    "furigana": (_furigana, {ID, IO, FU}),
    "foreign_status": (_foreign_status, {IO}),
    "alias_entry": (_alias_entry, {ID, IO}),
    "alias_removal": (_alias_removal, {ID, IO}),
    "nationality": (_nationality, {IO}),
}


def test_every_change_kind_has_a_scenario_and_every_event_kind_is_emitted():
    assert set(SCENARIOS) == {h.kind for h in all_handlers()}
    assert set().union(*(kinds for _, kinds in SCENARIOS.values())) == set(OutboxEvent.Kind.values)
    assert set(outbound.CURRENT) == set(OutboxEvent.Kind.values)


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_every_event_a_change_kind_queues_parses_with_its_schema(kind, clerk, approver):
    scenario, expected = SCENARIOS[kind]
    change = scenario(small_city(), clerk, approver)
    assert change.kind == kind and change.state == "confirmed"
    rows = list(OutboxEvent.objects.filter(change=change))
    assert {r.kind for r in rows} == expected
    for row in rows:
        event = outbound.parse_event(row)
        model = outbound.CURRENT[row.kind]
        assert type(event) is model and row.schema_version == model.version
        assert event.reason == change.reason
        assert event.effective_on == change.effective_on
        # Stored exactly as the model writes it: nothing outside the schema, nothing lost.
        assert outbound.to_payload(event) == row.payload


@pytest.mark.parametrize("kind", ["move_in", "birth", "ex_officio_entry", "my_number_change"])
def test_my_numbers_travel_only_sealed_and_never_in_the_fuhyo_notice(kind, clerk, approver):
    """番号法: a My Number is never stored in clear; the 附票 files hold none (jlis-001a §4.4, C29)."""
    change = SCENARIOS[kind][0](small_city(), clerk, approver)
    for row in OutboxEvent.objects.filter(change=change):
        event = outbound.parse_event(row)
        if row.kind in (ID, DI):
            assert event.my_number_enc, row.kind  # the sealed ciphertext, base64
        text = json.dumps(row.payload, ensure_ascii=False)
        assert not any(a_number(n) in text for n in range(9100, next(_serial))) and a_number(7001) not in text
    assert not any("my_number" in name for name in outbound.json_schema(outbound.FuhyoNotice)["properties"])


def test_the_fuhyo_notice_is_one_shape_whichever_kind_sends_it(clerk, approver):
    """住基法19条1項: the 本籍 municipality gets the same 附票 items from a move, a correction
    ex officio and a family-register change — resident code, name, furigana and 旧氏 included."""
    city = small_city()
    payloads = [
        outbound.parse_event(row) for kind in ("move_within", "ex_officio_correction", "former_surname_entry", "move_abroad")
        for row in OutboxEvent.objects.filter(change=SCENARIOS[kind][0](city, clerk, approver), kind=FU)
    ]
    assert len(payloads) == 4 and len({tuple(sorted(outbound.to_payload(p))) for p in payloads}) == 1
    move, correction, former, abroad = payloads
    assert correction.resident_code and move.resident_code  # the ex officio shape had none
    assert former.former_surname == "佐藤" and former.former_surname_kana == "サトウ"
    assert abroad.moved_abroad and abroad.moved_abroad_to == "フランス共和国" and not move.moved_abroad


# --- schema versions --------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(outbound.MODELS), ids=[f"{k}.v{v}" for k, v in sorted(outbound.MODELS)])
def test_a_schema_change_needs_a_new_version(key):
    """The stored JSON Schema of (kind, version) is the model's: a model changed in what a
    payload may hold without a new version fails here (docs/register.md, *Events*)."""
    kind, version = key
    path = outbound.schema_path(kind, version)
    assert path.exists(), f"{path.name} missing: a new version? run `juki django event_schemas --write`"
    stored = json.loads(path.read_text(encoding="utf-8"))
    current = outbound.json_schema(outbound.MODELS[key])
    assert outbound.structure(current) == outbound.structure(stored), (
        f"{kind} v{version} changed without a version bump: add {kind} v{version + 1} (keep v{version}), "
        "then run `juki django event_schemas --write`")
    assert current == stored, f"{path.name}: descriptions changed; run `juki django event_schemas --write`"


def test_every_stored_schema_has_its_model():
    """An old version's file stays only while its model does (rows of it can still be read)."""
    files = {p.name for p in outbound.SCHEMA_DIR.glob("*.json")}
    assert files == {outbound.schema_path(k, v).name for k, v in outbound.MODELS}


def test_the_version_check_catches_a_field_added_without_a_bump():
    class Widened(outbound.IntraOffice):
        note: str = ""

    stored = json.loads(outbound.schema_path(IO, 1).read_text(encoding="utf-8"))
    assert outbound.structure(outbound.json_schema(Widened)) != outbound.structure(stored)


# --- parse_event ------------------------------------------------------------------------------

def _row(clerk, approver, kind=IO) -> OutboxEvent:
    change = _household_change(small_city(), clerk, approver)
    return OutboxEvent.objects.filter(change=change, kind=kind).first()


def test_parse_event_refuses_a_payload_outside_its_schema_naming_the_item_not_the_value(clerk, approver):
    row = _row(clerk, approver)
    row.payload = {**row.payload, "note": "山田太郎"}
    with pytest.raises(outbound.EventSchemaError) as exc:
        outbound.parse_event(row)
    assert exc.value.code == "OUTBOX_EVENT_INVALID" and "note" in exc.value.message
    assert "山田太郎" not in exc.value.message
    row.payload = {k: v for k, v in row.payload.items() if k not in ("note", "status")}
    with pytest.raises(outbound.EventSchemaError, match="status"):
        outbound.parse_event(row)


def test_parse_event_refuses_rows_of_no_known_version(clerk, approver):
    """Rows written before events were typed keep version 0 (migration register.0009)."""
    row = _row(clerk, approver)
    for version in (0, 99):
        row.schema_version = version
        with pytest.raises(outbound.EventSchemaError) as exc:
            outbound.parse_event(row)
        assert exc.value.code == "OUTBOX_EVENT_UNKNOWN_SCHEMA"


def test_a_corrected_address_is_what_the_identity_update_and_the_fuhyo_notice_carry(clerk, approver):
    """住基法19条1項: the 本籍 municipality is told the 附票 items as they now are; a 職権修正 of the
    address (施行令12条3項) sends the corrected address, not the wrong one it replaces."""
    city = small_city()
    (p,) = _family(city)
    change = apply(clerk, approver, "ex_officio_correction", {
        "person": p.person_id, "reason": "住所の記載誤り",
        "corrections": {"town_block": city.blocks[2].code, "banchi": "9番9号"}}, notified_on=None)
    for kind in (ID, FU):
        event = outbound.parse_event(OutboxEvent.objects.get(change=change, kind=kind))
        assert event.address == "秋田県秋田市旭北栄町9番9号", kind


def test_the_schema_command_checks_the_stored_files():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("event_schemas", stdout=out)
    assert f"{len(outbound.MODELS)} schemas up to date" in out.getvalue()
