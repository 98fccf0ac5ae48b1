"""転出取消 (withdrawing a 転出届, 住民基本台帳法24条) and 転出確定 (on the new municipality's
転入通知, 住基法9条1項): the move kinds that touch removed records."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.register import entry_rules
from juki.register.history import record_as_of
from juki.register.models import Household

from .moves_helpers import apply, current, days_ago, enter, event_counts, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def move_out(clerk, approver, persons, effective_on, kind="move_out"):
    return apply(clerk, approver, kind, {"persons": persons, "destination_address": "東京都新宿区西新宿1番1号"},
                 effective_on=effective_on, notified_on=min(effective_on, clock.today()))


def confirm_items(persons, confirmed_on=None, notice_on=None, **overrides):
    items = {"persons": persons, "confirmed_address": "東京都新宿区西新宿二丁目8番1号",
             "confirmed_on": (confirmed_on or days_ago(5)).isoformat(),
             "notice_on": (notice_on or days_ago(1)).isoformat()}
    items.update(overrides)
    return items


# --- 転出取消 -------------------------------------------------------------------------------

def test_cancelling_a_planned_move_out_makes_the_household_resident_again(city, clerk, approver):
    """住基法24条: a 転出届 made in advance is withdrawn when the move does not happen; the record
    is a resident record again with the items it had, and the household is in being again."""
    head, child = add_household(city, [{}, {}])
    planned = clock.today() + dt.timedelta(days=7)
    move_out(clerk, approver, [head.person_id, child.person_id], planned)
    assert Household.objects.get(pk=head.household_id).dissolved_on is not None

    change = apply(clerk, approver, "move_out_cancel", {"persons": [head.person_id, child.person_id]},
                   effective_on=planned)

    back = current(head.person_id)
    assert (back.version, back.status, back.removal_reason) == (3, "resident", "")
    assert back.removed_on is None and back.retention_until is None and back.removal_notified_on is None
    assert back.planned_move_out_address == "" and back.planned_move_out_on is None
    assert (back.household_id, back.relationship, back.listing_order) == (head.household_id, "householder", 1)
    assert (back.town_block_id, back.banchi, back.family_name) == (head.town_block_id, head.banchi, head.family_name)
    assert Household.objects.get(pk=head.household_id).dissolved_on is None
    assert event_counts(change) == {"identity_update": 2, "intra_office": 2}
    assert change.events.filter(kind="identity_update").first().payload["status"] == "resident"
    assert back.valid_from == planned and back.notified_on == clock.today()


def test_after_a_cancelled_move_out_the_person_is_resident_as_of_every_date(city, clerk, approver):
    """住基法24条 / history (docs/register-history.md): the withdrawn removal never took effect, so the record
    as of the planned date and after is the restored resident record."""
    (head,) = add_household(city, [{}])
    planned = clock.today() + dt.timedelta(days=7)
    move_out(clerk, approver, [head.person_id], planned)
    apply(clerk, approver, "move_out_cancel", {"persons": [head.person_id]}, effective_on=planned)
    for on in (clock.today(), planned, planned + dt.timedelta(days=30)):
        assert record_as_of(head.person_id, on).status == "resident"


def test_the_date_of_a_cancel_is_the_date_of_the_move_out_it_withdraws(city, clerk, approver):
    """住基法24条 (転出届の取消): the removal is void from its own 異動日 (転出予定日)."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], clock.today() + dt.timedelta(days=7))
    with refused("MOVE_OUT_CANCEL_DATE", field="effective_on"):
        enter(clerk, "move_out_cancel", {"persons": [head.person_id]}, effective_on=clock.today())


def test_a_member_who_did_not_move_returns_to_the_household(city, clerk, approver):
    """住基法24条: the member comes back to the household that stayed, under its householder."""
    head, child = add_household(city, [{}, {}])
    move_out(clerk, approver, [child.person_id], days_ago(2))
    apply(clerk, approver, "move_out_cancel", {"persons": [child.person_id]}, effective_on=days_ago(2))
    assert current(child.person_id).status == "resident" and current(child.person_id).household_id == head.household_id


