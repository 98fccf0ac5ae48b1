"""The 住民票の写し of a child whose birth (11/28) was reported after the household's 転居 (12/1):
it prints the child at the household's address with 住所を定めた日 = the 転居日 and 前住所 = the
address where the child was born, and on request the history 出生 (old address) → 転居 (new) —
the same as the household (docs/decisions/0006-joining-a-household-back-dated.md; 住基法7条7号,
住基法施行令12条2項1号)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.changes.family_foreign_helpers import apply, current

from juki.certificates.documents import Options, render, validate
from juki.certificates.documents.data import date_text
from juki.certificates.models import DocumentType
from juki.core import clock

from ._documents import STAMP, add_household, flat, page_texts, small_city

pytestmark = pytest.mark.django_db


def test_the_copy_of_a_child_born_before_the_households_move_agrees_with_the_household(clerk, approver, tmp_path):
    city = small_city()
    head, wife = add_household(city, [{}, {"relationship": "wife", "sex": 2, "given_name": "花子"}], banchi="3番4号")
    today = clock.today()
    born, moved = today - dt.timedelta(days=10), today - dt.timedelta(days=7)
    apply(clerk, approver, "move_within", {"persons": [head.person_id, wife.person_id],
                                           "town_block": city.blocks[1].code, "banchi": "7番8号"},
          effective_on=moved, notified_on=moved)
    change = apply(clerk, approver, "birth", {
        "household_no": head.household_id, "family_name": "試験", "given_name": "一郎", "family_name_kana": "シケン",
        "given_name_kana": "イチロウ", "sex": 1, "domicile": "秋田県秋田市山王一丁目10番地", "domicile_head": "試験\u3000太郎1",
    }, effective_on=born)
    (child,) = change.persons

    ids = [head.person_id, wife.person_id, child]
    options = Options(history=True)
    validate(DocumentType.RESIDENT_COPY_HOUSEHOLD, ids, options, on=STAMP.issued_on)
    pdf, _ = render(DocumentType.RESIDENT_COPY_HOUSEHOLD, ids, options, STAMP)
    text = "".join(page_texts(pdf, tmp_path))

    old_address, new_address = (flat(current(head.person_id).previous_address),
                                "秋田県秋田市山王二丁目7番8号")
    assert new_address in text and old_address in text
    # The child's block: resident since the birth, address established on the move date, 前住所
    # the address where the child was born.
    b, m, t = flat(date_text(born)), flat(date_text(moved)), flat(date_text(today))
    child_block = text[text.index("シケンイチロウ"):]
    assert f"住民となった日{b}住所を定めた日{m}" in child_block
    assert f"前住所{old_address}" in child_block and f"記載事由{m}転居" in child_block
    # History on request: 出生 at the old address, then 転居 to the new one — as the parents moved.
    assert f"{b}{t}出生試験一郎{old_address}{m}{t}転居試験一郎{new_address}" in child_block
    parents = text[:text.index("シケンイチロウ")]
    assert parents.count(f"住所を定めた日{m}") == 2 and parents.count(f"前住所{old_address}") == 2
