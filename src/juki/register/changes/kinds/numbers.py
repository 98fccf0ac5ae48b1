"""Number changes (番号の変更): 個人番号の変更 and 住民票コードの変更.

Neither number is ever typed in: the new My Number comes from
``number_source().generate_my_number(resident_code)`` and the new resident code from
``number_source().allocate_resident_code()`` (:mod:`juki.register.issuance`; J-LIS in the real
system). Both are drawn only when the change is confirmed, inside the confirming transaction,
so an entered-but-rejected change burns no number and the approver confirms exactly what is
recorded. The My Number is sealed by the workflow; it appears in clear in no record, no change
payload and no outbox event.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from juki.core.errors import ValidationFailed

from ...issuance import number_source
from ...models import ChangeReason
from ..base import (
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    NewVersion,
    Plan,
    check_dates,
    copy_fields,
)
from ..registry import register
from ..toolkit.events import person_events
from ..toolkit.persons import numbers_now, one_person


class MyNumberChangeItems(ChangeItems):
    """個人番号変更請求（又は職権）の内容. The new number is generated, never entered."""

    person: int = Field(description="宛名番号")
    basis: Literal["request", "ex_officio"] = Field(description="本人の請求 / 職権")
    leak_reason: str = Field(min_length=1, max_length=200,
                             description="個人番号が漏えいして不正に用いられるおそれがあると認める理由")


@register
class MyNumberChange(ChangeHandler):
    """個人番号の変更: when the person's My Number has leaked and may be misused, a new number
    replaces it, on the person's request or ex officio (番号法7条2項).

    The new number is generated from the 住民票コード (番号法8条2項; locally by
    :class:`juki.register.issuance.LocalNumberSource` until the national node exists), sealed,
    and announced by an identity update (本人確認情報) and 送付先情報 for the new 個人番号通知書.
    The kind is ``ex_officio`` because it may be made without a request; when it follows a
    request, ``basis`` says so and the request date may be given as the notification date (the
    staff entry form shows no notification date for 職権 kinds).
    """

    kind = "my_number_change"
    reason = ChangeReason.MY_NUMBER_CHANGE
    label = "個人番号の変更"
    article = "行政手続における特定の個人を識別するための番号の利用等に関する法律7条2項"
    items = MyNumberChangeItems
    ex_officio = True

    def plan(self, items: MyNumberChangeItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        plan = check_dates(self, ctx, [rec])
        if not rec.my_number_index:
            raise ValidationFailed("MY_NUMBER_CHANGE_NONE_RECORDED", "個人番号が記載されていないため変更できません。", field="person")
        if not rec.resident_code:
            raise ValidationFailed("MY_NUMBER_CHANGE_NO_RESIDENT_CODE",
                                   "住民票コードがないため個人番号を生成できません。", field="person")
        number = number_source().generate_my_number(rec.resident_code) if numbers_now(ctx, plan) else None
        fields = copy_fields(rec)
        ref = f"p:{rec.person_id}"
        plan.versions.append(NewVersion(ref=ref, person_id=rec.person_id, fields=fields, my_number=number))
        person_events(plan, ref=ref, old=rec, fields=fields, reason=self.reason, ctx=ctx,
                      new_number=True, extra_items=("my_number",))
        return plan


class ResidentCodeChangeItems(ChangeItems):
    """住民票コードの記載の変更請求書の記載事項."""

    person: int = Field(description="請求者の宛名番号")


@register
class ResidentCodeChange(ChangeHandler):
    """住民票コードの変更: on the person's request a new 住民票コード replaces the old one
    (住基法30条の4). The My Number stays the same; the identity update carries the previous code
    so the community server and J-LIS can re-link the number to the new code."""

    kind = "resident_code_change"
    reason = ChangeReason.RESIDENT_CODE_CHANGE
    label = "住民票コードの変更"
    article = "住民基本台帳法30条の4"
    items = ResidentCodeChangeItems

    def plan(self, items: ResidentCodeChangeItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        plan = check_dates(self, ctx, [rec])
        if not rec.resident_code:
            raise ValidationFailed("RESIDENT_CODE_CHANGE_NONE_RECORDED", "住民票コードが記載されていないため変更できません。",
                                   field="person")
        fields = copy_fields(rec)
        if numbers_now(ctx, plan):
            fields["resident_code"] = number_source().allocate_resident_code()
        ref = f"p:{rec.person_id}"
        plan.versions.append(NewVersion(ref=ref, person_id=rec.person_id, fields=fields))
        person_events(plan, ref=ref, old=rec, fields=fields, reason=self.reason, ctx=ctx,
                      extra_items=("resident_code",), identity_extra={"previous_resident_code": rec.resident_code})
        return plan
