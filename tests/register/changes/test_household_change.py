"""世帯変更 (住民基本台帳法25条): 世帯主変更, 世帯分離, 世帯合併, 世帯構成変更."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from juki.register.models import Household, ResidentRecord

from .moves_helpers import apply, confirm, current, days_ago, enter, event_counts, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def family(city):
    """世帯主 太郎1, 妻 花子, 子 太郎3, 子 太郎4 at 山王一丁目1番1号."""
    return add_household(city, [{}, {"given_name": "花子", "sex": 2, "relationship": "wife"}, {}, {}])


def change(variant, household_no, **items):
    return {"variant": variant, "household_no": household_no, **items}


def state(record):
    rec = current(record.person_id)
    return rec.household_id, rec.relationship, rec.listing_order


# --- 世帯主変更 -----------------------------------------------------------------------------

def test_a_new_householder_with_every_relationship_re_expressed(family, clerk, approver):
    """住基法25条: 世帯主に変更があった者の届出; relationships are to the new 世帯主, so the clerk
    gives every member's (住基法7条4号)."""
    head, wife, child3, child4 = family
    hh = head.household_id
    done = apply(clerk, approver, "household_change", change("head_change", hh, relationships={
        str(head.person_id): "husband", str(wife.person_id): "householder",
        str(child3.person_id): "child", str(child4.person_id): "child",
    }))
    assert state(wife) == (hh, "householder", 1)
    assert state(head) == (hh, "husband", 2)
    assert state(child3) == (hh, "child", 3) and current(child3.person_id).version == 1  # unchanged: no new version
    new_head = current(wife.person_id)
    assert new_head.version == 2 and new_head.change_reason == "household_change"
    assert new_head.town_block_id == wife.town_block_id and new_head.banchi == wife.banchi
    # household items are neither 本人確認情報 nor 附票 items: intra-office linkage only
    assert event_counts(done) == {"intra_office": 2}


def test_a_head_change_needs_every_members_new_relationship(family, clerk):
    """住基法25条 / 7条4号: all relationships are relative to the new head."""
    head, wife, child3, _ = family
    with refused("HOUSEHOLD_RELATIONSHIPS_INCOMPLETE"):
        enter(clerk, "household_change", change("head_change", head.household_id, relationships={
            str(head.person_id): "husband", str(wife.person_id): "householder", str(child3.person_id): "child",
        }))


def test_a_head_change_that_keeps_the_head_is_refused(family, clerk):
    """住基法25条: 世帯主変更 is a change of 世帯主; keeping the head is not one."""
    head, wife, child3, child4 = family
    with refused("HOUSEHOLD_HEAD_UNCHANGED"):
        enter(clerk, "household_change", change("head_change", head.household_id, relationships={
            str(head.person_id): "householder", str(wife.person_id): "wife"}))


def test_two_householders_are_refused(family, clerk):
    """住基法7条4号: a household has exactly one 世帯主."""
    head, wife, child3, child4 = family
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "household_change", change("head_change", head.household_id, relationships={
            str(head.person_id): "householder", str(wife.person_id): "householder",
            str(child3.person_id): "child", str(child4.person_id): "child",
        }))


def test_relationships_must_be_standard_codes(family, clerk):
    """住基法7条4号: 続柄 in the standard wording of 住民基本台帳事務処理要領 (choices.Relationship)."""
    head, wife, *_ = family
    with refused("HOUSEHOLD_RELATIONSHIP_UNKNOWN", field=f"relationships.{wife.person_id}"):
        enter(clerk, "household_change", change("head_change", head.household_id,
                                                relationships={str(wife.person_id): "長男"}))


def test_a_head_change_takes_no_persons(family, clerk):
    """住基法25条 / docs/register.md: each kind (and variant) accepts only its own items."""
    head, wife, *_ = family
    with refused("CHANGE_ITEM_NOT_ALLOWED", field="persons"):
        enter(clerk, "household_change", change("head_change", head.household_id, persons=[wife.person_id]))


def test_a_late_household_change_is_flagged(family, clerk):
    """住基法25条: その変更があった日から14日以内; later is flagged, not refused."""
    head, wife, child3, child4 = family
    entered = enter(clerk, "household_change", change("head_change", head.household_id, relationships={
        str(head.person_id): "husband", str(wife.person_id): "householder",
        str(child3.person_id): "child", str(child4.person_id): "child",
    }), effective_on=days_ago(30))
    assert entered.late_notification