def test_a_move_abroad_can_be_cancelled_too(city, clerk, approver):
    """住基法24条: 国外への転出 is a 転出 and is withdrawn the same way."""
    (head,) = add_household(city, [{}])
    planned = clock.today() + dt.timedelta(days=3)
    move_out(clerk, approver, [head.person_id], planned, kind="move_abroad")
    apply(clerk, approver, "move_out_cancel", {"persons": [head.person_id]}, effective_on=planned)
    assert current(head.person_id).status == "resident"


def test_only_a_removal_by_move_out_can_be_cancelled(city, clerk):
    """住基法24条: 転出取消 undoes a 転出; a death or ex-officio removal is undone by 回復 (施行令12条)."""
    removed_on = days_ago(10)
    (dead,) = add_household(city, [{"status": "removed", "removal_reason": "death", "removed_on": removed_on,
                                    "retention_until": entry_rules.retention_until(removed_on)}])
    with refused("MOVE_OUT_CANCEL_NOT_MOVED_OUT"):
        enter(clerk, "move_out_cancel", {"persons": [dead.person_id]}, effective_on=removed_on)


def test_a_resident_has_no_move_out_to_cancel(city, clerk):
    """住基法24条: only a removal by 転出 can be withdrawn."""
    (head,) = add_household(city, [{}])
    with refused("MOVE_OUT_CANCEL_NOT_MOVED_OUT"):
        enter(clerk, "move_out_cancel", {"persons": [head.person_id]}, effective_on=clock.today())


def test_a_move_out_confirmed_by_the_new_municipality_cannot_be_cancelled(city, clerk, approver):
    """住基法9条1項: once the 転入通知 confirms the move, the person lives elsewhere."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    apply(clerk, approver, "move_out_confirm", confirm_items([head.person_id]), effective_on=days_ago(1), notified_on=None)
    with refused("MOVE_OUT_CANCEL_CONFIRMED"):
        enter(clerk, "move_out_cancel", {"persons": [head.person_id]}, effective_on=days_ago(10))


def test_cancelling_into_a_household_that_has_moved_is_refused(city, clerk, approver):
    """住基法24条 / 23条: the household left behind has since moved; the person is not at its address."""
    head, child = add_household(city, [{}, {}])
    move_out(clerk, approver, [child.person_id], days_ago(5))
    apply(clerk, approver, "move_within", {"persons": [head.person_id], "town_block": city.blocks[1].code, "banchi": "9番9号"},
          effective_on=days_ago(2))
    with refused("MOVE_OUT_CANCEL_HOUSEHOLD_MOVED"):
        enter(clerk, "move_out_cancel", {"persons": [child.person_id]}, effective_on=days_ago(5))


def test_cancelling_for_a_member_without_the_householder_who_left_with_them_is_refused(city, clerk, approver):
    """住基法7条4号: the household the person returns to must have exactly one householder."""
    head, child = add_household(city, [{}, {}])
    planned = clock.today() + dt.timedelta(days=3)
    move_out(clerk, approver, [head.person_id, child.person_id], planned)
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "move_out_cancel", {"persons": [child.person_id]}, effective_on=planned)


# --- 転出確定 -------------------------------------------------------------------------------

def test_the_move_in_notice_confirms_the_move_out_on_the_removed_record(city, clerk, approver):
    """住基法9条1項: the new municipality's 転入通知 gives the confirmed address and date, recorded
    on the 除票 (転出確定住所・転出確定日・転出確定通知日). Processed on the notice (no 届出日)."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    notice_on = days_ago(1)
    change = apply(clerk, approver, "move_out_confirm",
                   confirm_items([head.person_id], confirmed_on=days_ago(10), notice_on=notice_on),
                   effective_on=notice_on, notified_on=None)
    rec = current(head.person_id)
    assert (rec.version, rec.status, rec.removal_reason) == (3, "removed", "move_out")
    assert rec.confirmed_move_out_address == "東京都新宿区西新宿二丁目8番1号"
    assert rec.confirmed_move_out_on == days_ago(10) and rec.confirmed_move_out_notice_on == notice_on
    assert rec.retention_until == entry_rules.retention_until(days_ago(10))
    assert event_counts(change) == {"identity_update": 1, "intra_office": 1}
    assert not change.warnings


