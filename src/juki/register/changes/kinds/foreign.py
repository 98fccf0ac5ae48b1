"""Changes for foreign residents (外国人住民に関する異動): 在留資格等の変更, 通称の記載・削除,
国籍等の変更.

Status, period of stay, residence card and nationality reach the municipality as notices from
the Minister of Justice (法務大臣からの通知, 住基法30条の50) and are recorded ex officio (職権: no
notification date is required; the API may give the day the notice arrived). An alias (通称) is
recorded and removed on the person's own application (申出, 住基法施行令30条の26), dated by the
notification date. Every kind refuses a Japanese resident with ``FOREIGN_RESIDENT_ONLY``.

Alias history (通称履歴): the previous alias stays in the previous version of the record, so
the history of versions *is* the alias history — when it was recorded (the version's 異動日)
and when it was removed (the next version's). Nothing is copied into ``remarks``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from juki.core.errors import ValidationFailed

from ...models import ChangeReason, ForeignResidentCategory, ResidenceCardKind, ResidenceStatus
from ..base import ChangeContext, ChangeHandler, ChangeItems, Plan, check_dates, copy_fields
from ..item_types import Kana
from ..registry import register
from ..toolkit.events import append_version
from ..toolkit.persons import nationality_code, one_person, require_foreign, residence_card_no

#: 入管法19条の3: a period of stay of 3 months or less does not make a mid-to-long-term resident
#: (and so no resident record, 住基法30条の45). Months are counted as 30 days.
SHORT_STAY_DAYS = 90
#: 入管法19条の3第3号・4号: 外交 and 公用 are not mid-to-long-term residents.
NOT_REGISTRABLE = {ResidenceStatus.DIPLOMAT.value, ResidenceStatus.OFFICIAL.value}
#: Statuses without a period of stay (在留期間の定めなし).
NO_PERIOD = {ResidenceStatus.PERMANENT_RESIDENT.value}

if TYPE_CHECKING:  # built from the choices at run time, which a type checker cannot follow
    ResidenceStatusCode = str
    CategoryCode = str
else:
    ResidenceStatusCode = Literal[tuple(s.value for s in ResidenceStatus)]
    CategoryCode = Literal[tuple(c.value for c in ForeignResidentCategory)]


# === 在留資格等の変更 ========================================================================

class ForeignStatusItems(ChangeItems):
    """法務大臣通知（在留資格変更許可・在留期間更新許可・在留カード交付等）の内容. 空欄＝変更なし."""

    person: int = Field(description="宛名番号")
    foreign_category: CategoryCode | None = Field(default=None, description="住基法30条の45の区分")
    residence_status: ResidenceStatusCode | None = Field(default=None, description="在留資格")
    stay_years: int | None = Field(default=None, ge=0, le=99, description="在留期間（年）")
    stay_months: int | None = Field(default=None, ge=0, le=11, description="在留期間（月）")
    stay_days: int | None = Field(default=None, ge=0, le=365, description="在留期間（日）")
    stay_expires_on: dt.date | None = Field(default=None, description="在留期間の満了の日")
    residence_card_no: str | None = Field(default=None, description="在留カード等番号")
    residence_card_kind: Literal["residence_card", "special_permanent_certificate"] | None = Field(
        default=None, description="在留カード等番号区分"
    )

    @field_validator("residence_card_no")
    @classmethod
    def check_card_no(cls, v: str | None) -> str | None:
        return residence_card_no(v)


@register
class ForeignStatus(ChangeHandler):
    """在留資格等の変更: 在留資格, 在留期間, 満了の日, 在留カード等番号, 法30条の45区分 as notified by
    the Minister of Justice (住基法30条の50).

    Rules (consistency of the resulting record):
    - 特別永住者: no 在留資格 and no period of stay; the card is a 特別永住者証明書;
    - 中長期在留者: a 在留資格 (not 外交・公用), a 在留カード; 永住者 has no period of stay, every
      other status has a period of more than 3 months (入管法19条の3) and an expiry date that is
      not before the effective date.
    """

    kind = "foreign_status"
    reason = ChangeReason.FOREIGN_STATUS_CHANGE
    label = "在留資格等の変更"
    article = "住民基本台帳法30条の50"
    items = ForeignStatusItems
    ex_officio = True

    def plan(self, items: ForeignStatusItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_foreign(rec)
        plan = check_dates(self, ctx, [rec])
        fields = copy_fields(rec)
        given = items.model_dump(exclude={"person"}, exclude_none=True)
        fields.update(given)
        category = fields["foreign_category"]
        status = fields["residence_status"]
        if status in NO_PERIOD or category == ForeignResidentCategory.SPECIAL_PERMANENT:
            stay_given = any(k in given for k in ("stay_years", "stay_months", "stay_days", "stay_expires_on"))
            if stay_given:
                raise ValidationFailed("FOREIGN_STAY_NOT_APPLICABLE", "永住者・特別永住者には在留期間・満了の日は記載しません。",
                                       field="stay_years")
            fields.update(stay_years=None, stay_months=None, stay_days=None, stay_expires_on=None)
        self._check(fields, ctx)
        if all(fields[k] == getattr(rec, k) for k in fields):
            raise ValidationFailed("FOREIGN_STATUS_UNCHANGED", "在留資格等の記載は変わりません。", field="residence_status")
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan

    @staticmethod
    def _check(fields: dict, ctx: ChangeContext) -> None:
        category, status = fields["foreign_category"], fields["residence_status"]
        if category == ForeignResidentCategory.SPECIAL_PERMANENT:
            if status:
                raise ValidationFailed("FOREIGN_STATUS_SPECIAL_PERMANENT", "特別永住者には在留資格を記載しません。",
                                       field="residence_status")
            if fields["residence_card_kind"] not in ("", ResidenceCardKind.SPECIAL_PERMANENT_CERTIFICATE):
                raise ValidationFailed("FOREIGN_CARD_KIND", "特別永住者の在留カード等番号区分は特別永住者証明書です。",
                                       field="residence_card_kind")
            return
        if category != ForeignResidentCategory.MID_TO_LONG_TERM:
            return
        if not status:
            raise ValidationFailed("FOREIGN_STATUS_REQUIRED", "中長期在留者の在留資格を入力してください。", field="residence_status")
        if status in NOT_REGISTRABLE:
            raise ValidationFailed("FOREIGN_STATUS_NOT_REGISTRABLE",
                                   "外交・公用の在留資格の者は中長期在留者ではなく、住民票の対象外です（入管法19条の3）。",
                                   field="residence_status")
        if fields["residence_card_kind"] not in ("", ResidenceCardKind.RESIDENCE_CARD):
            raise ValidationFailed("FOREIGN_CARD_KIND", "中長期在留者の在留カード等番号区分は在留カードです。",
                                   field="residence_card_kind")
        if status in NO_PERIOD:
            return
        years, months, days = (fields[k] or 0 for k in ("stay_years", "stay_months", "stay_days"))
        if not (years or months or days) or fields["stay_expires_on"] is None:
            raise ValidationFailed("FOREIGN_STAY_REQUIRED", "在留期間と在留期間の満了の日を入力してください。", field="stay_years")
        if years == 0 and months * 30 + days <= SHORT_STAY_DAYS:
            raise ValidationFailed("FOREIGN_STAY_TOO_SHORT",
                                   "在留期間が3月以下の者は中長期在留者ではありません（入管法19条の3第1号）。", field="stay_months")
        if fields["stay_expires_on"] < ctx.effective_on:
            raise ValidationFailed("FOREIGN_STAY_EXPIRY_PAST", "在留期間の満了の日が異動日より前です。", field="stay_expires_on")


# === 通称の記載・削除 ========================================================================

class AliasEntryItems(ChangeItems):
    """通称記載申出書の記載事項."""

    person: int = Field(description="申出者の宛名番号")
    alias_name: str = Field(min_length=1, max_length=100, description="通称")
    alias_name_kana: Kana = Field(min_length=1, max_length=200, description="通称カナ")


@register
class AliasEntry(ChangeHandler):
    """通称の記載: on the foreign resident's application, an alias needed to prove their
    residence relations (e.g. used in social life in Japan) is recorded (住基法施行令30条の26).

    Rules: one alias at a time — a different alias is recorded only after the current one is
    removed (通称の削除); the alias is not the registered name itself.
    """

    kind = "alias_entry"
    reason = ChangeReason.ALIAS
    label = "通称の記載"
    article = "住民基本台帳法施行令30条の26"
    items = AliasEntryItems

    def plan(self, items: AliasEntryItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_foreign(rec)
        plan = check_dates(self, ctx, [rec])
        if rec.alias_name:
            raise ValidationFailed("ALIAS_ALREADY_RECORDED",
                                   f"通称「{rec.alias_name}」が記載されています。変更する場合は先に通称の削除を処理してください。",
                                   field="alias_name")
        squeeze = str.maketrans("", "", " \u3000")
        names = {rec.full_name.translate(squeeze), rec.alphabet_name.translate(squeeze).upper()}
        if items.alias_name.translate(squeeze) in names or items.alias_name.translate(squeeze).upper() in names:
            raise ValidationFailed("ALIAS_SAME_AS_NAME", "住民票に記載された氏名は通称として記載できません。", field="alias_name")
        fields = copy_fields(rec)
        fields.update(alias_name=items.alias_name, alias_name_kana=items.alias_name_kana)
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan


class AliasRemovalItems(ChangeItems):
    """通称削除申出書の記載事項."""

    person: int = Field(description="申出者の宛名番号")


@register
class AliasRemoval(ChangeHandler):
    """通称の削除: on the foreign resident's application the alias is removed (住基法施行令
    30条の26以下); the application date is the notification date. The removed alias stays in the
    previous version (通称履歴). An alias recorded in error is put right by 職権修正
    (``ex_officio_correction``)."""

    kind = "alias_removal"
    reason = ChangeReason.ALIAS
    label = "通称の削除"
    article = "住民基本台帳法施行令30条の26"
    items = AliasRemovalItems

    def plan(self, items: AliasRemovalItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_foreign(rec)
        plan = check_dates(self, ctx, [rec])
        if not rec.alias_name:
            raise ValidationFailed("ALIAS_NONE", "通称は記載されていません。", field="person")
        fields = copy_fields(rec)
        fields.update(alias_name="", alias_name_kana="")
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan


# === 国籍等の変更 ============================================================================

class NationalityItems(ChangeItems):
    person: int = Field(description="宛名番号")
    nationality_code: str = Field(min_length=2, max_length=3, description="国籍コード（ISO 3166-1）")
    nationality: str = Field(min_length=1, max_length=50, description="国籍・地域")

    @field_validator("nationality_code")
    @classmethod
    def check_code(cls, v: str) -> str:
        return nationality_code(v) or ""


@register
class Nationality(ChangeHandler):
    """国籍等の変更: 国籍・地域 as notified by the Minister of Justice (住基法30条の50).

    Acquiring Japanese nationality (帰化・国籍取得) is not a nationality change: the foreign
    resident's record is removed and a Japanese record entered (職権), so ``JP`` is refused.
    """

    kind = "nationality"
    reason = ChangeReason.NATIONALITY_CHANGE
    label = "国籍等の変更"
    article = "住民基本台帳法30条の50"
    items = NationalityItems
    ex_officio = True

    def plan(self, items: NationalityItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_foreign(rec)
        plan = check_dates(self, ctx, [rec])
        if items.nationality_code == "JP":
            raise ValidationFailed(
                "NATIONALITY_JAPAN_IS_NATURALISATION",
                "日本国籍の取得は国籍等の変更ではありません。外国人住民の住民票の消除と日本人住民の住民票の記載（職権）によります。",
                field="nationality_code",
            )
        if (items.nationality_code, items.nationality) == (rec.nationality_code, rec.nationality):
            raise ValidationFailed("NATIONALITY_UNCHANGED", "国籍・地域は変わりません。", field="nationality_code")
        fields = copy_fields(rec)
        fields.update(nationality_code=items.nationality_code, nationality=items.nationality)
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan
