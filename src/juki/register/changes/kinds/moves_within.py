"""Moves within the municipality (転居, 住基法23条).

``move_within``: who moves and the new address; the movers keep their household, form a new
one or join a household at the new address (see docs/register-moves.md for items, rules and
events). The other moves are :mod:`.moves_in` (転入) and :mod:`.moves_out` (転出).

Events: every written version gets an identity update (本人確認情報) and an intra-office event;
a Japanese resident whose 本籍 is in another municipality also gets a 附票 notice (住基法19条1項).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from juki.core.errors import ValidationFailed

from ...models import ChangeReason, Relationship
from ..base import (
    NOTIFICATION_DAYS,
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    NewVersion,
    Plan,
    address_of,
    check_dates,
    copy_fields,
    current_residents,
    format_address,
)
from ..item_types import Kana
from ..registry import register
from ..toolkit.domicile import domicile_elsewhere
from ..toolkit.events import fuhyo_event, identity_event, intra_office_event
from ..toolkit.households import (
    HouseholdStage,
    address_block,
    check_one_householder,
    household_stages,
    householder_name,
    join_versions,
    parse_relationships,
)

# --- 転居 ------------------------------------------------------------------------------------

class MoveWithinItems(ChangeItems):
    """転居届の記載事項: who moves and the new address; household only if it changes."""

    persons: list[int] = Field(min_length=1, description="転居する者の宛名番号")
    town_block: str = Field(min_length=1, description="新住所の町丁字コード")
    banchi: str = Field(default="", max_length=100, description="番地")
    katagaki: str = Field(default="", max_length=200, description="方書")
    katagaki_kana: Kana = Field(default="", max_length=300, description="方書カナ")
    katagaki_hidden: bool = Field(default=False, description="方書非表示")
    household: Literal["same", "new", "join"] = Field(
        default="same", description="same: 世帯全員で転居 / new: 新たな世帯を作る / join: 転居先の既存世帯に入る"
    )
    join_household_no: int | None = Field(default=None, description="加入する世帯の世帯番号（join の場合）")
    relationships: dict[str, str] = Field(
        default_factory=dict, description="宛名番号 → 続柄（new・join の場合、世帯主との続柄）"
    )


@register
class MoveWithin(ChangeHandler):
    """転居: a move to another address inside the municipality (住基法23条).

    Only address items change (and, when only part of a household moves or the movers join a
    household at the new address, the household and relationship the move forces). The
    previous address is kept as 前住所; the date the new address was established (住所を定めた日)
    is the effective date.
    """

    kind = "move_within"
    reason = ChangeReason.MOVE_WITHIN
    label = "転居届"
    article = "住民基本台帳法23条"
    items = MoveWithinItems
    notification_period = NOTIFICATION_DAYS

    def plan(self, items: MoveWithinItems, ctx: ChangeContext) -> Plan:
        records = current_residents(self, ctx, items.persons)
        plan = check_dates(self, ctx, records)
        household_nos = {r.household_id for r in records}
        if len(household_nos) != 1:
            raise ValidationFailed("MOVE_PERSONS_DIFFERENT_HOUSEHOLDS", "同じ世帯の者だけを一度に転居できます。", field="persons")
        (household_no,) = household_nos
        members = ctx.household_members(household_no)
        moving = {r.person_id for r in records}
        staying = [m for m in members if m.person_id not in moving]
        town_block = address_block(ctx, items.town_block)
        new_address = (town_block.pk, items.banchi, items.katagaki)
        if all((r.town_block_id, r.banchi, r.katagaki) == new_address for r in records):
            raise ValidationFailed("MOVE_SAME_ADDRESS", "新住所が現住所と同じです。", field="town_block")
        if items.household != "join" and items.join_household_no is not None:
            raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_NOT_ALLOWED", "既存世帯に入る場合だけ加入する世帯番号を入力します。",
                                   field="join_household_no")

        new_rel: dict[int, tuple[object, str, int]] = {}  # person → (household, relationship, order)
        stages: list[HouseholdStage] | None = None  # of a joined household (household_stages)
        if items.household == "same":
            if staying:
                raise ValidationFailed(
                    "MOVE_PARTIAL_HOUSEHOLD",
                    "世帯の一部が転居する場合は、新しい世帯を作るか転居先の世帯に入るかを指定してください。",
                    field="household",
                )
            if items.relationships:
                raise ValidationFailed("MOVE_RELATIONSHIPS_NOT_ALLOWED",
                                       "世帯全員で転居する場合は続柄を変更できません（世帯変更届によります）。",
                                       field="relationships")
            for r in records:
                new_rel[r.person_id] = (r.household_id, r.relationship, r.listing_order)
        else:
            if items.household == "new" and not staying:
                raise ValidationFailed("MOVE_WHOLE_HOUSEHOLD_SAME", "世帯全員が転居する場合は新しい世帯を作れません（世帯変更届によります）。",
                                       field="household")
            if staying and any(m.relationship == Relationship.HOUSEHOLDER for m in records):
                raise ValidationFailed(
                    "MOVE_HOUSEHOLDER_LEAVES",
                    "世帯主が転居して残る世帯の世帯主がいなくなります。先に世帯主変更届を処理してください。",
                    field="persons",
                )
            rels = parse_relationships(items.relationships)
            if set(rels) != moving:
                raise ValidationFailed("MOVE_RELATIONSHIPS", "転居する全員の続柄を指定してください。", field="relationships")
            if items.household == "new":
                check_one_householder(rels, household="新世帯")
                target: object = "new:household"
                order_base = 0
            else:
                if items.join_household_no is None:
                    raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_REQUIRED", "加入する世帯の世帯番号を入力してください。",
                                           field="join_household_no")
                if items.join_household_no == household_no:
                    raise ValidationFailed("MOVE_JOIN_OWN_HOUSEHOLD", "転居する者の世帯には加入できません。", field="join_household_no")
                joined = ctx.household_members(items.join_household_no)
                if not joined:
                    raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_UNKNOWN", "加入する世帯に住民がいません。", field="join_household_no")
                stages = household_stages(ctx, items.join_household_no, field="join_household_no")
                if any((j.town_block_id, j.banchi, j.katagaki) != new_address for j in stages[0].members):
                    raise ValidationFailed("MOVE_JOIN_ADDRESS_MISMATCH", "加入する世帯の異動日の住所と新住所が一致しません。",
                                           field="town_block")
                if any(v == Relationship.HOUSEHOLDER for v in rels.values()):
                    raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "加入する世帯には既に世帯主がいます。", field="relationships")
                target = items.join_household_no
                order_base = max(j.listing_order for j in joined)
            ordered = sorted(records, key=lambda r: (rels[r.person_id] != Relationship.HOUSEHOLDER, r.listing_order))
            for i, r in enumerate(ordered, start=1):
                new_rel[r.person_id] = (target, rels[r.person_id], order_base + i)

        municipality = ctx.municipality()
        address = format_address(municipality, town_block, items.banchi, items.katagaki)
        for r in records:
            fields = copy_fields(r)
            household, relationship, order = new_rel[r.person_id]
            fields.update(
                town_block_id=town_block.pk, banchi=items.banchi, katagaki=items.katagaki,
                katagaki_kana=items.katagaki_kana, katagaki_hidden=items.katagaki_hidden,
                previous_address=address_of(r, ctx),
                previous_householder=householder_name(members),
                address_established_on=ctx.effective_on, address_established_notified_on=ctx.notified_on,
                household_id=household, relationship=relationship, listing_order=order,
            )
            ref = f"p:{r.person_id}"
            fields = join_versions(plan, NewVersion(ref=ref, person_id=r.person_id, fields=fields), stages)
            now_address = (address if not stages else
                           format_address(municipality, stages[-1].head.town_block, fields["banchi"], fields["katagaki"]))
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=now_address))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, address=now_address))
            if domicile_elsewhere(fields.get("domicile"), municipality, resident_kind=fields.get("resident_kind")):
                plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, now_address))
        return plan
