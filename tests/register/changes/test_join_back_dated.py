"""A person added to an existing household with an effective date before the household's later
change (出生 on 11/28 reported after the household's 転居 of 12/1).

Rule (docs/decisions/0006-joining-a-household-back-dated.md): the person is recorded as the
household stood on the effective date — for a birth, 住所を定めた日 is the date of birth at the
address the household had that day (戸籍法49条; 住基法施行令12条2項1号: the 住民票 follows the
出生届) — and then follows the household's later 転居 as its own version (住基法7条7号: 住所 and
住所を定めた日; 前住所). So on every day the person's address is the household's, in the
person's record as of that day, in the household as of that day and on the certificate.
Every kind that adds a person to an existing household goes through the same function
(``household_stages`` / ``join_versions``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from juki.certificates.documents.data import date_text
from juki.certificates.documents.load import person_entry
from juki.core import clock
from juki.register.history import history, household_as_of, record_as_of
from juki.register.models import Change, OutboxEvent, Person
from juki.register.views.changes import describe

from ..factories import add_household, small_city
from .family_foreign_helpers import OWN_DOMICILE, apply, current, enter, refused
from .moves_helpers import incoming, move_in_items

pytestmark = pytest.mark.django_db

OLD_BANCHI, NEW_BANCHI = "3番4号", "7番8号"
#: 住所 as recorded (住基法7条7号): town block, 番地, 方書 and how 方書 is shown.
ADDRESS_ITEMS = ("town_block_id", "banchi", "katagaki", "katagaki_kana", "katagaki_hidden")


def days_ago(n: int) -> dt.date:
    return clock.today() - dt.timedelta(days=n)


#: The household moves (転居) on MOVED; the person is added effective JOINED, three days before.
MOVED, JOINED = 7, 10


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def family(city):
    return add_household(city, [
        {"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"},
        {"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1", "relationship": "wife", "sex": 2,
         "given_name": "花子", "given_name_kana": "ハナコ"},
    ], block=0, banchi=OLD_BANCHI)


def move_household(city, clerk, approver, family):
    """The household's 転居 on MOVED, notified two days later."""
    apply(clerk, approver, "move_within", {"persons": [m.person_id for m in family], "town_block": city.blocks[1].code,
                                           "banchi": NEW_BANCHI}, effective_on=days_ago(MOVED),
          notified_on=days_ago(MOVED - 2))


def birth_items(household_no):
    return {"household_no": household_no, "family_name": "試験", "given_name": "一郎", "family_name_kana": "シケン",
            "given_name_kana": "イチロウ", "sex": 1, "domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"}


def address(rec):
    return tuple(getattr(rec, name) for name in ADDRESS_ITEMS)


def assert_consistent_with_household(pid, head, *, since, joined=True):
    """On every day from before ``since`` to today: the person is in the household from ``since``
    (exactly from then if ``joined``), at the household's address, in the person's, the
    household's and the certificate's view of that day."""
    day = since - dt.timedelta(days=2)
    while day <= clock.today():
        own, heads = record_as_of(pid, day), record_as_of(head.person_id, day)
        members = [m.person_id for m in household_as_of(head.household_id, day)]
        if day < since and joined:
            assert own is None or own.household_id != head.household_id, day
            assert pid not in members, day
        elif day >= since:
            assert own.household_id == head.household_id and pid in members, day
            assert address(own) == address(heads), day
            assert person_entry(own).address == person_entry(heads).address, day
        day += dt.timedelta(days=1)


