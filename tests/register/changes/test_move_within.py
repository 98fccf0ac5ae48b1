"""転居 (move within the municipality, 住民基本台帳法23条) through the four-eyes workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import Change, ChangeState, Household, OutboxEvent, ResidentRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def enter_move(clerk, person_ids, city, **items):
    today = clock.today()
    return do_enter_change(
        "move_within",
        {"persons": person_ids, "town_block": city.blocks[1].code, "banchi": "2番3号", **items},
        effective_on=today - dt.timedelta(days=3), notified_on=today, actor=Actor(clerk, "T-COUNTER-01"),
    )


def test_a_whole_household_move_takes_effect_only_when_another_staff_member_confirms(city, clerk, approver):
    head, child = add_household(city, [{}, {}])
    change = enter_move(clerk, [head.person_id, child.person_id], city)
    assert change.state == ChangeState.PROVISIONAL
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).version == 1

    do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))

    new = ResidentRecord.objects.get(person_id=head.person_id, is_current=True)
    assert (new.version, new.town_block_id, new.banchi) == (2, city.blocks[1].pk, "2番3号")
    assert new.previous_address == "秋田県秋田市山王一丁目1番1号"
    assert new.household_id == head.household_id and new.family_name == head.family_name
    old = ResidentRecord.objects.get(pk=head.pk)
    assert not old.is_current and old.banchi == "1番1号" and old.superseded_at is not None
    assert Change.objects.get(pk=change.pk).state == ChangeState.CONFIRMED
    kinds = sorted(OutboxEvent.objects.filter(change=change).values_list("kind", flat=True))
    assert kinds.count("identity_update") == 2 and kinds.count("intra_office") == 2
    assert AuditEvent.objects.filter(event_type=EventType.CHANGE_CONFIRMED, staff_id="approver01").exists()


def test_the_clerk_cannot_confirm_their_own_change(city, make_staff):
    from juki.security.roles import Role

    both = make_staff("both01", Role.CLERK, Role.APPROVER)
    (head,) = add_household(city, [{}])
    change = enter_move(both, [head.person_id], city)
    with pytest.raises(JukiError) as exc:
        do_confirm_change(change.pk, actor=Actor(both))
    assert exc.value.code == "CHANGE_SELF_CONFIRM"
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).version == 1
    refused = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED).last()
    assert refused.outcome == "denied" and refused.detail["code"] == "CHANGE_SELF_CONFIRM"


def test_a_move_to_the_same_address_is_refused_and_nothing_is_written(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        do_enter_change("move_within", {"persons": [head.person_id], "town_block": city.blocks[0].code, "banchi": "1番1号"},
                        effective_on=clock.today(), notified_on=clock.today(), actor=Actor(clerk))
    assert exc.value.code == "MOVE_SAME_ADDRESS"
    assert not Change.objects.exists()


def test_a_move_accepts_only_its_own_items(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter_move(clerk, [head.person_id], city, family_name="別名")
    assert exc.value.code == "CHANGE_ITEM_NOT_ALLOWED" and exc.value.field == "family_name"


def test_a_notification_after_14_days_is_flagged_late_not_refused(city, clerk):
    """住基法23条: 転居届は転居の日から14日以内. Late notifications are processed and flagged."""
    (head,) = add_household(city, [{}])
    today = clock.today()
    change = do_enter_change("move_within", {"persons": [head.person_id], "town_block": city.blocks[1].code},
                             effective_on=today - dt.timedelta(days=20), notified_on=today, actor=Actor(clerk))
    assert change.late_notification and change.warnings


def test_confirming_after_the_record_changed_is_refused_as_stale(city, clerk, approver):
    (head,) = add_household(city, [{}])
    first = enter_move(clerk, [head.person_id], city)
    second = do_enter_change("move_within", {"persons": [head.person_id], "town_block": city.blocks[2].code},
                             effective_on=clock.today(), notified_on=clock.today(), actor=Actor(clerk))
    do_confirm_change(first.pk, actor=Actor(approver))
    with pytest.raises(JukiError) as exc:
        do_confirm_change(second.pk, actor=Actor(approver))
    assert exc.value.code == "CHANGE_STALE"
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).town_block_id == city.blocks[1].pk


def test_part_of_a_household_moving_out_to_a_new_household(city, clerk, approver):
    head, child = add_household(city, [{}, {}])
    change = enter_move(clerk, [child.person_id], city, household="new",
                        relationships={str(child.person_id): "householder"})
    do_confirm_change(change.pk, actor=Actor(approver))
    moved = ResidentRecord.objects.get(person_id=child.person_id, is_current=True)
    assert moved.household_id != head.household_id and moved.relationship == "householder"
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).version == 1


def test_a_move_tells_the_domicile_municipality_when_it_is_another_one(city, clerk, approver):
    """住基法19条1項: the 附票 records the address, so a 転居 of a person whose 本籍 is elsewhere is
    notified to the domicile municipality (附票記載事項通知); not when the 本籍 is here."""
    (away,) = add_household(city, [{"domicile": "東京都千代田区千代田1番地"}])
    (home,) = add_household(city, [{"domicile": "秋田県秋田市山王一丁目10番地"}], block=2)
    away_change = enter_move(clerk, [away.person_id], city)
    home_change = enter_move(clerk, [home.person_id], city)
    do_confirm_change(away_change.pk, actor=Actor(approver))
    do_confirm_change(home_change.pk, actor=Actor(approver))
    fuhyo = OutboxEvent.objects.get(change=away_change, kind="fuhyo_notice")
    assert fuhyo.payload["address"] == "秋田県秋田市山王二丁目2番3号"
    assert fuhyo.payload["address_established_on"] == (clock.today() - dt.timedelta(days=3)).isoformat()
    assert not OutboxEvent.objects.filter(change=home_change, kind="fuhyo_notice").exists()


def test_a_whole_household_moving_in_with_another_household_joins_it(city, clerk, approver):
    """住基法23条1項5号: the 転居届 gives the householder and relationship at the new address."""
    head, child = add_household(city, [{}, {}])
    (host,) = add_household(city, [{"family_name": "受入"}], block=1, banchi="2番3号")
    change = enter_move(clerk, [head.person_id, child.person_id], city, household="join",
                        join_household_no=host.household_id,
                        relationships={str(head.person_id): "child", str(child.person_id): "grandchild"})
    do_confirm_change(change.pk, actor=Actor(approver))
    moved = ResidentRecord.objects.get(person_id=head.person_id, is_current=True)
    assert (moved.household_id, moved.relationship, moved.listing_order) == (host.household_id, "child", 2)
    assert moved.previous_householder == "試験\u3000太郎1"
    assert Household.objects.get(pk=head.household_id).dissolved_on == clock.today() - dt.timedelta(days=3)


def test_relationships_are_not_items_of_a_whole_household_move(city, clerk):
    """住基法23条 / docs/register.md: a 転居 changes only address items — a whole household keeps its relationships."""
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter_move(clerk, [head.person_id], city, relationships={str(head.person_id): "child"})
    assert exc.value.code == "MOVE_RELATIONSHIPS_NOT_ALLOWED"
    assert not Change.objects.exists()


def test_a_move_to_an_abolished_town_block_is_refused(city, clerk):
    """住基法7条7号 (住所) / 町丁字マスタ: a town block abolished (町名変更等) before the move takes no new addresses."""
    city.blocks[1].abolished_on = clock.today() - dt.timedelta(days=30)
    city.blocks[1].save()
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter_move(clerk, [head.person_id], city)
    assert exc.value.code == "TOWN_BLOCK_ABOLISHED" and exc.value.field == "town_block"