def test_a_confirmed_date_other_than_the_planned_one_is_pointed_out(city, clerk, approver):
    """住基法9条1項: the 転入通知's date may differ from the planned date; the approver is told."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    change = enter(clerk, "move_out_confirm", confirm_items([head.person_id], confirmed_on=days_ago(6)),
                   effective_on=days_ago(1), notified_on=None)
    assert any("転出予定日" in w for w in change.warnings)


def test_a_move_abroad_is_not_confirmed_by_a_move_in_notice(city, clerk, approver):
    """住基法9条1項: a 転入通知 comes from a municipality in Japan."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10), kind="move_abroad")
    with refused("MOVE_OUT_CONFIRM_NOT_MOVED_OUT"):
        enter(clerk, "move_out_confirm", confirm_items([head.person_id]), effective_on=days_ago(1), notified_on=None)


def test_a_resident_cannot_be_confirmed_as_moved_out(city, clerk):
    """住基法9条1項: a 転入通知 confirms a 転出 already recorded."""
    (head,) = add_household(city, [{}])
    with refused("MOVE_OUT_CONFIRM_NOT_MOVED_OUT"):
        enter(clerk, "move_out_confirm", confirm_items([head.person_id]), effective_on=days_ago(1), notified_on=None)


def test_a_move_out_is_confirmed_only_once(city, clerk, approver):
    """住基法9条1項: a second 転入通知 for the same move is an error, corrected ex officio (職権修正, 住基法施行令12条)."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    apply(clerk, approver, "move_out_confirm", confirm_items([head.person_id]), effective_on=days_ago(2), notified_on=None)
    with refused("MOVE_OUT_ALREADY_CONFIRMED"):
        enter(clerk, "move_out_confirm", confirm_items([head.person_id]), effective_on=days_ago(1), notified_on=None)


def test_a_notice_arriving_before_the_planned_date_takes_effect_on_the_planned_date(city, clerk, approver):
    """住基法9条1項 with history: the person moved earlier than planned; the confirmation cannot
    take effect before the removal it completes, so its 異動日 is the planned date."""
    (head,) = add_household(city, [{}])
    planned = clock.today() + dt.timedelta(days=5)
    move_out(clerk, approver, [head.person_id], planned)
    items = confirm_items([head.person_id], confirmed_on=days_ago(2), notice_on=clock.today())
    with refused("CHANGE_BEFORE_CURRENT_VERSION", field="effective_on"):
        enter(clerk, "move_out_confirm", items, effective_on=clock.today(), notified_on=None)
    with refused("CHANGE_EFFECTIVE_IN_FUTURE", field="effective_on"):
        enter(clerk, "move_out_confirm", items, effective_on=planned + dt.timedelta(days=1), notified_on=None)
    apply(clerk, approver, "move_out_confirm", items, effective_on=planned, notified_on=None)
    rec = record_as_of(head.person_id, planned + dt.timedelta(days=1))
    assert rec.confirmed_move_out_on == days_ago(2) and rec.confirmed_move_out_notice_on == clock.today()


def test_the_confirmed_date_cannot_follow_the_notice(city, clerk, approver):
    """住基法9条1項: the notice reports a move that has happened."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    with refused("MOVE_OUT_CONFIRM_AFTER_NOTICE", field="confirmed_on"):
        enter(clerk, "move_out_confirm", confirm_items([head.person_id], confirmed_on=clock.today()),
              effective_on=days_ago(1), notified_on=None)


def test_the_notice_date_cannot_be_in_the_future(city, clerk, approver):
    """住基法9条1項: the notice has been received."""
    (head,) = add_household(city, [{}])
    move_out(clerk, approver, [head.person_id], days_ago(10))
    with refused("CHANGE_NOTIFIED_IN_FUTURE", field="notice_on"):
        enter(clerk, "move_out_confirm", confirm_items([head.person_id], notice_on=clock.today() + dt.timedelta(days=1)),
              effective_on=days_ago(1), notified_on=None)
