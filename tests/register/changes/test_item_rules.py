"""Rules every change item obeys, whatever the kind and channel (入力項目の共通の検査).

- Kana items (氏カナ・名カナ・振り仮名・方書カナ・通称カナ…) hold full-width katakana
  (戸籍法13条・戸籍法施行規則: 氏名の振り仮名は片仮名; the register's kana items follow the
  same script): hiragana and half-width kana are converted, anything else refused. Every kana
  item of every kind is found from the item declarations, so one added later is covered.
- No text item holds a C0/C1 control character or an unassigned code point (PostgreSQL refuses
  NUL in jsonb and text; no register item is written with a control character), while the
  IVS of registered names (U+E0100–U+E01EF) pass unchanged.
- A refusal names the item as the clerk knows it (「2人目の生年」), not its path.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any

import pytest
from django.test import Client
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.register.changes.item_types import (
    KANA_MESSAGE,
    ItemInvalid,
    is_kana_item,
    path_label,
    plain_text,
)
from juki.register.changes.registry import all_handlers, handler_for
from juki.register.models import Change, ResidentRecord
from juki.register.names import kana_search_key
from juki.security.actions import do_create_api_client
from juki.security.roles import Function

from .moves_helpers import apply, enter, incoming, move_in_items, refused

# --- discovering items from the declarations ---------------------------------------------------


def _nested(info: FieldInfo) -> type[BaseModel] | None:
    stack: list[Any] = [info.annotation]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
        stack.extend(typing.get_args(tp))
    return None


def _is_list(info: FieldInfo) -> bool:
    tp = info.annotation
    union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    args = [a for a in typing.get_args(tp) if a is not type(None)] if union else [tp]
    return any(typing.get_origin(a) is list for a in args)


def _items(model: type[BaseModel], prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str, FieldInfo]]:
    """(path, name, field) of every item of a kind, nested persons and corrections included."""
    out = []
    for name, info in model.model_fields.items():
        nested = _nested(info)
        if nested is not None:
            out += _items(nested, (*prefix, name, 0) if _is_list(info) else (*prefix, name))
        else:
            out.append(((*prefix, name), name, info))
    return out


def _is_text(tp: Any) -> bool:
    if tp is str:
        return True
    if typing.get_origin(tp) in (Annotated, typing.Union, types.UnionType):
        return any(_is_text(a) for a in typing.get_args(tp))
    return False


def _is_kana_by_declaration(name: str, info: FieldInfo) -> bool:
    """What makes a text item a kana item, independently of its type: its name or description."""
    description = info.description or ""
    return _is_text(info.annotation) and (
        name.endswith(("_kana", "_furigana")) or "カナ" in description or "振り仮名" in description)


def _raw(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """Raw items holding ``value`` at ``path`` (the other items left out)."""
    root: dict[str, Any] = {}
    node: Any = root
    for part, nxt in zip(path, (*path[1:], None), strict=True):
        if nxt is None:
            node[part] = value
        elif isinstance(nxt, int):
            node[part] = [{}]
            node = node[part][0]
        elif isinstance(part, int):
            continue
        else:
            node[part] = {}
            node = node[part]
    return root


def _errors_at(model: type[BaseModel], path: tuple[Any, ...], value: Any) -> list[dict[str, Any]]:
    try:
        model.model_validate(_raw(path, value))
    except ValidationError as exc:
        return [e for e in exc.errors() if tuple(e["loc"]) == path]
    return []


KANA_ITEMS = sorted(
    {(h.kind, path, info) for h in all_handlers() for path, name, info in _items(h.items)
     if _is_kana_by_declaration(name, info)},
    key=lambda t: (t[0], t[1]),
)
TEXT_ITEMS = sorted(
    {(h.kind, path) for h in all_handlers() for path, name, info in _items(h.items)
     if _is_text(info.annotation)},
)


def test_the_kana_items_found_include_the_ones_that_accepted_anything():
    found = {(kind, ".".join(map(str, path))) for kind, path, _ in KANA_ITEMS}
    assert {("move_in", "persons.0.family_name_kana"), ("move_in", "persons.0.given_name_kana"),
            ("move_in", "katagaki_kana"), ("move_within", "katagaki_kana"), ("birth", "family_name_kana"),
            ("ex_officio_correction", "corrections.alias_name_kana")} <= found


@pytest.mark.parametrize(("kind", "path", "info"), KANA_ITEMS, ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else v if isinstance(v, str) else "")
def test_every_kana_item_of_every_kind_refuses_kanji_and_latin_letters(kind, path, info):
    model = handler_for(kind).items
    assert is_kana_item(info), f"{kind} {'.'.join(map(str, path))} is a kana item not declared as Kana"
    for bad in ("山田", "yamada", "山田荘", "ヤマダ1"):
        errors = _errors_at(model, path, bad)
        assert errors and isinstance(errors[0]["ctx"]["error"], ItemInvalid), (kind, path, bad)
        assert errors[0]["ctx"]["error"].message == KANA_MESSAGE
    for good in ("やまだ", "ﾔﾏﾀﾞ", "ヤマダ", "スミス ジョン"):
        assert _errors_at(model, path, good) == [], (kind, path, good)


@pytest.mark.parametrize(("kind", "path", "info"), KANA_ITEMS[:1] + [k for k in KANA_ITEMS if k[0] == "move_in"][:1])
def test_kana_items_convert_hiragana_half_width_kana_and_spaces(kind, path, info):
    adapter = TypeAdapter(Annotated[(info.annotation, *info.metadata)])
    assert adapter.validate_python("やまだ") == "ヤマダ"
    assert adapter.validate_python("ﾔﾏﾀﾞ") == "ヤマダ"
    assert adapter.validate_python("すみす じょん") == "スミス\u3000ジョン"


@pytest.mark.parametrize(("kind", "path"), TEXT_ITEMS, ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else v)
def test_every_text_item_of_every_kind_refuses_a_nul_character(kind, path):
    model = handler_for(kind).items
    errors = _errors_at(model, path, "ア\u0000イ")
    assert errors, f"{kind} {'.'.join(map(str, path))} accepted a NUL character"
    error = errors[0]["ctx"]["error"] if errors[0]["type"] == "value_error" else None
    # Items with a closed set of values (続柄, codes) may refuse it as "not a choice" first.
    assert error is None or error.code in ("TEXT_CHARACTER_NOT_ALLOWED", "CHANGE_ITEM_INVALID")


@pytest.mark.parametrize("text", ["不詳\u0000", "ア\u0001イ", "ア\x7fイ", "ア\u0085イ", "ア\u009fイ", "ア\tイ",
                                  "ア\nイ", "ア\u0378イ", "ア\ufffeイ", "ア\ud800イ"])
def test_control_characters_and_unassigned_code_points_are_refused(text):
    with pytest.raises(ItemInvalid) as exc:
        plain_text(text)
    assert exc.value.code == "TEXT_CHARACTER_NOT_ALLOWED"


@pytest.mark.parametrize("text", ["辻\U000e0102", "葛\U000e0100飾", "\U00020bb7野", "髙橋\u3000一郎", "\ue000",
                                  "\U0002a6d6", "Ngô", "O'BRIEN-SMITH", "\U00031350"])
def test_assigned_characters_of_names_pass_unchanged(text):
    """The register keeps the exact glyph: IVS (U+E0100–E01EF), CJK extensions, 外字 (private use)."""
    assert plain_text(text) == text


# --- through the workflow: API, form and any other caller ------------------------------------------

@pytest.fixture
def city():
    return small_city()


def _move_in_person(**overrides: Any) -> dict[str, Any]:
    return incoming(1, **overrides)


@pytest.mark.django_db
@pytest.mark.parametrize(("item", "value"), [("family_name_kana", "山田"), ("given_name_kana", "yamada")])
def test_a_move_in_refuses_kana_that_is_not_kana(city, clerk, item, value):
    """住基法22条 転入: the kana of the name is entered as katakana, as for 出生."""
    with refused("CHANGE_ITEM_INVALID", field=f"persons.0.{item}"):
        enter(clerk, "move_in", move_in_items(city, [_move_in_person(**{item: value})]))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["move_in", "move_within"])
def test_katagaki_kana_refuses_kanji(city, clerk, kind):
    (p,) = add_household(city, [{}])
    items = (move_in_items(city, [_move_in_person()], katagaki_kana="山田荘") if kind == "move_in"
             else {"persons": [p.person_id], "town_block": city.blocks[1].code, "katagaki_kana": "山田荘"})
    with refused("CHANGE_ITEM_INVALID", field="katagaki_kana"):
        enter(clerk, kind, items)


@pytest.mark.django_db
def test_a_move_in_stores_converted_kana_and_a_search_key_built_from_it(city, clerk, approver):
    person = _move_in_person(family_name="山田", family_name_kana="やまだ", given_name_kana="ﾀﾛｳ")
    change = apply(clerk, approver, "move_in", move_in_items(city, [person], katagaki="山田荘", katagaki_kana="やまだそう"))
    assert change.state == "confirmed"
    rec = ResidentRecord.objects.get(is_current=True, family_name="山田")
    assert (rec.family_name_kana, rec.given_name_kana, rec.katagaki_kana) == ("ヤマダ", "タロウ", "ヤマダソウ")
    assert rec.name_kana_key == kana_search_key("ヤマダタロウ")


@pytest.mark.django_db
def test_a_nul_in_katagaki_kana_of_a_move_within_is_refused_and_stores_nothing(city, clerk):
    (p,) = add_household(city, [{}])
    with refused("TEXT_CHARACTER_NOT_ALLOWED", field="katagaki_kana"):
        enter(clerk, "move_within", {"persons": [p.person_id], "town_block": city.blocks[1].code,
                                     "katagaki_kana": "ア\u0000イ"})


@pytest.mark.django_db
def test_a_nul_in_the_birth_date_note_of_a_move_in_is_refused_and_stores_nothing(city, clerk):
    person = _move_in_person(birth_year=None, birth_month=None, birth_day=None, birth_date_note="不詳\u0000")
    with refused("TEXT_CHARACTER_NOT_ALLOWED", field="persons.0.birth_date_note"):
        enter(clerk, "move_in", move_in_items(city, [person]))


@pytest.mark.django_db
def test_a_control_character_in_a_mapping_key_is_refused(city, clerk):
    (p,) = add_household(city, [{}, {}])[:1]
    with refused("TEXT_CHARACTER_NOT_ALLOWED", field="relationships"):
        enter(clerk, "move_within", {"persons": [p.person_id], "town_block": city.blocks[1].code,
                                     "household": "new", "relationships": {f"{p.person_id}\u0000": "householder"}})


@pytest.mark.django_db
def test_a_registered_name_with_an_ivs_is_stored_exactly(city, clerk, approver):
    name = "辻\U000e0102"
    change = apply(clerk, approver, "move_in", move_in_items(city, [_move_in_person(family_name=name)]))
    assert Change.objects.get(pk=change.pk).payload["persons"][0]["family_name"] == name
    assert ResidentRecord.objects.get(is_current=True, family_name=name).family_name == name


# --- refusals name the item ------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_refusal_names_the_person_and_the_item_not_the_path(city, clerk):
    persons = [_move_in_person(), incoming(2, birth_year="千九百八十年", relationship="wife", sex=2)]
    with pytest.raises(JukiError) as exc:
        enter(clerk, "move_in", move_in_items(city, persons))
    assert (exc.value.code, exc.value.field) == ("CHANGE_ITEM_INVALID", "persons.1.birth_year")
    assert exc.value.message == "2人目の生年: 数字で入力してください。"


@pytest.mark.parametrize(("path", "label"), [
    ("persons.1.birth_year", "2人目の生年"),
    ("persons.0.family_name_kana", "1人目の氏カナ"),
    ("katagaki_kana", "方書カナ"),
    ("relationships.1000000001", "続柄（宛名番号 1000000001）"),
    ("persons.0", "1人目"),
])
def test_item_paths_read_as_japanese(path, label):
    assert path_label(path, handler_for("move_in").items if not path.startswith("relationships")
                      else handler_for("move_within").items) == label


def test_nested_corrections_are_named_through_their_parent():
    assert path_label("corrections.family_name_kana", handler_for("ex_officio_correction").items) == "修正後の値の氏カナ"


@pytest.mark.django_db
def test_the_api_shows_the_item_label_and_keeps_the_path_in_field(city):
    created = do_create_api_client("madoguchi", "試験システム", ["127.0.0.1/32"], [Function.CHANGE_ENTER.value],
                                   actor=Actor.cli())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {created.token}"}
    today = clock.today()
    body = {"kind": "move_in", "items": move_in_items(city, [_move_in_person(family_name_kana="山田")]),
            "effective_on": (today - dt.timedelta(days=1)).isoformat(), "notified_on": today.isoformat()}
    response = Client().post("/api/v1/changes", data=body, content_type="application/json", **auth)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert problem["code"] == "CHANGE_ITEM_INVALID" and problem["field"] == "persons.0.family_name_kana"
    assert problem["title"] == f"1人目の氏カナ: {KANA_MESSAGE}"


@pytest.mark.django_db
def test_a_move_in_refuses_the_all_zero_my_number(city, clerk):
    """The number on a 転出証明書 is checked by the one shared rule (juki.identifiers.my_number):
    000000000000 has a right check digit but is never issued."""
    with refused("MYNUMBER_NOT_ISSUED", field="persons.0.my_number"):
        enter(clerk, "move_in", move_in_items(city, [_move_in_person(my_number="000000000000")]))


@pytest.mark.django_db
def test_a_refusal_from_a_kinds_own_rule_names_the_person_too(city, clerk):
    persons = [_move_in_person(), incoming(2, birth_month=2, birth_day=30, relationship="wife", sex=2)]
    with pytest.raises(JukiError) as exc:
        enter(clerk, "move_in", move_in_items(city, persons))
    assert exc.value.code == "CHANGE_IMPOSSIBLE_DATE" and exc.value.field == "persons.1.birth_day"
    assert exc.value.message.startswith("2人目: 生年月日") and "persons." not in exc.value.message


@pytest.mark.django_db
def test_the_entry_form_shows_kana_refusals_with_the_item_label(as_staff, clerk, city):
    from tests.register.ui.test_change_entry_forms import MOVE_IN, move_in_post

    response = as_staff(clerk).post(MOVE_IN, move_in_post(city, family_name_kana="山田"))
    page = response.content.decode()
    assert response.status_code == 400
    assert f"1人目の氏カナ: {KANA_MESSAGE}" in page and "persons.0.family_name_kana:" not in page
    assert not Change.objects.exists()