def test_a_birth_before_the_households_move_is_recorded_at_the_old_address_and_follows_the_move(
        city, clerk, approver, family):
    """戸籍法49条 (14日以内の出生届) and 住基法施行令12条2項1号: the child born on 11/28 lived at the
    household's address of that day (住所を定めた日 = 出生日) and moved with it on 12/1 (住所を定めた日
    = 転居日, 前住所 = the old address) — not at the new address from the day of birth."""
    head, wife = family
    move_household(city, clerk, approver, family)
    old_address = current(head.person_id).previous_address
    change = apply(clerk, approver, "birth", birth_items(head.household_id), effective_on=days_ago(JOINED))
    (pid,) = change.persons

    born, moved = days_ago(JOINED), days_ago(MOVED)
    v1, v2 = history(pid)
    assert (v1.version, v1.valid_from, v1.change_reason, v1.is_current) == (1, born, "birth", False)
    assert (v1.town_block_id, v1.banchi) == (city.blocks[0].pk, OLD_BANCHI)
    assert v1.address_established_on == born and v1.became_resident_on == born and v1.previous_address == ""
    assert (v2.version, v2.valid_from, v2.change_reason, v2.is_current) == (2, moved, "move_within", True)
    assert (v2.town_block_id, v2.banchi) == (city.blocks[1].pk, NEW_BANCHI)
    assert v2.address_established_on == moved and v2.address_established_notified_on == days_ago(MOVED - 2)
    assert v2.previous_address == old_address and v2.became_resident_on == born
    assert v2.resident_code == v1.resident_code and v2.my_number_index == v1.my_number_index
    v1.refresh_from_db()
    assert v1.valid_to == moved and v1.superseded_at is not None

    assert_consistent_with_household(pid, head, since=born)

    # The certificate (住民票の写し) of today and of the day before the move say the same as the household.
    now = person_entry(current(pid), with_history=True)
    assert now.address == person_entry(current(head.person_id)).address
    assert now.address_established_on == date_text(moved) and now.previous_address == old_address
    assert now.became_resident_on == date_text(born)
    assert [line.reason for line in now.history] == ["出生", "転居"]
    before_move = person_entry(record_as_of(pid, moved - dt.timedelta(days=1)))
    assert before_move.address_established_on == date_text(born)
    assert before_move.address == person_entry(record_as_of(head.person_id, moved - dt.timedelta(days=1))).address

    # The other systems learn the child's current address; the approver saw both versions.
    identity = OutboxEvent.objects.get(change=change, kind="identity_update")
    assert identity.payload["address"] == now.address
    assert [e.get("valid_from") for e in change.after] == [None, moved.isoformat()]
    assert change.after[1]["changes"]["town_block_id"]["before"] == city.blocks[0].pk
    assert any(moved.isoformat() in w and "転居" in w for w in change.warnings)
    shown = describe(change)
    assert [(p["name"], p["valid_from"]) for p in shown] == [("試験\u3000一郎", None), ("試験\u3000一郎", moved.isoformat())]
    assert "town_block_id" in [r["attname"] for r in shown[1]["rows"]]


def test_a_birth_after_the_move_is_one_version_at_the_new_address(city, clerk, approver, family):
    head, _ = family
    move_household(city, clerk, approver, family)
    change = apply(clerk, approver, "birth", birth_items(head.household_id), effective_on=days_ago(MOVED - 1))
    (rec,) = history(change.persons[0])
    assert (rec.valid_from, rec.banchi, rec.address_established_on) == (days_ago(MOVED - 1), NEW_BANCHI, days_ago(MOVED - 1))


def test_a_later_change_that_is_not_a_move_is_not_followed(city, clerk, approver, family):
    """Only the household's address is followed: the mother's later 氏名の変更 gives the child nothing."""
    head, wife = family
    apply(clerk, approver, "name_change", {"persons": [wife.person_id], "cause": "given_name_change", "given_name": "華子",
                                           "given_name_kana": "ハナコ"}, effective_on=days_ago(MOVED))
    change = apply(clerk, approver, "birth", birth_items(head.household_id), effective_on=days_ago(JOINED))
    (rec,) = history(change.persons[0])
    assert rec.is_current and rec.banchi == OLD_BANCHI


def test_a_back_dated_ex_officio_entry_is_at_the_households_address_of_that_day(city, clerk, approver, family):
    """職権記載 (住基法8条・施行令12条1項) into a household: the same rule. The entered address is the
    one the household had on the effective date; the household's address of today is refused then."""
    head, _ = family
    move_household(city, clerk, approver, family)
    items = {"reason": "実態調査により居住の事実を確認したため", "family_name": "職権", "given_name": "記子",
             "family_name_kana": "ショッケン", "given_name_kana": "ノリコ", "birth_year": 1990, "birth_month": 4,
             "birth_day": 1, "sex": 2, "household": "join", "join_household_no": head.household_id,
             "relationship": "lodger"}
    with refused("EX_OFFICIO_ENTRY_ADDRESS_MISMATCH"):
        enter(clerk, "ex_officio_entry", {**items, "town_block": city.blocks[1].code, "banchi": NEW_BANCHI},
              effective_on=days_ago(JOINED), notified_on=None)
    change = apply(clerk, approver, "ex_officio_entry", {**items, "town_block": city.blocks[0].code,
                                                         "banchi": OLD_BANCHI},
                   effective_on=days_ago(JOINED), notified_on=None)
    (pid,) = change.persons
    assert [(v.valid_from, v.banchi) for v in history(pid)] == [(days_ago(JOINED), OLD_BANCHI),
                                                                (days_ago(MOVED), NEW_BANCHI)]
    assert_consistent_with_household(pid, head, since=days_ago(JOINED))


