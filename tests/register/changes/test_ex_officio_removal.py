"""職権消除 (ex officio removal, 住基法8条・施行令12条2項): e.g. no actual residence found."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError
from juki.register import entry_rules
from juki.register.models import Change, Household, OutboxEvent, RecordStatus, ResidentRecord

from ..factories import add_household, small_city
from .ex_officio_helpers import apply, enter

pytestmark = pytest.mark.django_db
REASON = "実態調査（3回訪問）により居住の事実が確認できないため"


@pytest.fixture
def city():
    return small_city()


def removal(persons, **over):
    return {"persons": persons, "grounds": "no_residence", "reason": REASON, **over}


def current(rec):
    return ResidentRecord.objects.get(person_id=rec.person_id, is_current=True)


def test_a_person_without_actual_residence_is_removed_and_kept_150_years(city, clerk, approver):
    """施行令12条2項: removal ex officio; 施行令34条: the 除票 is kept 150 years from removal."""
    (head,) = add_household(city, [{}])
    day = clock.today() - dt.timedelta(days=2)
    change = apply(clerk, approver, "ex_officio_removal", removal([head.person_id]), effective_on=day)

    rec = current(head)
    assert (rec.status, rec.removal_reason, rec.removed_on) == (RecordStatus.REMOVED, "ex_officio", day)
    assert rec.retention_until == entry_rules.retention_until(day) == entry_rules.add_years(day, 150)
    assert rec.change_reason == "ex_officio_removal" and rec.notified_on is None and rec.removal_notified_on is None
    assert (rec.household_id, rec.relationship) == (head.household_id, "householder")  # as it was
    assert Household.objects.get(pk=head.household_id).dissolved_on == day  # no resident left
    kinds = sorted(OutboxEvent.objects.filter(change=change).values_list("kind", flat=True))
    assert kinds == ["identity_update", "intra_office"]
    assert OutboxEvent.objects.get(change=change, kind="identity_update").payload["status"] == "removed"


def test_removing_the_householder_while_others_stay_needs_a_new_householder(city, clerk):
    """Household invariant: the household left behind keeps exactly one 世帯主."""
    head, wife, child = add_household(city, [{}, {"relationship": "wife"}, {}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([head.person_id]))
    assert exc.value.code == "REMOVAL_HOUSEHOLDER_LEAVES" and exc.value.field == "new_householder"
    assert not Change.objects.exists() and current(head).status == RecordStatus.RESIDENT
    refused = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED).last()
    assert refused.detail["code"] == "REMOVAL_HOUSEHOLDER_LEAVES"


def test_the_new_householder_and_the_relationships_to_them_are_restated(city, clerk, approver):
    head, wife, child = add_household(city, [{}, {"relationship": "wife"}, {}])
    with pytest.raises(JukiError) as exc:  # every staying member needs a relationship to the new householder
        enter(clerk, "ex_officio_removal", removal([head.person_id], new_householder=wife.person_id))
    assert exc.value.code == "REMOVAL_RELATIONSHIPS"
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([head.person_id], new_householder=head.person_id))
    assert exc.value.code == "REMOVAL_NEW_HOUSEHOLDER_NOT_MEMBER"

    change = apply(clerk, approver, "ex_officio_removal", removal(
        [head.person_id], new_householder=wife.person_id, relationships={str(child.person_id): "child"}))
    assert sorted(change.persons) == sorted([head.person_id, wife.person_id, child.person_id])
    assert (current(wife).relationship, current(wife).listing_order) == ("householder", 1)
    assert (current(child).relationship, current(child).listing_order) == ("child", 2)
    assert current(head).status == RecordStatus.REMOVED
    assert Household.objects.get(pk=head.household_id).dissolved_on is None


def test_removing_a_member_leaves_the_others_untouched(city, clerk, approver):
    head, child = add_household(city, [{}, {}])
    apply(clerk, approver, "ex_officio_removal", removal([child.person_id]))
    assert current(child).status == RecordStatus.REMOVED
    assert current(head).version == 1


def test_a_new_householder_without_removing_the_householder_is_refused(city, clerk):
    """Changing the householder is a household change (住基法25条), not part of a removal."""
    head, child = add_household(city, [{}, {}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([child.person_id], new_householder=head.person_id))
    assert exc.value.code == "REMOVAL_NEW_HOUSEHOLDER_UNEXPECTED"


def test_a_removed_record_is_not_removed_again(city, clerk, approver):
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "ex_officio_removal", removal([head.person_id]))
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([head.person_id]))
    assert exc.value.code == "CHANGE_PERSON_REMOVED"


def test_persons_of_different_households_are_removed_separately(city, clerk):
    (a,) = add_household(city, [{}])
    (b,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([a.person_id, b.person_id]))
    assert exc.value.code == "REMOVAL_PERSONS_DIFFERENT_HOUSEHOLDS"


def test_grounds_and_reason_are_required(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", {"persons": [head.person_id], "reason": REASON})
    assert exc.value.code == "CHANGE_ITEM_INVALID" and exc.value.field == "grounds"
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", {"persons": [head.person_id], "grounds": "no_residence"})
    assert exc.value.field == "reason"


def test_a_removal_dated_in_the_future_is_refused(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([head.person_id]), effective_on=clock.today() + dt.timedelta(days=1))
    assert exc.value.code == "CHANGE_EFFECTIVE_IN_FUTURE"


def test_no_notification_date_is_needed(city, clerk):
    """職権: there is no notification, so no 届出日 is asked for."""
    (head,) = add_household(city, [{}])
    change = enter(clerk, "ex_officio_removal", removal([head.person_id]))
    assert change.notified_on is None and not change.late_notification


def test_relationships_are_keyed_by_addressee_number(city, clerk):
    head, wife = add_household(city, [{}, {"relationship": "wife"}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_removal", removal([head.person_id], new_householder=wife.person_id,
                                                   relationships={"妻": "householder"}))
    assert exc.value.code == "RELATIONSHIPS_KEY" and exc.value.field == "relationships"
