"""職権修正 (ex officio correction, 住基法施行令12条3項): correct wrong items, keep them in history."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.core import clock
from juki.core.errors import JukiError
from juki.register import entry_rules
from juki.register.models import OutboxEvent, RecordStatus, ResidentRecord

from ..factories import add_household, small_city
from .ex_officio_helpers import apply, enter

pytestmark = pytest.mark.django_db
REASON = "戸籍の記載と照合した結果、誤記が判明したため"


@pytest.fixture
def city():
    return small_city()


def removed(city, removed_on=dt.date(2020, 1, 10), **over):
    (rec,) = add_household(city, [{"status": RecordStatus.REMOVED, "removal_reason": "death", "removed_on": removed_on,
                                   "retention_until": entry_rules.retention_until(removed_on), **over}])
    return rec


def test_a_wrong_name_is_corrected_and_the_wrong_value_stays_in_history(city, clerk, approver):
    """施行令12条3項: the mayor corrects an error ex officio; the record's history keeps what was
    recorded before (the wrong version is superseded, never overwritten)."""
    (head,) = add_household(city, [{"given_name": "太朗"}])
    change = apply(clerk, approver, "ex_officio_correction",
                   {"person": head.person_id, "reason": REASON, "corrections": {"given_name": "太郎"}})

    wrong = ResidentRecord.objects.get(pk=head.pk)
    right = ResidentRecord.objects.get(person_id=head.person_id, is_current=True)
    assert wrong.given_name == "太朗" and not wrong.is_current
    assert right.given_name == "太郎" and right.version == 2 and right.change_reason == "ex_officio_correction"
    assert right.notified_on is None and right.name_key == "試験太郎"
    # The change records which items were corrected, from what to what, and why.
    assert change.payload == {"person": head.person_id, "reason": REASON, "corrections": {"given_name": "太郎"},
                              "cleared": []}
    (diff,) = change.after
    assert diff["changes"] == {"given_name": {"before": "太朗", "after": "太郎"}}
    linkage = OutboxEvent.objects.get(change=change, kind="intra_office")
    assert linkage.payload["corrected"] == ["名"] and linkage.payload["correction_reason"] == REASON
    assert OutboxEvent.objects.filter(change=change, kind="identity_update").exists()


def test_the_reason_is_required(city, clerk):
    """A correction without its reason cannot be entered (施行令12条3項; the reason is kept)."""
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "corrections": {"given_name": "次郎"}})
    assert exc.value.code == "CHANGE_ITEM_INVALID" and exc.value.field == "reason"
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "reason": "  ", "corrections": {"given_name": "次郎"}})
    assert exc.value.field == "reason"


@pytest.mark.parametrize("item", ["resident_code", "my_number", "household_id", "status", "retention_until"])
def test_identity_numbers_household_and_status_are_not_correctable(city, clerk, item):
    """Resident code and My Number change through their own kinds (住基法30条の4, 番号法7条2項);
    household and status through 世帯変更・消除・回復."""
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "reason": REASON, "corrections": {item: "1"}})
    assert exc.value.code == "CHANGE_ITEM_NOT_ALLOWED" and exc.value.field == f"corrections.{item}"


def test_a_removed_record_is_corrected_and_stays_removed(city, clerk, approver):
    """Removed persons change only through 回復 or 修正: a 除票 may be corrected, it stays a 除票;
    a corrected removal date moves the retention date with it (施行令34条)."""
    rec = removed(city)
    apply(clerk, approver, "ex_officio_correction", {
        "person": rec.person_id, "reason": REASON,
        "corrections": {"family_name": "試暸", "removed_on": "2020-01-08"},
    })
    cur = ResidentRecord.objects.get(person_id=rec.person_id, is_current=True)
    assert cur.status == RecordStatus.REMOVED and cur.family_name == "試暸"
    assert cur.removed_on == dt.date(2020, 1, 8) and cur.retention_until == dt.date(2170, 1, 8)


def test_other_changes_of_a_removed_record_are_refused(city, clerk):
    rec = removed(city)
    with pytest.raises(JukiError) as exc:
        enter(clerk, "move_within", {"persons": [rec.person_id], "town_block": city.blocks[1].code},
              notified_on=clock.today())
    assert exc.value.code == "CHANGE_PERSON_REMOVED"


def test_removal_items_are_corrected_only_on_removed_records(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": head.person_id, "reason": REASON, "corrections": {"removed_on": "2020-01-01"}})
    assert exc.value.code == "CORRECTION_NOT_REMOVED"


def test_the_householder_is_not_changed_by_a_correction(city, clerk, approver):
    """世帯主の変更 is a household change (住基法25条), not a correction; other 続柄 may be corrected."""
    head, child = add_household(city, [{}, {}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": child.person_id, "reason": REASON, "corrections": {"relationship": "householder"}})
    assert exc.value.code == "CORRECTION_HOUSEHOLDER"
    apply(clerk, approver, "ex_officio_correction",
          {"person": child.person_id, "reason": REASON, "corrections": {"relationship": "grandchild"}})
    assert ResidentRecord.objects.get(person_id=child.person_id, is_current=True).relationship == "grandchild"


def test_a_birth_date_is_corrected_to_an_unknown_day(city, clerk, approver):
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "ex_officio_correction", {
        "person": head.person_id, "reason": REASON,
        "corrections": {"birth_date_precision": "year_month", "birth_date_note": "日不詳"},
    })
    cur = ResidentRecord.objects.get(person_id=head.person_id, is_current=True)
    assert (cur.birth_year, cur.birth_month, cur.birth_day, cur.birth_date_precision) == (1980, 5, None, "year_month")


def test_an_impossible_corrected_birth_date_is_refused(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": head.person_id, "reason": REASON, "corrections": {"birth_month": 2, "birth_day": 30}})
    assert exc.value.code == "BIRTH_DATE_INVALID"


def test_an_address_correction_takes_a_known_town_block(city, clerk, approver):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": head.person_id, "reason": REASON, "corrections": {"town_block": "9999999"}})
    assert exc.value.code == "TOWN_BLOCK_UNKNOWN"
    apply(clerk, approver, "ex_officio_correction",
          {"person": head.person_id, "reason": REASON, "corrections": {"banchi": "1番10号"}})
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).banchi == "1番10号"


def test_an_item_is_cleared_explicitly(city, clerk, approver):
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "ex_officio_correction",
          {"person": head.person_id, "reason": REASON, "cleared": ["address_established_on"]})
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).address_established_on is None


def test_a_correction_that_changes_nothing_is_refused(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "reason": REASON, "corrections": {}})
    assert exc.value.code == "CORRECTION_NOTHING"
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": head.person_id, "reason": REASON, "corrections": {"given_name": head.given_name}})
    assert exc.value.code == "CORRECTION_NO_DIFFERENCE"


def test_a_correction_may_not_take_effect_before_the_current_version(city, clerk):
    """The current record must stay the record in force today (history order)."""
    (head,) = add_household(city, [{}], since=dt.date(2015, 4, 1))
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "reason": REASON,
                                               "corrections": {"given_name": "次郎"}}, effective_on=dt.date(2015, 3, 31))
    assert exc.value.code == "CHANGE_BEFORE_CURRENT_VERSION"


def test_a_japanese_resident_gets_no_foreign_items_by_correction(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction",
              {"person": head.person_id, "reason": REASON, "corrections": {"nationality": "韓国"}})
    assert exc.value.code == "JAPANESE_NO_FOREIGN_ITEMS"


def test_only_optional_items_may_be_cleared(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_correction", {"person": head.person_id, "reason": REASON, "cleared": ["family_name"]})
    assert exc.value.code == "CORRECTION_NOT_CLEARABLE" and exc.value.field == "cleared"