def test_a_back_dated_move_in_joining_the_household_follows_its_move(city, clerk, approver, family):
    """転入 (住基法22条) into a household: at its address of the 転入日, then its 転居."""
    head, _ = family
    move_household(city, clerk, approver, family)
    items = move_in_items(city, [incoming(relationship="husband_father")], household="join",
                          join_household_no=head.household_id, town_block=city.blocks[0].code, banchi=OLD_BANCHI,
                          planned_move_out_on=days_ago(JOINED).isoformat())
    change = apply(clerk, approver, "move_in", items, effective_on=days_ago(JOINED), notified_on=days_ago(MOVED))
    (pid,) = change.persons
    v1, v2 = history(pid)
    assert v1.previous_address == "東京都新宿区西新宿二丁目8番1号" and v1.pre_move_in_address == v1.previous_address
    assert v2.pre_move_in_address == v1.pre_move_in_address  # 転入前住所 stays; 前住所 is the old address here
    assert v2.previous_address == current(head.person_id).previous_address
    assert_consistent_with_household(pid, head, since=days_ago(JOINED))


def test_a_back_dated_move_within_into_the_household_follows_its_move(city, clerk, approver, family):
    """転居 (住基法23条) into another household: the mover joins it at its address of the 転居日."""
    head, _ = family
    (other,) = add_household(city, [{"given_name": "次郎", "given_name_kana": "ジロウ"}], block=2, banchi="9番9号")
    move_household(city, clerk, approver, family)
    change = apply(clerk, approver, "move_within", {
        "persons": [other.person_id], "town_block": city.blocks[0].code, "banchi": OLD_BANCHI, "household": "join",
        "join_household_no": head.household_id, "relationships": {str(other.person_id): "younger_brother"},
    }, effective_on=days_ago(JOINED), notified_on=days_ago(MOVED))
    assert [(v.valid_from, v.banchi, v.change_reason) for v in history(other.person_id)] == [
        (dt.date(2015, 4, 1), "9番9号", "initial"), (days_ago(JOINED), OLD_BANCHI, "move_within"),
        (days_ago(MOVED), NEW_BANCHI, "move_within")]
    assert_consistent_with_household(other.person_id, head, since=days_ago(JOINED))
    assert change.persons == [other.person_id]


def test_a_restoration_into_the_former_household_follows_its_later_move(city, clerk, approver):
    """回復 (施行令12条3項) dated back to the removal: back in the household at its address of that
    day, then with it at its new address."""
    head, wife, kid = add_household(city, [{}, {"relationship": "wife"}, {"given_name": "三郎"}], banchi=OLD_BANCHI)
    apply(clerk, approver, "ex_officio_removal", {"persons": [kid.person_id], "grounds": "no_residence",
                                                  "reason": "実態調査により居住の事実なし"},
          effective_on=days_ago(JOINED), notified_on=None)
    move_household(city, clerk, approver, [head, wife])
    apply(clerk, approver, "restoration", {"persons": [kid.person_id], "reason": "誤って消除したため"},
          effective_on=days_ago(JOINED), notified_on=None)
    assert [(v.valid_from, v.status, v.banchi) for v in history(kid.person_id)][1:] == [
        (days_ago(JOINED), "removed", OLD_BANCHI), (days_ago(JOINED), "resident", OLD_BANCHI),
        (days_ago(MOVED), "resident", NEW_BANCHI)]
    assert_consistent_with_household(kid.person_id, head, since=days_ago(JOINED), joined=False)


def test_a_back_dated_addition_before_a_change_of_householder_is_refused(city, clerk, approver, family):
    """The 続柄 is to the 世帯主 (住基法7条4号): it cannot be carried past a later 世帯主変更, so
    the addition is refused with a stable code and nothing is written."""
    head, wife = family
    apply(clerk, approver, "household_change", {
        "variant": "head_change", "household_no": head.household_id,
        "relationships": {str(wife.person_id): "householder", str(head.person_id): "husband"},
    }, effective_on=days_ago(MOVED), notified_on=days_ago(MOVED))
    persons, changes = Person.objects.count(), Change.objects.count()
    with refused("JOIN_BEFORE_HOUSEHOLDER_CHANGE") as exc:
        enter(clerk, "birth", birth_items(head.household_id), effective_on=days_ago(JOINED))
    assert exc.value.field == "household_no"
    assert (Person.objects.count(), Change.objects.count()) == (persons, changes)
    # On or after the 世帯主変更 it is accepted.
    apply(clerk, approver, "birth", birth_items(head.household_id), effective_on=days_ago(MOVED))


def test_joining_a_household_that_did_not_exist_on_the_effective_date_is_refused(city, clerk):
    (head,) = add_household(city, [{}], since=days_ago(MOVED))
    with refused("JOIN_HOUSEHOLD_NOT_ON_DATE"):
        enter(clerk, "birth", birth_items(head.household_id), effective_on=days_ago(JOINED))
