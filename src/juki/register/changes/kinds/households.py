"""Household changes without a move (世帯変更届, 住基法25条).

One kind, ``household_change``, in four variants — the four the counters know:

- ``head_change`` 世帯主変更: another member becomes the householder; every member's
  relationship is re-expressed relative to the new head, so the clerk gives all of them;
- ``split`` 世帯分離: some members form a new household at the same address;
- ``merge`` 世帯合併: a whole household joins another household at the same address;
- ``reorganise`` 世帯構成変更: some members move to another household at the same address.

Rules for every variant: nobody's address changes (the households concerned must be at the
same address); each resulting household has exactly one 世帯主; relationships are standard
codes; a member who changes household, or any member of a household whose head changes, gets
a relationship from the form; listing order (記載順位) is renumbered — householder first, then
the members in their previous order, members who join after those already there.

Events: an intra-office event per changed person. No identity update and no 附票 notice:
household, relationship and listing order are neither 本人確認情報 (住基法30条の6) nor 附票
items (住基法17条).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from juki.core.errors import ValidationFailed

from ...models import ChangeReason, Relationship, ResidentRecord
from ..base import (
    NOTIFICATION_DAYS,
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    NewVersion,
    Plan,
    check_dates,
    copy_fields,
    require_resident,
)
from ..registry import register
from ..toolkit.events import intra_office_event
from ..toolkit.households import check_one_householder, parse_relationships

NEW_HOUSEHOLD = "new:household"
VARIANT_LABELS = {
    "head_change": "世帯主変更",
    "split": "世帯分離",
    "merge": "世帯合併",
    "reorganise": "世帯構成変更",
}
#: Which optional items each variant takes (the others must be left empty).
_VARIANT_ITEMS: dict[str, set[str]] = {
    "head_change": set(),
    "split": {"persons"},
    "merge": {"target_household_no"},
    "reorganise": {"persons", "target_household_no"},
}


class HouseholdChangeItems(ChangeItems):
    """世帯変更届の記載事項."""

    variant: Literal["head_change", "split", "merge", "reorganise"] = Field(
        description="head_change: 世帯主変更 / split: 世帯分離 / merge: 世帯合併 / reorganise: 世帯構成変更"
    )
    household_no: int = Field(description="変更する世帯の世帯番号（合併では合併される世帯、構成変更では移る者の世帯）")
    target_household_no: int | None = Field(default=None, description="合併先・移転先の世帯番号（merge・reorganise）")
    persons: list[int] = Field(default_factory=list, description="分離する者・他の世帯に移る者の宛名番号（split・reorganise）")
    relationships: dict[str, str] = Field(
        default_factory=dict, description="宛名番号 → 変更後の世帯主との続柄"
    )


@register
class HouseholdChange(ChangeHandler):
    """世帯変更 (住基法25条): a change of household or householder without a change of address."""

    kind = "household_change"
    reason = ChangeReason.HOUSEHOLD_CHANGE
    label = "世帯変更届"
    article = "住民基本台帳法25条"
    items = HouseholdChangeItems
    notification_period = NOTIFICATION_DAYS

    def plan(self, items: HouseholdChangeItems, ctx: ChangeContext) -> Plan:
        for name in ("persons", "target_household_no"):
            if name not in _VARIANT_ITEMS[items.variant] and getattr(items, name):
                raise ValidationFailed(
                    "CHANGE_ITEM_NOT_ALLOWED", f"{name}: {VARIANT_LABELS[items.variant]}では入力できない項目です。", field=name
                )
            if name in _VARIANT_ITEMS[items.variant] and not getattr(items, name):
                raise ValidationFailed(
                    "CHANGE_ITEM_INVALID", f"{name}: {VARIANT_LABELS[items.variant]}では必須項目です。", field=name
                )
        source = ctx.household_members(items.household_no)
        if not source:
            raise ValidationFailed("HOUSEHOLD_NOT_FOUND", f"世帯番号 {items.household_no} に住民がいません。", field="household_no")
        target: list[ResidentRecord] = []
        if items.target_household_no is not None:
            if items.target_household_no == items.household_no:
                raise ValidationFailed("HOUSEHOLD_SAME", "変更する世帯と同じ世帯は指定できません。", field="target_household_no")
            target = ctx.household_members(items.target_household_no)
            if not target:
                raise ValidationFailed("HOUSEHOLD_NOT_FOUND", f"世帯番号 {items.target_household_no} に住民がいません。",
                                       field="target_household_no")
        everyone = source + target
        for rec in everyone:
            require_resident(rec, self)
        address = (source[0].town_block_id, source[0].banchi, source[0].katagaki)
        if any((r.town_block_id, r.banchi, r.katagaki) != address for r in everyone):
            raise ValidationFailed("HOUSEHOLD_DIFFERENT_ADDRESS",
                                   "住所が異なる世帯の間では世帯変更できません（転居届によります）。", field="target_household_no")

        in_source = {r.person_id for r in source}
        moving = list(dict.fromkeys(items.persons))
        strangers = [p for p in moving if p not in in_source]
        if strangers:
            raise ValidationFailed("HOUSEHOLD_PERSON_NOT_MEMBER",
                                   f"宛名番号 {strangers[0]} は世帯番号 {items.household_no} の世帯員ではありません。", field="persons")
        if items.variant == "split" and len(moving) == len(source):
            raise ValidationFailed("HOUSEHOLD_SPLIT_ALL", "世帯全員を分離することはできません。", field="persons")

        # Resulting households: key → members (records), in their previous order.
        by_id = {r.person_id: r for r in everyone}
        remaining = [r for r in source if r.person_id not in moving]
        movers = [by_id[p] for p in moving]
        result: dict[object, list[ResidentRecord]] = {}
        if items.variant == "head_change":
            result[items.household_no] = source
        elif items.variant == "split":
            result[items.household_no] = remaining
            result[NEW_HOUSEHOLD] = movers
        elif items.variant == "merge":
            result[items.target_household_no] = target + source
        else:
            if remaining:
                result[items.household_no] = remaining
            result[items.target_household_no] = target + movers

        rels = parse_relationships(items.relationships)
        unknown = [p for p in rels if p not in by_id]
        if unknown:
            raise ValidationFailed("HOUSEHOLD_PERSON_NOT_MEMBER",
                                   f"宛名番号 {unknown[0]} はこの世帯変更の対象の世帯員ではありません。", field="relationships")

        plan = check_dates(self, ctx, everyone)
        new_state: dict[int, tuple[object, str, int]] = {}
        for key, members in result.items():
            label = "新世帯" if key == NEW_HOUSEHOLD else f"世帯番号 {key}"
            old_heads = {r.person_id for r in members if r.household_id == key and r.relationship == Relationship.HOUSEHOLDER}
            changed_household = [r for r in members if r.household_id != key]
            missing = [r.person_id for r in changed_household if r.person_id not in rels]
            if missing:
                raise ValidationFailed("HOUSEHOLD_RELATIONSHIPS_INCOMPLETE",
                                       f"{label}: 世帯が変わる者（宛名番号 {missing[0]}）の続柄を入力してください。", field="relationships")
            final = {r.person_id: rels.get(r.person_id, r.relationship) for r in members}
            check_one_householder(final, household=label)
            (head,) = [p for p, rel in final.items() if rel == Relationship.HOUSEHOLDER]
            if head not in old_heads:
                missing = [r.person_id for r in members if r.person_id not in rels]
                if missing:
                    raise ValidationFailed(
                        "HOUSEHOLD_RELATIONSHIPS_INCOMPLETE",
                        f"{label}: 世帯主が変わるので、世帯員全員（宛名番号 {missing[0]} を含む）の新しい世帯主との続柄を入力してください。",
                        field="relationships",
                    )
            elif items.variant == "head_change":
                raise ValidationFailed("HOUSEHOLD_HEAD_UNCHANGED", "世帯主が変わっていません。", field="relationships")
            ordered = sorted(members, key=lambda r: (r.person_id != head, r.household_id != key, r.listing_order, r.person_id))
            for order, r in enumerate(ordered, start=1):
                new_state[r.person_id] = (key, final[r.person_id], order)

        for r in everyone:
            household, relationship, order = new_state[r.person_id]
            if (r.household_id, r.relationship, r.listing_order) == (household, relationship, order):
                continue
            fields = copy_fields(r)
            fields.update(household_id=household, relationship=relationship, listing_order=order)
            ref = f"p:{r.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=r.person_id, fields=fields))
            plan.events.append(intra_office_event(
                ref, fields, self.reason, ctx, variant=items.variant,
                household_no=household if isinstance(household, int) else None,
                previous_household_no=r.household_id, relationship=relationship,
            ))
        if not plan.versions:
            raise ValidationFailed("HOUSEHOLD_NO_CHANGE", "世帯・続柄・記載順位に変更がありません。", field="relationships")
        return plan