def test_a_household_changed_after_entry_is_refused_as_stale(family, clerk, approver):
    """docs/register.md (bad input: stale form, optimistic locking): the members changed after the 世帯変更 (住基法25条) was entered."""
    head, wife, child3, child4 = family
    entered = enter(clerk, "household_change", change("split", head.household_id, persons=[child4.person_id],
                                                      relationships={str(child4.person_id): "householder"}))
    apply(clerk, approver, "move_out", {"persons": [child3.person_id], "destination_address": "東京都"},
          effective_on=days_ago(1))
    with refused("CHANGE_STALE"):
        confirm(entered, approver)


# --- 世帯分離 -------------------------------------------------------------------------------

def test_a_member_splits_off_into_a_new_household_at_the_same_address(family, clerk, approver):
    """住基法25条: 世帯分離 — a new household at the same address; listing order renumbered."""
    head, wife, child3, child4 = family
    hh = head.household_id
    done = apply(clerk, approver, "household_change", change("split", hh, persons=[child3.person_id],
                                                             relationships={str(child3.person_id): "householder"}))
    new_hh, relationship, order = state(child3)
    assert new_hh != hh and (relationship, order) == ("householder", 1)
    assert Household.objects.get(pk=new_hh).established_on == days_ago(3)
    assert state(child4) == (hh, "child", 3)  # renumbered after the gap
    assert state(head) == (hh, "householder", 1) and current(head.person_id).version == 1
    split = current(child3.person_id)
    assert (split.town_block_id, split.banchi) == (child3.town_block_id, child3.banchi)
    assert event_counts(done) == {"intra_office": 2}


def test_when_the_householder_splits_off_those_remaining_need_a_new_householder(family, clerk, approver):
    """住基法7条4号: each resulting household has exactly one 世帯主."""
    head, wife, child3, child4 = family
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "household_change", change("split", head.household_id, persons=[head.person_id],
                                                relationships={str(head.person_id): "householder"}))
    apply(clerk, approver, "household_change", change("split", head.household_id, persons=[head.person_id], relationships={
        str(head.person_id): "householder", str(wife.person_id): "householder",
        str(child3.person_id): "child", str(child4.person_id): "child",
    }))
    assert state(wife) == (head.household_id, "householder", 1)
    assert current(head.person_id).household_id != head.household_id


def test_the_whole_household_cannot_split_off(family, clerk):
    """住基法25条 (世帯分離): a split leaves a household behind."""
    head, wife, child3, child4 = family
    with refused("HOUSEHOLD_SPLIT_ALL"):
        enter(clerk, "household_change", change("split", head.household_id,
                                                persons=[p.person_id for p in family],
                                                relationships={str(head.person_id): "householder"}))


def test_only_members_can_split_off(city, family, clerk):
    """住基法25条: その属する世帯に変更があった者 — members of the household concerned."""
    (stranger,) = add_household(city, [{}])
    with refused("HOUSEHOLD_PERSON_NOT_MEMBER", field="persons"):
        enter(clerk, "household_change", change("split", family[0].household_id, persons=[stranger.person_id],
                                                relationships={str(stranger.person_id): "householder"}))


# --- 世帯合併 -------------------------------------------------------------------------------

def test_a_household_merges_into_another_at_the_same_address(city, family, clerk, approver):
    """住基法25条: 世帯合併 — the whole household joins another at the same address; it ends."""
    (grandma,) = add_household(city, [{"given_name": "梅", "sex": 2, "birth_year": 1940}])
    hh = family[0].household_id
    done = apply(clerk, approver, "household_change", change("merge", grandma.household_id, target_household_no=hh,
                                                             relationships={str(grandma.person_id): "mother"}))
    assert state(grandma) == (hh, "mother", 5)
    assert Household.objects.get(pk=grandma.household_id).dissolved_on == days_ago(3)
    assert all(current(p.person_id).version == 1 for p in family)
    assert event_counts(done) == {"intra_office": 1}


