"""The generic entry form: every kind's form is built from its items model, nested items too.

Source: docs/register.md ("one entry form per change kind showing only that kind's items") — so a
kind added later gets its form without screen code; 住基法22条 (転入: the persons moving in,
each with the items of the 転出証明書).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import pytest
from pydantic import Field

from juki.core import clock
from juki.core.errors import JukiError
from juki.register.changes.base import ChangeItems
from juki.register.changes.registry import all_handlers
from juki.register.forms import ChangeEntryForm, ordered_fields
from juki.register.models import Change, ChangeState, Sex

from .test_change_entry_view import input_names

pytestmark = pytest.mark.django_db

MOVE_IN = "/register/changes/new/move_in/"


# --- a kind that does not exist: the form follows its model alone ---------------------------------

class Child(ChangeItems):
    family_name: str = Field(min_length=1, description="氏")
    sex: Sex = Field(description="性別")
    born_on: dt.date = Field(description="出生日")


class Address(ChangeItems):
    town_block: str = Field(description="町丁字")
    banchi: str = Field(default="", description="番地")


class SampleItems(ChangeItems):
    persons: list[int] = Field(min_length=1, description="対象者の宛名番号")
    relationships: dict[str, str] = Field(default_factory=dict, description="続柄")
    mode: Literal["a", "b"] = Field(default="a", description="a: 通常 / b: 特例")
    children: list[Child] = Field(default_factory=list, description="子")
    address: Address | None = Field(default=None, description="新住所")
    extra: dict[str, list[int]] = Field(default_factory=dict, description="その他")
    urgent: bool = Field(default=False, description="至急")


class SampleHandler:
    kind = "sample"
    label = "試験の異動"
    article = "試験法1条"
    ex_officio = True
    items = SampleItems


def test_each_annotation_gets_its_input_and_an_ex_officio_kind_has_no_notification_date(city):
    form = ChangeEntryForm(SampleHandler(), rows={"children": 2})
    names = set(form.fields)
    assert "notified_on" not in names and "effective_on" in names
    assert {"persons", "relationships", "mode", "urgent", "extra"} <= names
    assert {"children.0.family_name", "children.1.sex", "children.1.born_on", "address.town_block"} <= names
    assert dict(form.fields["mode"].choices) == {"a": "通常", "b": "特例"}
    assert form.fields["children.0.sex"].choices[1:] == [("1", "男"), ("2", "女")]
    assert form.fields["address.town_block"].choices[1][0] == city.blocks[0].code  # from the master
    assert "JSON" in form.fields["extra"].help_text


def test_the_typed_text_becomes_the_raw_items(city):
    data = {
        "effective_on": "令和6年4月1日",
        "persons": "１００００００００１, 1000000002",
        "relationships": "1000000001:世帯主\n1000000002：子",
        "mode": "b",
        "children.0.family_name": "試験", "children.0.sex": "2", "children.0.born_on": "R6.3.31",
        "children.1.family_name": "", "children.1.sex": "", "children.1.born_on": "",  # an empty row is left out
        "address.town_block": city.blocks[1].code,
        "extra": '{"x": [1, 2]}',
        "urgent": "on",
    }
    form = ChangeEntryForm(SampleHandler(), data, rows={"children": 2})
    assert form.is_valid(), form.errors
    assert form.dates() == (dt.date(2024, 4, 1), None)
    items = form.items()
    assert items == {
        "persons": [1000000001, 1000000002],
        "relationships": {"1000000001": "householder", "1000000002": "child"},
        "mode": "b",
        "children": [{"family_name": "試験", "sex": 2, "born_on": "2024-03-31"}],
        "address": {"town_block": city.blocks[1].code},
        "extra": {"x": [1, 2]},
        "urgent": True,
    }
    assert SampleItems.model_validate(items).children[0].sex == Sex.FEMALE


def test_a_malformed_mapping_line_is_refused_naming_the_field(city):
    form = ChangeEntryForm(SampleHandler(), {"effective_on": "2024-04-01", "relationships": "1000000001 世帯主"})
    assert form.is_valid()
    with pytest.raises(JukiError) as exc:
        form.items()
    assert exc.value.code == "CHANGE_ITEM_INVALID" and exc.value.field == "relationships"


def test_fields_read_in_the_order_the_bases_are_listed():
    from juki.register.changes.kinds.moves_in import MoveInPerson

    names = [n for n, _ in ordered_fields(MoveInPerson)]
    assert names.index("family_name") < names.index("domicile") < names.index("nationality")


def test_every_registered_kind_gets_a_form_with_only_its_items(as_staff, clerk, city):
    client = as_staff(clerk)
    for handler in all_handlers():
        response = client.get(f"/register/changes/new/{handler.kind}/")
        assert response.status_code == 200, handler.kind
        top = {n.split(".")[0] for n in input_names(response.content.decode())}
        dates = {"effective_on"} | (set() if handler.ex_officio else {"notified_on"})
        assert top == set(handler.items.model_fields) | dates, handler.kind


# --- 転入 (move_in) through the screen -------------------------------------------------------------

def move_in_post(city, **person) -> dict[str, str]:
    today = clock.today()
    base = {
        "effective_on": (today - dt.timedelta(days=2)).isoformat(), "notified_on": today.isoformat(),
        "town_block": city.blocks[2].code, "banchi": "3番4号", "household": "new",
        "previous_address": "東京都千代田区千代田1番1号", "previous_lg_code": "131016",
        "planned_move_out_on": (today - dt.timedelta(days=5)).isoformat(),
        "_rows.persons": "1",
        "persons.0.family_name": "転入", "persons.0.given_name": "一子",
        "persons.0.family_name_kana": "テンニュウ", "persons.0.given_name_kana": "イチコ",
        "persons.0.birth_year": "1990", "persons.0.birth_month": "7", "persons.0.birth_day": "15",
        "persons.0.sex": "2", "persons.0.relationship": "householder",
        "persons.0.resident_code": "12345678903", "persons.0.my_number": "987654321018",
        "persons.0.resident_kind": "japanese", "persons.0.furigana_certification": "none",
    }
    base.update({f"persons.0.{k}": v for k, v in person.items()})
    return base


def test_the_move_in_form_repeats_the_person_fieldset_and_adds_one_on_request(as_staff, clerk, city):
    client = as_staff(clerk)
    html = client.get(MOVE_IN).content.decode()
    assert "<legend>転入する者 1</legend>" in html and 'name="persons.0.family_name"' in html
    assert 'name="persons.1.family_name"' not in html
    more = client.post(MOVE_IN, {**move_in_post(city), "_add_row": "persons"}).content.decode()
    assert "<legend>転入する者 2</legend>" in more and 'name="persons.1.family_name"' in more
    assert re.search(r'name="persons.0.family_name"[^>]*value="転入"|value="転入"[^>]*name="persons.0.family_name"', more)
    assert not Change.objects.exists()  # adding a row enters nothing


def test_a_move_in_entered_on_the_screen_waits_for_confirmation_with_the_new_person(as_staff, clerk, city):
    client = as_staff(clerk)
    response = client.post(MOVE_IN, move_in_post(city))
    assert response.status_code == 302, response.content.decode()[:3000]
    change = Change.objects.get()
    assert change.state == ChangeState.PROVISIONAL and change.kind == "move_in"
    page = client.get(response["Location"]).content.decode()
    assert "（新規）" in page and "転入\u3000一子" in page and "旭北栄町" in page
    assert "987654321018" not in page  # the My Number is never shown back


def test_a_wrong_check_digit_in_a_nested_item_is_named_at_its_input(as_staff, clerk, city):
    response = as_staff(clerk).post(MOVE_IN, move_in_post(city, my_number="987654321019"))
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'<code class="error-code">[A-Z_]+</code>', page)
    assert '<span class="error-field">個人番号（転出証明書）</span>' in page
    assert not Change.objects.exists()
