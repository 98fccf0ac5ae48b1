"""転出 and 国外転出 (住民基本台帳法24条) and the 転出証明書 data (住基法施行令23条)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.errors import JukiError
from juki.register import entry_rules
from juki.register.models import Household
from juki.register.move_out import move_out_certificate_data
from juki.register.my_numbers import reveal

from .moves_helpers import (
    OTHER_DOMICILE,
    OWN_DOMICILE,
    a_code,
    a_number,
    apply,
    current,
    days_ago,
    enter,
    event_counts,
    refused,
)

pytestmark = pytest.mark.django_db

DESTINATION = "東京都新宿区西新宿二丁目8番1号"


@pytest.fixture
def city():
    return small_city()


def out(persons, **overrides):
    items = {"persons": persons, "destination_address": DESTINATION, "destination_householder": "転出\u3000先"}
    items.update(overrides)
    return items


def test_a_planned_move_out_removes_the_record_on_the_planned_date(city, clerk, approver):
    """住基法24条: 転出 is notified in advance with 転出先 and 転出の予定年月日; the record is removed
    as of that date and kept as a 除票 for 150 years (住基法施行令34条)."""
    head, child = add_household(city, [{}, {}])
    planned = clock.today() + dt.timedelta(days=5)
    change = apply(clerk, approver, "move_out", out([head.person_id, child.person_id]), effective_on=planned)

    removed = current(head.person_id)
    assert (removed.version, removed.status, removed.removal_reason) == (2, "removed", "move_out")
    assert removed.valid_from == planned and removed.removed_on == planned
    assert removed.removal_notified_on == clock.today()
    assert removed.retention_until == entry_rules.retention_until(planned)
    assert removed.retention_until.year - planned.year == 150
    assert removed.planned_move_out_address == DESTINATION and removed.planned_move_out_on == planned
    assert removed.planned_move_out_householder == "転出\u3000先"
    assert removed.planned_move_out_notified_on == clock.today()
    assert removed.household_id == head.household_id and removed.family_name == head.family_name
    assert Household.objects.get(pk=head.household_id).dissolved_on == planned
    assert event_counts(change) == {"identity_update": 2, "intra_office": 2}
    assert change.events.filter(kind="identity_update").first().payload["status"] == "removed"


def test_part_of_a_household_moves_out_and_the_rest_stays(city, clerk, approver):
    """住基法24条: only those moving out are removed; the household goes on with its householder."""
    head, child = add_household(city, [{}, {}])
    apply(clerk, approver, "move_out", out([child.person_id]), effective_on=days_ago(1))
    assert current(child.person_id).status == "removed"
    assert current(head.person_id).version == 1
    assert Household.objects.get(pk=head.household_id).dissolved_on is None


def test_a_move_out_notified_after_the_fact_beyond_14_days_is_flagged(city, clerk):
    """住基法24条 requires notice in advance; a notice after moving is accepted within the 14 days
    of 22〜24条 practice and flagged beyond them."""
    (head,) = add_household(city, [{}])
    change = enter(clerk, "move_out", out([head.person_id]), effective_on=days_ago(20))
    assert change.late_notification


def test_a_planned_date_far_ahead_is_accepted_with_a_warning(city, clerk):
    """住基法24条: 転出の予定年月日 — accepted, but a date far ahead is pointed out to the approver."""
    (head,) = add_household(city, [{}])
    change = enter(clerk, "move_out", out([head.person_id]), effective_on=clock.today() + dt.timedelta(days=40))
    assert not change.late_notification and any("予定日" in w for w in change.warnings)


def test_the_householder_cannot_leave_the_others_without_a_householder(city, clerk):
    """住基法25条: when the householder leaves and others stay, the 世帯主変更 is processed first,
    so the household left behind always has exactly one householder."""
    head, child = add_household(city, [{}, {}])
    with refused("MOVE_OUT_HOUSEHOLDER_LEAVES"):
        enter(clerk, "move_out", out([head.person_id]))


def test_a_removed_person_cannot_move_out_again(city, clerk, approver):
    """住基法施行令12条・13条: a removed record changes only through 回復 or 修正."""
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "move_out", out([head.person_id]), effective_on=days_ago(1))
    with refused("CHANGE_PERSON_REMOVED"):
        enter(clerk, "move_out", out([head.person_id]))


def test_persons_of_different_households_move_out_separately(city, clerk):
    """住基法24条 / 7条4号: one 転出 moves persons of one household."""
    (a,) = add_household(city, [{}])
    (b,) = add_household(city, [{}], block=1)
    with refused("MOVE_PERSONS_DIFFERENT_HOUSEHOLDS"):
        enter(clerk, "move_out", out([a.person_id, b.person_id]))


def test_the_destination_is_required(city, clerk):
    """住基法24条: 転出先 is one of the three items of the 転出届."""
    (head,) = add_household(city, [{}])
    with refused("CHANGE_ITEM_INVALID", field="destination_address"):
        enter(clerk, "move_out", out([head.person_id], destination_address=""))


def test_a_move_out_accepts_only_its_own_items(city, clerk):
    """住基法24条: the 転出届 carries 氏名, 転出先 and 予定年月日 only (docs/register.md: only its own items)."""
    (head,) = add_household(city, [{}])
    with refused("CHANGE_ITEM_NOT_ALLOWED", field="town_block"):
        enter(clerk, "move_out", out([head.person_id], town_block=city.blocks[1].code))


def test_the_notification_date_cannot_be_in_the_future(city, clerk):
    """住基法24条: the 届出日 is the day of the notification, never ahead of today."""
    (head,) = add_household(city, [{}])
    with refused("CHANGE_NOTIFIED_IN_FUTURE"):
        enter(clerk, "move_out", out([head.person_id]), effective_on=clock.today() + dt.timedelta(days=3),
              notified_on=clock.today() + dt.timedelta(days=1))


# --- 国外転出 --------------------------------------------------------------------------------

def test_a_move_abroad_removes_the_record_and_tells_the_domicile_municipality(city, clerk, approver):
    """住基法24条 (転出届, 国外へ) and 19条1項: the 附票 records the 国外転出, so the domicile
    municipality is told when it is another one."""
    (head,) = add_household(city, [{"domicile": OTHER_DOMICILE}])
    change = apply(clerk, approver, "move_abroad", out([head.person_id], destination_address="フランス共和国"),
                   effective_on=days_ago(1))
    rec = current(head.person_id)
    assert (rec.status, rec.removal_reason, rec.change_reason) == ("removed", "move_abroad", "move_abroad")
    assert event_counts(change) == {"identity_update": 1, "intra_office": 1, "fuhyo_notice": 1}
    fuhyo = change.events.get(kind="fuhyo_notice")
    assert fuhyo.payload["moved_abroad_to"] == "フランス共和国" and fuhyo.payload["domicile"] == OTHER_DOMICILE


def test_no_fuhyo_notice_for_a_domicile_in_this_municipality(city, clerk, approver):
    """住基法19条1項: the notice is for the domicile municipality when it is another one."""
    (head,) = add_household(city, [{"domicile": OWN_DOMICILE}])
    change = apply(clerk, approver, "move_abroad", out([head.person_id]), effective_on=days_ago(1))
    assert "fuhyo_notice" not in event_counts(change)


# --- 転出証明書 ------------------------------------------------------------------------------

def test_the_move_out_certificate_carries_the_items_of_the_removed_record(city, clerk, approver):
    """住基法施行令23条: 氏名, 生年月日, 性別, 世帯主・続柄, 本籍・筆頭者, 住民票コード, 個人番号,
    転出先 and 転出の予定年月日 — the My Number sealed, never in clear."""
    head, wife = add_household(city, [
        {"resident_code": a_code(1), "my_number": a_number(1), "domicile": OTHER_DOMICILE, "domicile_head": "試験\u3000太郎1"},
        {"given_name": "花子", "sex": 2, "relationship": "wife", "resident_code": a_code(2)},
    ])
    planned = clock.today() + dt.timedelta(days=3)
    apply(clerk, approver, "move_out", out([head.person_id, wife.person_id]), effective_on=planned)

    data = move_out_certificate_data(head.person_id)
    assert data["name"]["full_name"] == "試験\u3000太郎1" and data["sex"]["label"] == "男"
    assert data["birth"]["date"] == "1980-05-01"
    assert data["address"] == "秋田県秋田市山王一丁目1番1号"
    assert data["move_out"] == {"destination": DESTINATION, "destination_householder": "転出\u3000先",
                                "planned_on": planned.isoformat(), "notified_on": clock.today().isoformat()}
    assert data["householder"] == "試験\u3000太郎1" and data["relationship"]["label"] == "世帯主"
    assert data["domicile"] == {"domicile": OTHER_DOMICILE, "head": "試験\u3000太郎1"}
    assert data["resident_code"] == a_code(1) and data["issuer"]["lg_code"] == "052019"
    assert reveal(base64.b64decode(data["my_number"]["sealed"]), data["my_number"]["addressee_no"]) == a_number(1)
    assert a_number(1) not in json.dumps(data)
    assert move_out_certificate_data(wife.person_id)["householder"] == "試験\u3000太郎1"
    assert move_out_certificate_data(wife.person_id)["my_number"] is None


def test_a_foreign_residents_certificate_carries_the_30_45_items(city, clerk, approver):
    """住基法施行令23条 / 30条の45: the foreign-resident items go on the certificate."""
    (head,) = add_household(city, [{"resident_kind": "foreign", "nationality": "ベトナム", "foreign_category": "mid_long_term",
                                    "residence_status": "student", "residence_card_no": "AB12345678CD"}])
    apply(clerk, approver, "move_out", out([head.person_id]), effective_on=days_ago(1))
    data = move_out_certificate_data(head.person_id)
    assert data["foreign"]["nationality"] == "ベトナム" and data["foreign"]["residence_card_no"] == "AB12345678CD"
    assert "domicile" not in data


@pytest.mark.parametrize("kind", [None, "move_abroad"])
def test_there_is_no_certificate_without_a_move_out(city, clerk, approver, kind):
    """住基法24条・施行令23条: the certificate is issued on a 転出 (not for residents or 国外転出)."""
    (head,) = add_household(city, [{}])
    if kind:
        apply(clerk, approver, kind, out([head.person_id]), effective_on=days_ago(1))
    with pytest.raises(JukiError) as exc:
        move_out_certificate_data(head.person_id)
    assert exc.value.code == "MOVE_OUT_CERTIFICATE_NOT_MOVED_OUT"


def test_a_move_out_cannot_take_effect_before_the_current_version(city, clerk, approver):
    """History (docs/register-history.md): a new version never takes effect before the one it follows, so the
    record as of any date is reproducible from the versions."""
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "move_within", {"persons": [head.person_id], "town_block": city.blocks[1].code},
          effective_on=days_ago(3))
    with refused("CHANGE_BEFORE_CURRENT_VERSION", field="effective_on"):
        enter(clerk, "move_out", out([head.person_id]), effective_on=days_ago(10))