def test_a_merge_may_make_the_joining_head_the_head_of_all(city, family, clerk, approver):
    """住基法25条: 世帯合併 with a new 世帯主 — every member's relationship is then given."""
    (grandpa,) = add_household(city, [{"given_name": "松", "birth_year": 1940}])
    head, wife, child3, child4 = family
    apply(clerk, approver, "household_change", change("merge", grandpa.household_id, target_household_no=head.household_id,
                                                      relationships={
        str(grandpa.person_id): "householder", str(head.person_id): "child", str(wife.person_id): "child_wife",
        str(child3.person_id): "grandchild", str(child4.person_id): "grandchild",
    }))
    assert state(grandpa) == (head.household_id, "householder", 1)
    assert state(head) == (head.household_id, "child", 2)
    assert state(child4) == (head.household_id, "grandchild", 5)


def test_merging_households_at_different_addresses_is_refused(city, family, clerk):
    """住基法25条 is a change without a move; a move is 転居 (23条)."""
    (other,) = add_household(city, [{}], block=1)
    with refused("HOUSEHOLD_DIFFERENT_ADDRESS"):
        enter(clerk, "household_change", change("merge", other.household_id, target_household_no=family[0].household_id,
                                                relationships={str(other.person_id): "lodger"}))


def test_members_joining_another_household_need_their_relationship(city, family, clerk):
    """住基法7条4号 / 25条: a person joining a household gets a relationship to its 世帯主."""
    (grandma,) = add_household(city, [{}])
    with refused("HOUSEHOLD_RELATIONSHIPS_INCOMPLETE"):
        enter(clerk, "household_change", change("merge", grandma.household_id, target_household_no=family[0].household_id))


def test_a_household_cannot_merge_into_itself(family, clerk):
    """住基法25条 (世帯合併): two households become one."""
    hh = family[0].household_id
    with refused("HOUSEHOLD_SAME"):
        enter(clerk, "household_change", change("merge", hh, target_household_no=hh))


def test_a_merge_needs_the_household_joined(family, clerk):
    """住基法25条 (世帯合併): the household joined is part of the notification."""
    with refused("CHANGE_ITEM_INVALID", field="target_household_no"):
        enter(clerk, "household_change", change("merge", family[0].household_id))


# --- 世帯構成変更 ---------------------------------------------------------------------------

def test_a_member_moves_to_another_household_at_the_same_address(city, family, clerk, approver):
    """住基法25条: その属する世帯に変更があった者 — moving between households at one address."""
    (neighbour,) = add_household(city, [{"family_name": "同居"}])
    head, wife, child3, child4 = family
    done = apply(clerk, approver, "household_change", change(
        "reorganise", head.household_id, target_household_no=neighbour.household_id, persons=[child3.person_id],
        relationships={str(child3.person_id): "lodger"}))
    assert state(child3) == (neighbour.household_id, "lodger", 2)
    assert state(child4) == (head.household_id, "child", 3)
    assert Household.objects.get(pk=head.household_id).dissolved_on is None
    assert event_counts(done) == {"intra_office": 2}


def test_moving_a_member_keeps_exactly_one_householder_on_each_side(city, family, clerk):
    """住基法7条4号: the member who moves cannot be a second head of the household joined."""
    (neighbour,) = add_household(city, [{}])
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "household_change", change(
            "reorganise", family[0].household_id, target_household_no=neighbour.household_id,
            persons=[family[2].person_id], relationships={str(family[2].person_id): "householder"}))


def test_relationships_only_for_persons_concerned(city, family, clerk):
    """住基法25条: relationships are given for the members of the households concerned only."""
    (neighbour,) = add_household(city, [{}])
    (outsider,) = add_household(city, [{}], block=2)
    with refused("HOUSEHOLD_PERSON_NOT_MEMBER", field="relationships"):
        enter(clerk, "household_change", change(
            "reorganise", family[0].household_id, target_household_no=neighbour.household_id,
            persons=[family[2].person_id], relationships={str(family[2].person_id): "lodger",
                                                         str(outsider.person_id): "lodger"}))


def test_a_household_with_no_residents_cannot_be_changed(family, clerk):
    """住基法25条: a 世帯変更 concerns a household with resident members."""
    assert not ResidentRecord.objects.filter(household_id=999999).exists()
    with refused("HOUSEHOLD_NOT_FOUND", field="household_no"):
        enter(clerk, "household_change", change("head_change", 999999, relationships={}))
