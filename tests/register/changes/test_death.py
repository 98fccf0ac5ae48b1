"""死亡 (death): removal of the record (戸籍法86条, 住基法施行令12条2項1号), kept 150 years
(住基法施行令34条), and the householder who must follow (住基法25条)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.register.entry_rules import retention_until
from juki.register.models import Household, ResidentRecord
from juki.register.my_numbers import reveal

from .family_foreign_helpers import (
    OTHER_DOMICILE,
    a_my_number,
    a_resident_code,
    apply,
    current,
    enter,
    events,
    kinds_of,
    refused,
)

pytestmark = pytest.mark.django_db

DIED = clock.today() - dt.timedelta(days=3)


@pytest.fixture
def city():
    return small_city()


def test_a_death_removes_the_record_and_keeps_it_150_years(city, clerk, approver):
    """住基法施行令34条: the removed record (除票) is kept 150 years from the day of removal; the
    deceased's My Number stays, sealed, with it (akita digest §3.1 F)."""
    head, child = add_household(city, [{}, {"my_number": a_my_number(), "resident_code": a_resident_code()}])
    change = apply(clerk, approver, "death", {"person": child.person_id}, effective_on=DIED)
    rec = current(child.person_id)
    assert (rec.version, rec.status, rec.removal_reason, rec.removed_on) == (2, "removed", "death", DIED)
    assert rec.retention_until == retention_until(DIED) and rec.retention_until.year == DIED.year + 150
    assert rec.removal_notified_on == clock.today() and rec.change_reason == "death"
    assert reveal(bytes(rec.my_number_enc), child.person_id) == a_my_number()
    old = ResidentRecord.objects.get(pk=child.pk)
    assert not old.is_current and old.status == "resident"
    assert current(head.person_id).version == 1
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["status"] == "removed" and identity.payload["reason"] == "death"
    assert a_my_number() not in str(identity.payload)


def test_the_death_of_the_last_member_ends_the_household(city, clerk, approver):
    """住基法6条: a household without resident members no longer exists (世帯消滅)."""
    (alone,) = add_household(city, [{}])
    apply(clerk, approver, "death", {"person": alone.person_id}, effective_on=DIED)
    assert Household.objects.get(pk=alone.household_id).dissolved_on == DIED


def test_an_unknown_date_of_death_is_recorded_as_written(city, clerk, approver):
    """死亡日不詳 (e.g. 死亡推定): the record keeps the text (消除日不詳文字) with the presumed date."""
    (alone,) = add_household(city, [{}])
    change = apply(clerk, approver, "death", {"person": alone.person_id, "removal_date_note": "令和7年1月頃"},
                   effective_on=DIED)
    assert current(alone.person_id).removal_date_note == "令和7年1月頃"
    assert any("死亡日不詳" in w for w in change.warnings)


def test_when_the_householder_dies_the_only_remaining_member_becomes_householder(city, clerk, approver):
    """住基法25条: a 世帯主変更届 is not needed when the new householder is evident (one member left)."""
    head, wife = add_household(city, [{}, {"relationship": "wife", "sex": 2}])
    change = apply(clerk, approver, "death", {"person": head.person_id}, effective_on=DIED)
    new = current(wife.person_id)
    assert (new.version, new.relationship, new.listing_order) == (2, "householder", 1)
    assert kinds_of(change, wife.person_id) == ["intra_office"]  # no identity item changed
    assert Household.objects.get(pk=head.household_id).dissolved_on is None


def test_when_the_householder_dies_leaving_several_the_new_householder_is_required(city, clerk):
    """住基法25条: who heads the household is the household's choice — the change must name them."""
    head, wife, son = add_household(city, [{}, {"relationship": "wife", "sex": 2}, {}])
    with refused("DEATH_NEW_HOUSEHOLDER_REQUIRED"):
        enter(clerk, "death", {"person": head.person_id}, effective_on=DIED)


