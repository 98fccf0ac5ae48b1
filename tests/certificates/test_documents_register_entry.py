"""A character the certificate font cannot print is refused when it is entered, never printed
as a box (decision 0004). The check sits in the change workflow, so every kind of change and
every channel (screen, API) refuses it with the same code, naming the item."""

from __future__ import annotations

import pytest
from tests.register.changes.family_foreign_helpers import apply, current, enter, refused
from tests.register.factories import add_household, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    (p,) = add_household(small_city(), [{"family_name": "佐藤", "family_name_kana": "サトウ"}])
    return p


@pytest.mark.parametrize("name", ["鈴\ue000", "辻\U000e0110", "\U000e0102辻"])
def test_an_unprintable_name_is_refused_at_entry_with_the_item_named(clerk, person, name):
    """A private-use character, a selector the font does not register for 辻, a lone selector:
    none can be printed exactly."""
    with refused("register.unprintable_character") as exc:
        enter(clerk, "name_change", {"persons": [person.person_id], "cause": "marriage",
                                     "family_name": name, "family_name_kana": "スズキ"})
    assert exc.value.field == "family_name"
    assert "証明書で印字できない文字" in exc.value.message and "U+" in exc.value.message


def test_a_control_character_in_a_name_is_refused_by_the_text_rule_first(clerk, person):
    """A control character is refused by the text rule every item follows (docs/register.md,
    "Items: types and text rules") before the font is asked: it is no character at all."""
    with refused("TEXT_CHARACTER_NOT_ALLOWED") as exc:
        enter(clerk, "name_change", {"persons": [person.person_id], "cause": "marriage",
                                     "family_name": "鈴\u0007木", "family_name_kana": "スズキ"})
    assert exc.value.field == "family_name"
    assert "U+0007" in exc.value.message


def test_a_registered_ivs_variant_is_accepted_and_kept_exactly(clerk, approver, person):
    apply(clerk, approver, "name_change", {"persons": [person.person_id], "cause": "marriage",
                                           "family_name": "辻\U000e0102", "family_name_kana": "ツジ"})
    assert current(person.person_id).family_name == "辻\U000e0102"


def test_unprintable_text_already_on_the_record_does_not_block_an_unrelated_change(clerk, approver, person):
    """Only what is entered is judged: a migrated record holding an unprintable character can
    still be changed (its certificate is refused until the character is corrected)."""
    from juki.register.models import ResidentRecord

    ResidentRecord.objects.filter(pk=person.pk).update(katagaki="見本荘\ue000号室")
    apply(clerk, approver, "name_change", {"persons": [person.person_id], "cause": "marriage",
                                           "family_name": "鈴木", "family_name_kana": "スズキ"})
    assert current(person.person_id).family_name == "鈴木"
