"""回復 (restoring a record removed in error, 住基法施行令12条3項)."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.core import clock
from juki.core.errors import JukiError
from juki.register import entry_rules
from juki.register.models import (
    ChangeReason,
    Household,
    OutboxEvent,
    RecordStatus,
    ResidentRecord,
)
from juki.register.my_numbers import reveal

from ..factories import add_household, small_city
from .ex_officio_helpers import a_my_number, a_resident_code, apply, enter

pytestmark = pytest.mark.django_db
REASON = "死亡届の対象者を取り違えて消除したため"
REMOVAL = {"grounds": "no_residence", "reason": "実態調査により居住の事実なし"}


@pytest.fixture
def city():
    return small_city()


def current(pid):
    return ResidentRecord.objects.get(person_id=pid, is_current=True)


def remove(clerk, approver, persons, **over):
    return apply(clerk, approver, "ex_officio_removal", {"persons": persons, **REMOVAL, **over},
                 effective_on=clock.today() - dt.timedelta(days=5))


def test_an_erroneously_removed_record_is_restored_with_its_items(city, clerk, approver):
    """施行令12条3項: a record removed in error is restored — resident again, with the items of
    the last resident version, its resident code and My Number, in its household (which had
    ended with the removal and is in being again)."""
    code, number = a_resident_code("6666666666"), a_my_number("77777777777")
    (head,) = add_household(city, [{"resident_code": code, "my_number": number, "katagaki": "メゾン101"}])
    remove(clerk, approver, [head.person_id])
    assert Household.objects.get(pk=head.household_id).dissolved_on is not None

    change = apply(clerk, approver, "restoration", {"persons": [head.person_id], "reason": REASON},
                   effective_on=clock.today() - dt.timedelta(days=5))
    rec = current(head.person_id)
    assert rec.version == 3 and rec.change_reason == ChangeReason.RESTORATION
    assert rec.status == RecordStatus.RESIDENT and not rec.removal_reason
    assert rec.removed_on is None and rec.retention_until is None
    assert (rec.household_id, rec.relationship, rec.katagaki, rec.resident_code) == (
        head.household_id, "householder", "メゾン101", code)
    assert reveal(bytes(rec.my_number_enc), head.person_id) == number
    assert Household.objects.get(pk=head.household_id).dissolved_on is None
    assert OutboxEvent.objects.get(change=change, kind="identity_update").payload["status"] == "resident"
    # the removal stays visible in history
    assert ResidentRecord.objects.get(person_id=head.person_id, version=2).status == RecordStatus.REMOVED


def test_only_removed_records_are_restored(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [head.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_NOT_REMOVED"


def test_a_correction_of_the_removed_record_is_kept_by_the_restoration(city, clerk, approver):
    (head,) = add_household(city, [{"given_name": "太朗"}])
    remove(clerk, approver, [head.person_id])
    apply(clerk, approver, "ex_officio_correction",
          {"person": head.person_id, "reason": "誤記", "corrections": {"given_name": "太郎"}})
    apply(clerk, approver, "restoration", {"persons": [head.person_id], "reason": REASON})
    rec = current(head.person_id)
    assert rec.status == RecordStatus.RESIDENT and rec.given_name == "太郎"


def test_a_resident_code_now_on_another_record_blocks_the_restoration(city, clerk, approver):
    """The restored numbers must not be on another current record meanwhile. (The database keeps
    a current code unique, so this arises when the 除票 itself no longer carries it — here a
    migrated removed version without the code.)"""
    code = a_resident_code("8888888888")
    (head,) = add_household(city, [{"resident_code": code}])
    ResidentRecord.objects.filter(pk=head.pk).update(is_current=False)
    removed_on = dt.date(2020, 2, 2)
    fields = {f.attname: getattr(head, f.attname) for f in ResidentRecord._meta.concrete_fields if f.name != "id"}
    fields.update(version=2, is_current=True, valid_from=removed_on, status=RecordStatus.REMOVED,
                  removal_reason="death", removed_on=removed_on, retention_until=entry_rules.retention_until(removed_on),
                  resident_code="")
    ResidentRecord.objects.create(**fields)
    (other,) = add_household(city, [{"resident_code": code}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [head.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_RESIDENT_CODE_IN_USE" and str(other.person_id) in exc.value.message


def test_a_my_number_now_on_another_record_blocks_the_restoration(city, clerk, approver):
    number = a_my_number("99999999999")
    (head,) = add_household(city, [{"my_number": number}])
    ResidentRecord.objects.filter(pk=head.pk).update(is_current=False)
    removed_on = dt.date(2020, 2, 2)
    fields = {f.attname: getattr(head, f.attname) for f in ResidentRecord._meta.concrete_fields if f.name != "id"}
    fields.update(version=2, is_current=True, valid_from=removed_on, status=RecordStatus.REMOVED,
                  removal_reason="death", removed_on=removed_on, retention_until=entry_rules.retention_until(removed_on),
                  my_number_enc=None, my_number_index="")
    ResidentRecord.objects.create(**fields)
    add_household(city, [{"my_number": number}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [head.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_MY_NUMBER_IN_USE"


def test_restoring_a_householder_into_a_household_with_a_new_householder(city, clerk, approver):
    """Household invariant: exactly one 世帯主 after the restoration."""
    head, wife = add_household(city, [{}, {"relationship": "wife"}])
    remove(clerk, approver, [head.person_id], new_householder=wife.person_id)
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [head.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_HOUSEHOLDER_CONFLICT"

    apply(clerk, approver, "restoration",
          {"persons": [head.person_id], "reason": REASON, "relationships": {str(head.person_id): "husband"}})
    rec = current(head.person_id)
    assert (rec.household_id, rec.relationship) == (head.household_id, "husband")
    assert current(wife.person_id).relationship == "householder"
    assert rec.listing_order == 2  # order 1 is taken by the householder


def test_a_whole_household_is_restored_together(city, clerk, approver):
    head, child = add_household(city, [{}, {}])
    remove(clerk, approver, [head.person_id, child.person_id])
    with pytest.raises(JukiError) as exc:  # the child alone would be a household without householder
        enter(clerk, "restoration", {"persons": [child.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_HOUSEHOLDER_MISSING"
    apply(clerk, approver, "restoration", {"persons": [head.person_id, child.person_id], "reason": REASON})
    assert [current(p).relationship for p in (head.person_id, child.person_id)] == ["householder", "child"]
    assert Household.objects.get(pk=head.household_id).dissolved_on is None


def test_restoring_into_a_household_that_moved_meanwhile_is_refused_or_done_as_a_new_household(city, clerk, approver):
    head, child = add_household(city, [{}, {}])
    remove(clerk, approver, [child.person_id])
    apply(clerk, approver, "move_within", {"persons": [head.person_id], "town_block": city.blocks[1].code},
          notified_on=clock.today())
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [child.person_id], "reason": REASON})
    assert exc.value.code == "RESTORATION_ADDRESS_MISMATCH"

    apply(clerk, approver, "restoration", {"persons": [child.person_id], "reason": REASON, "household": "new",
                                           "relationships": {str(child.person_id): "householder"}})
    rec = current(child.person_id)
    assert rec.household_id != head.household_id and rec.relationship == "householder"
    assert rec.town_block_id == city.blocks[0].pk  # the address before the removal


def test_the_restoration_may_be_dated_back_to_the_removal(city, clerk, approver):
    """A restoration given the removal's 異動日 undoes the removal for every day since."""
    (head,) = add_household(city, [{}])
    remove(clerk, approver, [head.person_id])
    removal_day = current(head.person_id).valid_from
    with pytest.raises(JukiError) as exc:
        enter(clerk, "restoration", {"persons": [head.person_id], "reason": REASON},
              effective_on=removal_day - dt.timedelta(days=1))
    assert exc.value.code == "CHANGE_BEFORE_CURRENT_VERSION"
    change = apply(clerk, approver, "restoration", {"persons": [head.person_id], "reason": REASON},
                   effective_on=removal_day)
    assert change.notified_on is None
    assert current(head.person_id).valid_from == removal_day