def test_the_new_householder_and_relationships_are_applied_in_the_same_change(city, clerk, approver):
    """住基法25条 with 死亡: the new householder and the members' 続柄 to them take effect on the date of death."""
    head, wife, son = add_household(city, [{}, {"relationship": "wife", "sex": 2}, {}])
    change = apply(clerk, approver, "death", {
        "person": head.person_id, "new_householder": wife.person_id,
        "relationships": {str(son.person_id): "child"},
    }, effective_on=DIED)
    w, s = current(wife.person_id), current(son.person_id)
    assert (w.relationship, w.listing_order, w.valid_from) == ("householder", 1, DIED)
    assert (s.relationship, s.listing_order, s.version) == ("child", 2, 2)
    assert current(head.person_id).status == "removed"
    assert sorted(change.persons) == sorted([head.person_id, wife.person_id, son.person_id])


def test_the_new_householder_must_be_a_remaining_member_with_every_relationship_given(city, clerk):
    """Household invariant: one 世帯主 among the members, each with a 続柄 (住基法7条4号)."""
    head, wife, son = add_household(city, [{}, {"relationship": "wife", "sex": 2}, {}])
    (stranger,) = add_household(city, [{}])
    with refused("DEATH_NEW_HOUSEHOLDER_NOT_MEMBER"):
        enter(clerk, "death", {"person": head.person_id, "new_householder": stranger.person_id}, effective_on=DIED)
    with refused("DEATH_RELATIONSHIPS"):
        enter(clerk, "death", {"person": head.person_id, "new_householder": wife.person_id}, effective_on=DIED)
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "death", {"person": head.person_id, "new_householder": wife.person_id,
                               "relationships": {str(son.person_id): "householder"}}, effective_on=DIED)


def test_a_new_householder_is_refused_when_a_member_dies(city, clerk):
    """Only the death of the 世帯主 changes the householder (住基法25条)."""
    head, wife = add_household(city, [{}, {"relationship": "wife", "sex": 2}])
    with refused("DEATH_HOUSEHOLDER_NOT_CHANGING"):
        enter(clerk, "death", {"person": wife.person_id, "new_householder": head.person_id}, effective_on=DIED)


def test_a_removed_person_cannot_die_again(city, clerk):
    """住基法施行令12条・13条: a removed record (除票) changes only through 回復 or 修正."""
    (gone,) = add_household(city, [{"status": "removed", "removal_reason": "move_out", "removed_on": dt.date(2020, 1, 1),
                                     "retention_until": dt.date(2170, 1, 1)}])
    with refused("CHANGE_PERSON_REMOVED"):
        enter(clerk, "death", {"person": gone.person_id}, effective_on=DIED)


def test_a_date_of_death_before_birth_or_before_the_current_record_is_refused(city, clerk, approver):
    """Dates are consistent (docs/register.md): no death before birth, and no removal dated before the
    version in force (the current record stays the record as of today)."""
    (baby,) = add_household(city, [{"birth_year": DIED.year, "birth_month": DIED.month, "birth_day": DIED.day,
                                     "valid_from": DIED}])
    with refused("CHANGE_BEFORE_BIRTH"):
        enter(clerk, "death", {"person": baby.person_id}, effective_on=DIED - dt.timedelta(days=1))
    (moved,) = add_household(city, [{"valid_from": DIED}])
    with refused("CHANGE_BEFORE_CURRENT_VERSION"):
        enter(clerk, "death", {"person": moved.person_id}, effective_on=DIED - dt.timedelta(days=1))


def test_a_death_with_the_domicile_elsewhere_notifies_the_domicile_municipality(city, clerk, approver):
    """住基法19条: the removal is an item of the 附票 kept by the domicile municipality."""
    (alone,) = add_household(city, [{"domicile": OTHER_DOMICILE, "domicile_head": "試験\u3000太郎1"}])
    change = apply(clerk, approver, "death", {"person": alone.person_id}, effective_on=DIED)
    (fuhyo,) = events(change, "fuhyo_notice")
    assert fuhyo.payload["status"] == "removed" and fuhyo.payload["domicile"] == OTHER_DOMICILE


def test_a_death_notification_date_is_optional_because_it_follows_the_family_register(city, clerk, approver):
    """住基法施行令12条2項1号: the record follows the 死亡届 ex officio; no 住基 notification date is needed."""
    (alone,) = add_household(city, [{}])
    apply(clerk, approver, "death", {"person": alone.person_id}, effective_on=DIED, notified_on=None)
    rec = current(alone.person_id)
    assert rec.status == "removed" and rec.notified_on is None
