"""Moves out of the municipality (転出・国外転出) and their sequels (転出取消・転出確定).

Kinds in this module (see docs/register-moves.md for items, rules and events):

- ``move_out`` 転出 (住基法24条) and ``move_abroad`` 国外転出 (住基法24条): the record is removed
  on the planned date (除票, kept 150 years — 住基法施行令34条);
- ``move_out_cancel`` 転出取消 and ``move_out_confirm`` 転出確定 (on the 転入通知 of the new
  municipality, 住基法9条1項): the only kinds of the moves that touch removed records.

Events: every written version gets an identity update (本人確認情報) and an intra-office event;
a 国外転出 of a Japanese resident whose 本籍 is in another municipality also gets a 附票 notice
(住基法19条1項). The other moves are :mod:`.moves_in` (転入) and :mod:`.moves_within` (転居).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from juki.core.errors import ValidationFailed

from ... import entry_rules
from ...models import (
    ChangeReason,
    Municipality,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentRecord,
)
from ..base import (
    NOTIFICATION_DAYS,
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    EventDraft,
    NewVersion,
    Plan,
    address_of,
    check_dates,
    copy_fields,
    current_residents,
    require_resident,
)
from ..registry import register
from ..toolkit.domicile import domicile_elsewhere
from ..toolkit.events import fuhyo_event, identity_event, intra_office_event
from ..toolkit.households import check_one_householder

#: A planned move-out further ahead than this is accepted with a warning (事務処理要領: おおむね14日前から).
MOVE_OUT_ADVANCE_DAYS = 14


# --- 転出・国外転出 ---------------------------------------------------------------------------

class MoveOutItems(ChangeItems):
    """転出届の記載事項 (住基法24条): who, where to; the effective date is the planned date."""

    persons: list[int] = Field(min_length=1, description="転出する者の宛名番号")
    destination_address: str = Field(min_length=1, max_length=300, description="転出先（転出予定先住所）")
    destination_householder: str = Field(default="", max_length=100, description="転出先の世帯主")


def _removal_records(handler: ChangeHandler, items: MoveOutItems, ctx: ChangeContext) -> tuple[list[ResidentRecord], Plan]:
    """Who leaves; the household left behind keeps exactly one householder.

    When the householder leaves while others stay, the 世帯主変更 (住基法25条) must be
    confirmed first: one change writes versions for one reason only, and the members who stay
    have not moved.
    """
    records = current_residents(handler, ctx, items.persons)
    plan = check_dates(handler, ctx, records)
    if len({r.household_id for r in records}) != 1:
        raise ValidationFailed("MOVE_PERSONS_DIFFERENT_HOUSEHOLDS", "同じ世帯の者だけを一度に転出できます。", field="persons")
    members = ctx.household_members(records[0].household_id)
    leaving = {r.person_id for r in records}
    staying = [m for m in members if m.person_id not in leaving]
    if staying and any(r.relationship == Relationship.HOUSEHOLDER for r in records):
        raise ValidationFailed(
            "MOVE_OUT_HOUSEHOLDER_LEAVES",
            "世帯主が転出して残る世帯の世帯主がいなくなります。先に世帯主変更届（住基法25条）を処理してください。",
            field="persons",
        )
    if ctx.notified_on is not None and (ctx.effective_on - ctx.notified_on).days > MOVE_OUT_ADVANCE_DAYS:
        plan.warnings.append(f"転出予定日が届出日から{MOVE_OUT_ADVANCE_DAYS}日を超えて先です。予定日を確認してください。")
    return records, plan


class _Removal(ChangeHandler):
    notification_period = NOTIFICATION_DAYS
    allows_future_effective = True  # 転出は「あらかじめ」届け出る (住基法24条)
    removal_reason: RemovalReason
    items = MoveOutItems

    def plan(self, items: MoveOutItems, ctx: ChangeContext) -> Plan:
        records, plan = _removal_records(self, items, ctx)
        municipality = ctx.municipality()
        for r in records:
            address = address_of(r, ctx)
            fields = copy_fields(r)
            fields.update(
                status=RecordStatus.REMOVED.value, removal_reason=self.removal_reason.value,
                removed_on=ctx.effective_on, removal_notified_on=ctx.notified_on,
                retention_until=entry_rules.retention_until(ctx.effective_on),
                planned_move_out_address=items.destination_address,
                planned_move_out_householder=items.destination_householder,
                planned_move_out_on=ctx.effective_on, planned_move_out_notified_on=ctx.notified_on,
            )
            ref = f"p:{r.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=r.person_id, fields=fields))
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, destination=items.destination_address))
            plan.events.extend(self.extra_events(ref, fields, items, ctx, municipality, address))
        return plan

    def extra_events(self, ref: str, fields: dict[str, Any], items: MoveOutItems, ctx: ChangeContext,
                     municipality: Municipality, address: str) -> list[EventDraft]:
        return []


@register
class MoveOut(_Removal):
    """転出: a move to another municipality, notified in advance with the planned date and the
    destination (住基法24条). The record is removed on the planned date (除票, kept 150 years —
    住基法施行令34条); the 転出証明書 is made from it (:func:`juki.register.move_out.move_out_certificate_data`).

    No 附票 notice here: the 附票's address changes when the new municipality records the
    move-in and notifies the domicile (住基法19条1項).
    """

    kind = "move_out"
    reason = ChangeReason.MOVE_OUT
    label = "転出届"
    article = "住民基本台帳法24条"
    removal_reason = RemovalReason.MOVE_OUT


@register
class MoveAbroad(_Removal):
    """国外転出: a move out of Japan (住基法24条). The record is removed on the planned date; the
    domicile municipality records the 国外転出 on the 附票 (住基法19条1項)."""

    kind = "move_abroad"
    reason = ChangeReason.MOVE_ABROAD
    label = "転出届（国外へ）"
    article = "住民基本台帳法24条"
    removal_reason = RemovalReason.MOVE_ABROAD

    def extra_events(self, ref: str, fields: dict[str, Any], items: MoveOutItems, ctx: ChangeContext,
                     municipality: Municipality, address: str) -> list[EventDraft]:
        if not domicile_elsewhere(fields.get("domicile"), municipality, resident_kind=fields.get("resident_kind")):
            return []
        return [fuhyo_event(ref, fields, self.reason, ctx, address, moved_abroad_to=items.destination_address)]


# --- 転出取消・転出確定 (removed records) -------------------------------------------------------

class MoveOutCancelItems(ChangeItems):
    """転出取消: the persons whose move-out is withdrawn (the 転出証明書 is returned)."""

    persons: list[int] = Field(min_length=1, description="転出を取り消す者の宛名番号")


#: Removal reasons a 転出取消 can undo (a 国外転出 is a 転出 too, 住基法24条).
CANCELLABLE = {RemovalReason.MOVE_OUT, RemovalReason.MOVE_ABROAD}


@register
class MoveOutCancel(ChangeHandler):
    """転出取消: the person did not move after all; the removed record becomes a resident
    record again with the items it had (住基法24条の届出の取消; 事務処理要領).

    Only for a removal by 転出 / 国外転出 whose move-out has not been confirmed by the new
    municipality's 転入通知. The person returns to their household, which must still be at
    the same address and keep exactly one householder.

    The 異動日 of a 転出取消 is the 異動日 of the removal it withdraws (the planned move-out
    date, possibly still ahead): the person never stopped being resident, and the restored
    version, later in the history on the same date, is the record as of every date from then
    on (:func:`juki.register.history.record_as_of`). The 届出日 is the day of the request.
    """

    kind = "move_out_cancel"
    reason = ChangeReason.MOVE_OUT
    label = "転出取消"
    article = "住民基本台帳法24条"
    items = MoveOutCancelItems
    allows_removed = True
    allows_future_effective = True  # the withdrawn removal may still be ahead
    dates_not_before_current = False  # the date must equal the removal's own, checked in plan()

    def plan(self, items: MoveOutCancelItems, ctx: ChangeContext) -> Plan:
        records = [ctx.current(p) for p in dict.fromkeys(items.persons)]
        for rec in records:
            require_resident(rec, self)
            if rec.status != RecordStatus.REMOVED or rec.removal_reason not in CANCELLABLE:
                raise ValidationFailed("MOVE_OUT_CANCEL_NOT_MOVED_OUT",
                                       f"宛名番号 {rec.person_id} は転出により消除された者ではありません。", field="persons")
            if rec.confirmed_move_out_on is not None:
                raise ValidationFailed("MOVE_OUT_CANCEL_CONFIRMED",
                                       f"宛名番号 {rec.person_id} は転入通知により転出が確定しています。取り消せません。", field="persons")
        plan = check_dates(self, ctx, records)
        for rec in records:
            if rec.valid_from != ctx.effective_on:
                raise ValidationFailed(
                    "MOVE_OUT_CANCEL_DATE",
                    f"転出取消の異動日は、取り消す転出の異動日（{rec.valid_from.isoformat()}）です。",
                    field="effective_on",
                )
        if len({r.household_id for r in records}) != 1:
            raise ValidationFailed("MOVE_PERSONS_DIFFERENT_HOUSEHOLDS", "同じ世帯の者だけを一度に取り消せます。", field="persons")
        members = ctx.household_members(records[0].household_id)
        address = (records[0].town_block_id, records[0].banchi, records[0].katagaki)
        if any((m.town_block_id, m.banchi, m.katagaki) != address for m in members):
            raise ValidationFailed("MOVE_OUT_CANCEL_HOUSEHOLD_MOVED",
                                   "元の世帯は既に別の住所に異動しています。転出取消ではなく転入・転居等で処理してください。", field="persons")
        check_one_householder({**{m.person_id: m.relationship for m in members}, **{r.person_id: r.relationship for r in records}},
                              household="元の世帯")
        for r in records:
            fields = copy_fields(r)
            fields.update(
                status=RecordStatus.RESIDENT.value, removal_reason="", removed_on=None, removal_notified_on=None,
                removal_date_note="", retention_until=None,
                planned_move_out_address="", planned_move_out_householder="",
                planned_move_out_on=None, planned_move_out_notified_on=None,
            )
            ref = f"p:{r.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=r.person_id, fields=fields))
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address_of(r, ctx),
                                              action="move_out_cancel"))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, action="move_out_cancel",
                                                  cancelled_removal_on=r.removed_on))
        return plan


class MoveOutConfirmItems(ChangeItems):
    """転出確定: what the new municipality's 転入通知 says and when it arrived."""

    persons: list[int] = Field(min_length=1, description="転出した者の宛名番号")
    confirmed_address: str = Field(min_length=1, max_length=300, description="転出確定住所（転入通知の住所）")
    confirmed_on: dt.date = Field(description="転出確定日（転入先で住所を定めた日）")
    notice_on: dt.date = Field(description="転出確定通知日（転入通知を受けた日）")


@register
class MoveOutConfirm(ChangeHandler):
    """転出確定: records the confirmed address and date on the removed record when the new
    municipality's 転入通知 arrives (住基法9条1項). Processed ex officio on the notice.

    The 異動日 is normally the day the notice arrived; it cannot precede the removal it
    completes, so a notice that arrives before the planned move-out date (the person moved
    early) is recorded with the planned date as 異動日 — the one future date allowed here.
    """

    kind = "move_out_confirm"
    reason = ChangeReason.MOVE_OUT
    label = "転出確定（転入通知）"
    article = "住民基本台帳法9条1項"
    items = MoveOutConfirmItems
    ex_officio = True
    allows_removed = True
    allows_future_effective = True  # only up to the planned move-out date, see plan()

    def plan(self, items: MoveOutConfirmItems, ctx: ChangeContext) -> Plan:
        records = [ctx.current(p) for p in dict.fromkeys(items.persons)]
        for rec in records:
            require_resident(rec, self)
            if rec.status != RecordStatus.REMOVED or rec.removal_reason != RemovalReason.MOVE_OUT:
                raise ValidationFailed("MOVE_OUT_CONFIRM_NOT_MOVED_OUT",
                                       f"宛名番号 {rec.person_id} は転出により消除された者ではありません。", field="persons")
            if rec.confirmed_move_out_on is not None:
                raise ValidationFailed("MOVE_OUT_ALREADY_CONFIRMED",
                                       f"宛名番号 {rec.person_id} の転出は既に確定しています。誤りは職権修正で直してください。",
                                       field="persons")
        plan = check_dates(self, ctx, records)
        if ctx.effective_on > max([ctx.today, *(r.valid_from for r in records)]):
            raise ValidationFailed("CHANGE_EFFECTIVE_IN_FUTURE", "異動日に未来の日付は入力できません（転出予定日までを除く）。",
                                   field="effective_on")
        if items.notice_on > ctx.today:
            raise ValidationFailed("CHANGE_NOTIFIED_IN_FUTURE", "転入通知を受けた日に未来の日付は入力できません。", field="notice_on")
        if items.confirmed_on > items.notice_on:
            raise ValidationFailed("MOVE_OUT_CONFIRM_AFTER_NOTICE", "転出確定日が転入通知を受けた日より後です。", field="confirmed_on")
        for r in records:
            fields = copy_fields(r)
            fields.update(confirmed_move_out_address=items.confirmed_address, confirmed_move_out_on=items.confirmed_on,
                          confirmed_move_out_notice_on=items.notice_on)
            ref = f"p:{r.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=r.person_id, fields=fields))
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address_of(r, ctx),
                                              action="move_out_confirm"))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, action="move_out_confirm",
                                                  confirmed_address=items.confirmed_address,
                                                  confirmed_on=items.confirmed_on))
            if r.planned_move_out_on is not None and items.confirmed_on != r.planned_move_out_on:
                plan.warnings.append(f"宛名番号 {r.person_id}: 転出確定日が転出予定日（{r.planned_move_out_on.isoformat()}）と異なります。")
        return plan
