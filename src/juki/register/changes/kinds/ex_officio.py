"""Ex officio changes (職権による記載・修正・消除・回復).

The mayor keeps the register right on his own motion when a notification is missing or the
record is wrong (住基法8条, 施行令12条): a person found living here without notification is
entered (職権記載), a wrong item is corrected (職権修正), a person found not to live here is
removed (職権消除, e.g. after a 実態調査), and a record removed in error is restored (回復).
No notification date is required (``ex_officio``); every kind requires the reason (理由),
which is kept with the change.

Rules common to the four kinds (besides :func:`~..base.check_dates`): the effective date is not
before the 異動日 of the current version, so the current record is always the record "as of"
today (:mod:`juki.register.history`). A correction or restoration may take the effective date
of the version it corrects, which makes it apply over that version's whole validity; the
record *as known* before it was recorded still shows the wrong value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_serializer

from juki.core.errors import ValidationFailed
from juki.core.fields import model_field
from juki.identifiers import resident_code as resident_code_id
from juki.identifiers.errors import IdentifierError

from ... import entry_rules
from ... import events as outbound
from ...issuance import number_source
from ...models import (
    ChangeReason,
    DatePrecision,
    ForeignResidentCategory,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    ResidentRecord,
    Sex,
    TownBlock,
)
from ...my_numbers import blind_index
from ...names import kana_search_key
from ..base import (
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
    format_address,
    not_before_current,
    require_resident,
)
from ..item_types import Kana
from ..registry import register
from ..toolkit.domicile import domicile_elsewhere
from ..toolkit.events import fuhyo_event, identity_event, intra_office_event
from ..toolkit.households import (
    HouseholdStage,
    by_addressee_no,
    check_one_householder,
    household_stages,
    join_versions,
)

REASON_MAX = 200
NEW_HOUSEHOLD = "new:household"


# --- shared rules (plain functions) ------------------------------------------------------------


def birth_precision(year: int | None, month: int | None, day: int | None, *, field: str = "birth_year") -> str:
    """The 生年月日不詳区分 a set of known birth-date parts gives; refuses impossible dates."""
    if (day is not None and month is None) or (month is not None and year is None):
        raise ValidationFailed("BIRTH_DATE_PARTS", "生年月日は年・月・日の順に、上位から入力してください。", field=field)
    try:
        dt.date(year or 2000, month or 1, day or 1)
    except ValueError:
        raise ValidationFailed("BIRTH_DATE_INVALID", "生年月日が暦にない日付です。", field=field) from None
    if day is not None:
        return DatePrecision.FULL
    if month is not None:
        return DatePrecision.YEAR_MONTH
    return DatePrecision.YEAR if year is not None else DatePrecision.UNKNOWN


def earliest_birth(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    return dt.date(year, month or 1, day or 1) if year is not None else None


def _current_holder(**lookup: Any) -> ResidentRecord | None:
    """The current record (resident or removed) holding a number, if any."""
    return ResidentRecord.objects.filter(is_current=True, **lookup).only("person_id", "status").first()


# --- 職権記載 -------------------------------------------------------------------------------------

class ExOfficioEntryItems(ChangeItems):
    """職権記載の記載事項: the items of a new resident record, its household and the reason."""

    reason: str = Field(min_length=1, max_length=REASON_MAX, description="職権記載の理由（例: 実態調査により居住を確認）")
    person: int | None = Field(default=None, description="同一人の除票がある場合、その宛名番号（再記載）")
    resident_kind: ResidentKind = Field(default=ResidentKind.JAPANESE, description="住民種別")
    family_name: str = Field(min_length=1, max_length=100, description="氏")
    given_name: str = Field(default="", max_length=100, description="名")
    family_name_kana: Kana = Field(min_length=1, max_length=100, description="氏カナ")
    given_name_kana: Kana = Field(default="", max_length=100, description="名カナ")
    family_name_furigana: Kana = Field(default="", max_length=100, description="氏の振り仮名")
    given_name_furigana: Kana = Field(default="", max_length=100, description="名の振り仮名")
    alphabet_name: str = Field(default="", max_length=200, description="アルファベット氏名")
    concurrent_name: str = Field(default="", max_length=100, description="併記名")
    concurrent_name_kana: Kana = Field(default="", max_length=200, description="併記名カナ")
    alias_name: str = Field(default="", max_length=100, description="通称")
    alias_name_kana: Kana = Field(default="", max_length=200, description="通称カナ")
    birth_year: int | None = Field(default=None, ge=1800, le=2999, description="生年（西暦）")
    birth_month: int | None = Field(default=None, ge=1, le=12, description="生月")
    birth_day: int | None = Field(default=None, ge=1, le=31, description="生日")
    birth_date_note: str = Field(default="", max_length=50, description="生年月日不詳文字")
    sex: Sex = Field(description="性別")
    town_block: str = Field(min_length=1, description="住所の町丁字コード")
    banchi: str = Field(default="", max_length=100, description="番地")
    katagaki: str = Field(default="", max_length=200, description="方書")
    katagaki_kana: Kana = Field(default="", max_length=300, description="方書カナ")
    katagaki_hidden: bool = Field(default=False, description="方書非表示")
    household: Literal["new", "join"] = Field(default="new", description="new: 新たな世帯 / join: 既存の世帯に入る")
    join_household_no: int | None = Field(default=None, description="加入する世帯の世帯番号（join の場合）")
    relationship: Relationship = Field(default=Relationship.HOUSEHOLDER, description="世帯主との続柄")
    domicile: str = Field(default="", max_length=200, description="本籍（日本人住民）")
    domicile_head: str = Field(default="", max_length=100, description="筆頭者")
    resident_code: str = Field(default="", max_length=20, description="住民票コード（空欄なら確定時に払い出す）")
    my_number: str = Field(default="", max_length=20, description="個人番号（空欄なら確定時に生成する）")
    foreign_category: ForeignResidentCategory | None = Field(default=None, description="法30条の45規定区分")
    nationality_code: str = Field(default="", max_length=3, description="国籍コード")
    nationality: str = Field(default="", max_length=50, description="国籍・地域")
    residence_status: ResidenceStatus | None = Field(default=None, description="在留資格")
    stay_years: int | None = Field(default=None, ge=0, le=99, description="在留期間（年）")
    stay_months: int | None = Field(default=None, ge=0, le=11, description="在留期間（月）")
    stay_days: int | None = Field(default=None, ge=0, le=365, description="在留期間（日）")
    stay_expires_on: dt.date | None = Field(default=None, description="在留期間の満了の日")
    residence_card_no: str = Field(default="", max_length=12, description="在留カード等番号")
    residence_card_kind: ResidenceCardKind | None = Field(default=None, description="在留カード等番号区分")
    became_resident_on: dt.date | None = Field(default=None, description="住民となった日（空欄なら異動日）")
    pre_move_in_address: str = Field(default="", max_length=300, description="従前の住所（判明している場合）")
    pre_move_in_householder: str = Field(default="", max_length=100, description="従前の住所の世帯主")
    remarks: str = Field(default="", max_length=1000, description="備考")


FOREIGN_ITEMS = ("foreign_category", "nationality_code", "nationality", "residence_status", "stay_years", "stay_months",
                 "stay_days", "stay_expires_on", "residence_card_no", "residence_card_kind")


@register
class ExOfficioEntry(ChangeHandler):
    """職権記載: the mayor enters a record that should exist (住基法8条, 施行令12条1項).

    For a person found to live here without having notified (e.g. by a 実態調査 or a notice
    from another office). A new person (new 宛名番号) in a new or an existing household; if the
    same person has a removed record here (除票), ``person`` names it and the record is entered
    again on that addressee number, keeping its resident code and My Number. New numbers come
    from :func:`juki.register.issuance.number_source` at confirmation (never at entry, so a
    rejected change uses none).
    """

    kind = "ex_officio_entry"
    reason = ChangeReason.EX_OFFICIO_ENTRY
    label = "職権記載"
    article = "住民基本台帳法8条、同法施行令12条1項"
    items = ExOfficioEntryItems
    ex_officio = True

    def plan(self, items: ExOfficioEntryItems, ctx: ChangeContext) -> Plan:
        previous: ResidentRecord | None = None
        if items.person is not None:
            previous = ctx.current(items.person)
            if previous.status == RecordStatus.RESIDENT:
                raise ValidationFailed("EX_OFFICIO_ENTRY_ALREADY_RESIDENT",
                                       f"宛名番号 {items.person} は住民です。住民である者は記載できません。", field="person")
        plan = check_dates(self, ctx, [previous] if previous is not None else [])

        precision = birth_precision(items.birth_year, items.birth_month, items.birth_day)
        born = earliest_birth(items.birth_year, items.birth_month, items.birth_day)
        if born is not None and precision == DatePrecision.FULL and born > ctx.effective_on:
            raise ValidationFailed("CHANGE_BEFORE_BIRTH", "異動日が生年月日より前になっています。", field="effective_on")
        became = items.became_resident_on or ctx.effective_on
        if became > ctx.effective_on:
            raise ValidationFailed("EX_OFFICIO_ENTRY_BECAME_AFTER_EFFECTIVE", "住民となった日が異動日より後になっています。",
                                   field="became_resident_on")
        if born is not None and precision == DatePrecision.FULL and became < born:
            raise ValidationFailed("EX_OFFICIO_ENTRY_BECAME_BEFORE_BIRTH", "住民となった日が生年月日より前になっています。",
                                   field="became_resident_on")
        self._check_kind_items(items)

        town_block = ctx.town_block(items.town_block)
        address = (town_block.pk, items.banchi, items.katagaki)
        household, order, stages = self._household(items, ctx, address)

        numbers = self._numbers(items, ctx, previous, plan)
        fields: dict[str, Any] = copy_fields(previous) if previous is not None else {}
        fields.update(
            resident_kind=items.resident_kind, status=RecordStatus.RESIDENT, removal_reason="", removed_on=None,
            removal_notified_on=None, removal_date_note="", retention_until=None,
            family_name=items.family_name, given_name=items.given_name,
            family_name_kana=items.family_name_kana, given_name_kana=items.given_name_kana,
            family_name_furigana=items.family_name_furigana, given_name_furigana=items.given_name_furigana,
            furigana_certification=(FuriganaCertification.UNCERTIFIED
                                    if items.family_name_furigana or items.given_name_furigana
                                    else FuriganaCertification.NONE),
            alphabet_name=items.alphabet_name, concurrent_name=items.concurrent_name,
            concurrent_name_kana=items.concurrent_name_kana, alias_name=items.alias_name,
            alias_name_kana=items.alias_name_kana,
            birth_year=items.birth_year, birth_month=items.birth_month, birth_day=items.birth_day,
            birth_date_precision=precision, birth_date_note=items.birth_date_note, sex=items.sex,
            town_block_id=town_block.pk, banchi=items.banchi, katagaki=items.katagaki,
            katagaki_kana=items.katagaki_kana, katagaki_hidden=items.katagaki_hidden,
            household_id=household, relationship=items.relationship, listing_order=order,
            domicile=items.domicile, domicile_head=items.domicile_head,
            resident_code=numbers["resident_code"],
            foreign_category=items.foreign_category or "", nationality_code=items.nationality_code,
            nationality=items.nationality, residence_status=items.residence_status or "",
            stay_years=items.stay_years, stay_months=items.stay_months, stay_days=items.stay_days,
            stay_expires_on=items.stay_expires_on, residence_card_no=items.residence_card_no,
            residence_card_kind=items.residence_card_kind or "",
            became_foreign_resident_on=became if items.resident_kind == ResidentKind.FOREIGN else None,
            became_resident_on=became, became_resident_reason=ChangeReason.EX_OFFICIO_ENTRY,
            became_resident_note="", address_established_on=became, address_established_notified_on=None,
            address_established_note="", previous_address="", previous_householder="",
            pre_move_in_address=items.pre_move_in_address, pre_move_in_householder=items.pre_move_in_householder,
            planned_move_out_address="", planned_move_out_householder="", planned_move_out_on=None,
            planned_move_out_notified_on=None, confirmed_move_out_address="", confirmed_move_out_on=None,
            confirmed_move_out_notice_on=None, remarks=items.remarks,
        )
        if previous is None:
            fields.update(my_number_enc=None, my_number_index="")
        ref = f"p:{previous.person_id}" if previous is not None else "new:1"
        fields = join_versions(plan, NewVersion(ref=ref, person_id=previous.person_id if previous is not None else None,
                                                fields=fields, my_number=numbers["my_number"]), stages)
        self._duplicate_warning(items, plan, previous)

        if stages:
            town_block = stages[-1].head.town_block  # the events describe the current record
        address_text = format_address(ctx.municipality(), town_block, fields["banchi"], fields["katagaki"])
        plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address_text))
        plan.events.append(intra_office_event(ref, fields, self.reason, ctx, address=address_text))
        if numbers["issued"]:
            plan.events.append(EventDraft(ref, outbound.delivery_info(
                fields, self.reason, ctx.effective_on, address=address_text, postcode=town_block.postcode)))
        if domicile_elsewhere(items.domicile, ctx.municipality(), resident_kind=items.resident_kind):
            plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, address_text))
        return plan

    @staticmethod
    def _check_kind_items(items: ExOfficioEntryItems) -> None:
        if items.resident_kind == ResidentKind.FOREIGN:
            if items.foreign_category is None or not items.nationality:
                raise ValidationFailed("FOREIGN_ITEMS_REQUIRED",
                                       "外国人住民は国籍・地域と法30条の45規定区分を入力してください。", field="foreign_category")
            if items.domicile or items.domicile_head:
                raise ValidationFailed("FOREIGN_NO_DOMICILE", "外国人住民には本籍・筆頭者を記載しません。", field="domicile")
        else:
            given = [name for name in FOREIGN_ITEMS if getattr(items, name) not in (None, "")]
            if given:
                raise ValidationFailed("JAPANESE_NO_FOREIGN_ITEMS",
                                       "日本人住民には外国人住民の記載事項を入力できません。", field=given[0])

    @staticmethod
    def _household(items: ExOfficioEntryItems, ctx: ChangeContext,
                   address: tuple[int, str, str]) -> tuple[object, int, list[HouseholdStage] | None]:
        if items.household == "new":
            if items.join_household_no is not None:
                raise ValidationFailed("EX_OFFICIO_ENTRY_JOIN_HOUSEHOLD_UNEXPECTED",
                                       "新たな世帯を作る場合は世帯番号を入力しません。", field="join_household_no")
            if items.relationship != Relationship.HOUSEHOLDER:
                raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "新たな世帯の続柄は世帯主になります。", field="relationship")
            return NEW_HOUSEHOLD, 1, None
        if items.join_household_no is None:
            raise ValidationFailed("EX_OFFICIO_ENTRY_JOIN_HOUSEHOLD_REQUIRED", "加入する世帯の世帯番号を入力してください。",
                                   field="join_household_no")
        members = ctx.household_members(items.join_household_no)
        if not members:
            raise ValidationFailed("EX_OFFICIO_ENTRY_JOIN_HOUSEHOLD_UNKNOWN", "加入する世帯に住民がいません。",
                                   field="join_household_no")
        if items.relationship == Relationship.HOUSEHOLDER:
            raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "加入する世帯には既に世帯主がいます。", field="relationship")
        # The household's address on the effective date: the person lived there then (household_stages).
        stages = household_stages(ctx, items.join_household_no, field="join_household_no")
        if any((m.town_block_id, m.banchi, m.katagaki) != address for m in stages[0].members):
            raise ValidationFailed("EX_OFFICIO_ENTRY_ADDRESS_MISMATCH", "加入する世帯の異動日の住所と入力した住所が一致しません。",
                                   field="town_block")
        return items.join_household_no, max(m.listing_order for m in members) + 1, stages

    @staticmethod
    def _numbers(items: ExOfficioEntryItems, ctx: ChangeContext, previous: ResidentRecord | None,
                 plan: Plan) -> dict[str, Any]:
        """The resident code and My Number of the entry: given, kept from the 除票, or issued."""
        own = previous.person_id if previous is not None else None
        code = items.resident_code
        if code:
            try:
                code = resident_code_id.validate(code)
            except IdentifierError as exc:
                raise ValidationFailed(exc.code, exc.message, field="resident_code") from None
            holder = _current_holder(resident_code=code)
            if holder is not None and holder.person_id != own:
                raise ValidationFailed(
                    "EX_OFFICIO_ENTRY_RESIDENT_CODE_IN_USE",
                    f"住民票コードは宛名番号 {holder.person_id} の住民票（{RecordStatus(holder.status).label}）に記載されています。"
                    "同一人の除票であれば、その宛名番号を指定して記載してください。",
                    field="resident_code",
                )
        if items.my_number:
            if not code and previous is None:
                raise ValidationFailed("EX_OFFICIO_ENTRY_MY_NUMBER_WITHOUT_CODE",
                                       "個人番号を入力する場合は住民票コードも入力してください。", field="my_number")
            try:
                index = blind_index(items.my_number)
            except IdentifierError as exc:
                raise ValidationFailed(exc.code, exc.message, field="my_number") from None
            holder = _current_holder(my_number_index=index)
            if holder is not None and holder.person_id != own:
                raise ValidationFailed("EX_OFFICIO_ENTRY_MY_NUMBER_IN_USE",
                                       f"個人番号は宛名番号 {holder.person_id} の住民票に記載されています。", field="my_number")
        if code or previous is not None:
            if previous is not None and not code:
                code = previous.resident_code
            if not items.my_number and (previous is None or not previous.my_number_index):
                plan.warnings.append("個人番号が記載されません。番号の確認後、個人番号の変更により記載してください。")
            return {"resident_code": code, "my_number": items.my_number or None, "issued": False}
        # New numbers (住基法30条の2, 番号法7条1項): drawn only when the change is confirmed.
        if not ctx.lock:
            plan.warnings.append("住民票コード・個人番号は確定時に払い出します。")
            return {"resident_code": "", "my_number": None, "issued": True}
        source = number_source()
        code = source.allocate_resident_code()
        return {"resident_code": code, "my_number": source.generate_my_number(code), "issued": True}

    @staticmethod
    def _duplicate_warning(items: ExOfficioEntryItems, plan: Plan, previous: ResidentRecord | None) -> None:
        """A current resident with the same kana name and date of birth may be the same person."""
        key = kana_search_key(items.family_name_kana + items.given_name_kana)
        same = ResidentRecord.objects.filter(
            is_current=True, status=RecordStatus.RESIDENT, name_kana_key=key,
            birth_year=items.birth_year, birth_month=items.birth_month, birth_day=items.birth_day,
        ).values_list("person_id", flat=True)[:5]
        others = [p for p in same if previous is None or p != previous.person_id]
        if others:
            plan.warnings.append(
                "同じ氏名カナ・生年月日の住民がいます（宛名番号 " + "、".join(str(p) for p in others) + "）。同一人でないか確認してください。"
            )


# --- 職権修正 -------------------------------------------------------------------------------------

class CorrectedValues(ChangeItems):
    """The items 職権修正 may correct, with their right values. Items left out stay as they are.

    Not here, so refused as "not allowed": the resident code and My Number (their own kinds:
    住民票コードの変更・個人番号の変更), the household and the householder (世帯変更), the
    住民種別 and 住民状態 (転入・消除・回復), and derived items (保存期限, search keys).
    """

    family_name: str | None = Field(default=None, min_length=1, max_length=100, description="氏")
    given_name: str | None = Field(default=None, max_length=100, description="名")
    family_name_kana: Kana | None = Field(default=None, min_length=1, max_length=100, description="氏カナ")
    given_name_kana: Kana | None = Field(default=None, max_length=100, description="名カナ")
    family_name_furigana: Kana | None = Field(default=None, max_length=100, description="氏の振り仮名")
    given_name_furigana: Kana | None = Field(default=None, max_length=100, description="名の振り仮名")
    furigana_certification: FuriganaCertification | None = Field(default=None, description="氏名の振り仮名公証区分")
    alphabet_name: str | None = Field(default=None, max_length=200, description="アルファベット氏名")
    concurrent_name: str | None = Field(default=None, max_length=100, description="併記名")
    concurrent_name_kana: Kana | None = Field(default=None, max_length=200, description="併記名カナ")
    alias_name: str | None = Field(default=None, max_length=100, description="通称")
    alias_name_kana: Kana | None = Field(default=None, max_length=200, description="通称カナ")
    former_surname: str | None = Field(default=None, max_length=100, description="旧氏")
    former_surname_kana: Kana | None = Field(default=None, max_length=100, description="旧氏カナ")
    former_surname_romaji: str | None = Field(default=None, max_length=100, description="旧氏ローマ字")
    birth_year: int | None = Field(default=None, ge=1800, le=2999, description="生年")
    birth_month: int | None = Field(default=None, ge=1, le=12, description="生月")
    birth_day: int | None = Field(default=None, ge=1, le=31, description="生日")
    birth_date_precision: DatePrecision | None = Field(default=None, description="生年月日不詳区分")
    birth_date_note: str | None = Field(default=None, max_length=50, description="生年月日不詳文字")
    sex: Sex | None = Field(default=None, description="性別")
    town_block: str | None = Field(default=None, min_length=1, description="町丁字コード")
    banchi: str | None = Field(default=None, max_length=100, description="番地")
    katagaki: str | None = Field(default=None, max_length=200, description="方書")
    katagaki_kana: Kana | None = Field(default=None, max_length=300, description="方書カナ")
    katagaki_hidden: bool | None = Field(default=None, description="方書非表示")
    relationship: Relationship | None = Field(default=None, description="続柄（世帯主の変更を除く）")
    domicile: str | None = Field(default=None, max_length=200, description="本籍")
    domicile_head: str | None = Field(default=None, max_length=100, description="筆頭者")
    foreign_category: ForeignResidentCategory | None = Field(default=None, description="法30条の45規定区分")
    nationality_code: str | None = Field(default=None, max_length=3, description="国籍コード")
    nationality: str | None = Field(default=None, max_length=50, description="国籍・地域")
    residence_status: ResidenceStatus | None = Field(default=None, description="在留資格")
    stay_years: int | None = Field(default=None, ge=0, le=99, description="在留期間（年）")
    stay_months: int | None = Field(default=None, ge=0, le=11, description="在留期間（月）")
    stay_days: int | None = Field(default=None, ge=0, le=365, description="在留期間（日）")
    stay_expires_on: dt.date | None = Field(default=None, description="在留期間の満了の日")
    residence_card_no: str | None = Field(default=None, max_length=12, description="在留カード等番号")
    residence_card_kind: ResidenceCardKind | None = Field(default=None, description="在留カード等番号区分")
    became_foreign_resident_on: dt.date | None = Field(default=None, description="外国人住民となった日")
    became_resident_on: dt.date | None = Field(default=None, description="住民となった日")
    became_resident_note: str | None = Field(default=None, max_length=50, description="住民日不詳文字")
    address_established_on: dt.date | None = Field(default=None, description="住所を定めた日")
    address_established_notified_on: dt.date | None = Field(default=None, description="住定届出日")
    address_established_note: str | None = Field(default=None, max_length=50, description="住定日不詳文字")
    previous_address: str | None = Field(default=None, max_length=300, description="前住所")
    previous_householder: str | None = Field(default=None, max_length=100, description="前住所の世帯主")
    pre_move_in_address: str | None = Field(default=None, max_length=300, description="転入前住所")
    pre_move_in_householder: str | None = Field(default=None, max_length=100, description="転入前住所の世帯主")
    removed_on: dt.date | None = Field(default=None, description="消除日（除票のみ）")
    removal_notified_on: dt.date | None = Field(default=None, description="消除届出日（除票のみ）")
    removal_date_note: str | None = Field(default=None, max_length=50, description="消除日不詳文字（除票のみ）")
    remarks: str | None = Field(default=None, max_length=1000, description="備考")

    @model_serializer(mode="wrap")
    def _only_corrected(self, handler: Any) -> dict[str, Any]:
        """Stored with the change as exactly the corrected items (left-out items are not written)."""
        return {k: v for k, v in handler(self).items() if v is not None}


#: Items that may be emptied (set to blank / unknown) by a correction, through ``cleared``.
CLEARABLE = (
    "furigana_certification", "foreign_category", "residence_status", "stay_years", "stay_months", "stay_days",
    "stay_expires_on", "residence_card_kind", "became_foreign_resident_on", "became_resident_on",
    "address_established_on", "address_established_notified_on", "removal_notified_on",
)
REMOVED_ONLY = ("removed_on", "removal_notified_on", "removal_date_note")
BIRTH_ITEMS = ("birth_year", "birth_month", "birth_day", "birth_date_precision")
#: How many leading parts of a birth date (year, month, day) each precision knows.
KNOWN_PARTS = {DatePrecision.FULL: 3, DatePrecision.YEAR_MONTH: 2, DatePrecision.YEAR: 1, DatePrecision.UNKNOWN: 0}
#: What "cleared" means for each clearable item: blank text or NULL.
CLEARED_VALUE: dict[str, Any] = {
    "furigana_certification": FuriganaCertification.NONE, "foreign_category": "", "residence_status": "",
    "residence_card_kind": "",
}


class ExOfficioCorrectionItems(ChangeItems):
    """職権修正の記載事項: whose record, the right values of the wrong items, and why."""

    person: int = Field(description="修正する者の宛名番号")
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="修正の理由（誤りの内容と根拠）")
    corrections: CorrectedValues = Field(default_factory=CorrectedValues, description="修正後の値（修正する項目のみ）")
    cleared: list[str] = Field(default_factory=list, description="空欄・不詳にする項目（" + "、".join(CLEARABLE) + "）")


@register
class ExOfficioCorrection(ChangeHandler):
    """職権修正: correct wrong items of the current record (施行令12条3項).

    The wrong values stay in history: the version being corrected keeps them, and the new
    version is written with 異動事由「職権修正」. The change keeps the corrected items (its
    items and before/after) and the reason. Removed records (除票) may be corrected too and stay
    removed; correcting a removal date recomputes the retention date (施行令34条).
    """

    kind = "ex_officio_correction"
    reason = ChangeReason.EX_OFFICIO_CORRECTION
    label = "職権修正"
    article = "住民基本台帳法施行令12条3項"
    items = ExOfficioCorrectionItems
    ex_officio = True
    allows_removed = True

    def plan(self, items: ExOfficioCorrectionItems, ctx: ChangeContext) -> Plan:
        current = ctx.current(items.person)
        require_resident(current, self)
        plan = check_dates(self, ctx, [current])
        given: dict[str, Any] = {k: v for k, v in items.corrections if v is not None}
        for name in items.cleared:
            if name not in CLEARABLE:
                raise ValidationFailed("CORRECTION_NOT_CLEARABLE", f"「{_item_name(name)}」は空欄にできない項目です。",
                                       field="cleared")
        if not given and not items.cleared:
            raise ValidationFailed("CORRECTION_NOTHING", "修正する項目を入力してください。", field="corrections")
        overlap = set(given) & set(items.cleared)
        if overlap:
            raise ValidationFailed("CORRECTION_CONFLICT", "同じ項目に修正後の値と空欄化の両方が指定されています。",
                                   field=f"corrections.{sorted(overlap)[0]}")
        removed = current.status == RecordStatus.REMOVED
        for name in REMOVED_ONLY:
            if (name in given or name in items.cleared) and not removed:
                raise ValidationFailed("CORRECTION_NOT_REMOVED", "消除に関する項目は除票についてのみ修正できます。",
                                       field=f"corrections.{name}")

        fields = copy_fields(current)
        for name, value in given.items():
            if name == "town_block":
                fields["town_block_id"] = ctx.town_block(value).pk
            elif name not in BIRTH_ITEMS:
                fields[name] = value
        for name in items.cleared:
            fields[name] = CLEARED_VALUE.get(name)
        if any(name in given for name in BIRTH_ITEMS):
            self._correct_birth(fields, given)
        if "relationship" in given:
            new_rel = given["relationship"]
            if Relationship.HOUSEHOLDER in (current.relationship, new_rel) and new_rel != current.relationship:
                raise ValidationFailed("CORRECTION_HOUSEHOLDER",
                                       "世帯主の変更は職権修正ではなく世帯変更（世帯主変更）によります。",
                                       field="corrections.relationship")
        if removed and ("removed_on" in given):
            if given["removed_on"] > ctx.today:
                raise ValidationFailed("CORRECTION_REMOVED_IN_FUTURE", "消除日に未来の日付は入力できません。",
                                       field="corrections.removed_on")
            fields["retention_until"] = entry_rules.retention_until(given["removed_on"])
        self._check_dates_of(fields)
        if current.resident_kind == ResidentKind.JAPANESE and any(
            fields[n] not in (None, "") for n in ("foreign_category", "residence_status", "nationality")
        ):
            raise ValidationFailed("JAPANESE_NO_FOREIGN_ITEMS", "日本人住民には外国人住民の記載事項を入力できません。",
                                   field="corrections")

        corrected = sorted(n for n in fields if fields[n] != getattr(current, n))
        if not corrected:
            raise ValidationFailed("CORRECTION_NO_DIFFERENCE", "修正後の値が現在の記載と同じです。", field="corrections")
        ref = f"p:{current.person_id}"
        plan.versions.append(NewVersion(ref=ref, person_id=current.person_id, fields=fields))
        # The address written (a corrected town block was looked up above: no further query).
        block = ctx.town_block(given["town_block"]) if "town_block" in given else current.town_block
        address = format_address(ctx.municipality(), block, fields["banchi"], fields["katagaki"])
        plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address))
        plan.events.append(intra_office_event(ref, fields, self.reason, ctx,
                                              corrected=[_item_name(n) for n in corrected],
                                              correction_reason=items.reason))
        if domicile_elsewhere(fields["domicile"], ctx.municipality(), resident_kind=fields["resident_kind"]) and current.status == RecordStatus.RESIDENT:
            plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, address))
        return plan

    @staticmethod
    def _correct_birth(fields: dict[str, Any], given: dict[str, Any]) -> None:
        parts = [given.get(n, fields[n]) for n in ("birth_year", "birth_month", "birth_day")]
        precision = given.get("birth_date_precision")
        if precision is not None:
            n = KNOWN_PARTS[DatePrecision(precision)]
            if any(given.get(name) is not None for name in BIRTH_ITEMS[n:3]):
                raise ValidationFailed("BIRTH_DATE_PARTS", "生年月日不詳区分と入力した生年月日が一致しません。",
                                       field="corrections.birth_date_precision")
            parts = parts[:n] + [None] * (3 - n)
            if any(p is None for p in parts[:n]):
                raise ValidationFailed("BIRTH_DATE_PARTS", "生年月日不詳区分に必要な年・月・日を入力してください。",
                                       field="corrections.birth_date_precision")
        fields["birth_date_precision"] = birth_precision(*parts, field="corrections.birth_year")
        fields["birth_year"], fields["birth_month"], fields["birth_day"] = parts

    @staticmethod
    def _check_dates_of(fields: dict[str, Any]) -> None:
        born = earliest_birth(fields["birth_year"], fields["birth_month"], fields["birth_day"])
        if born is None or fields["birth_date_precision"] != DatePrecision.FULL:
            return
        for name in ("became_resident_on", "address_established_on", "removed_on"):
            if fields.get(name) is not None and fields[name] < born:
                raise ValidationFailed("CORRECTION_DATE_BEFORE_BIRTH",
                                       f"{_item_name(name)}が生年月日より前になります。", field=f"corrections.{name}")


def _item_name(attname: str) -> str:
    name = attname[:-3] if attname.endswith("_id") else attname
    try:
        return str(model_field(ResidentRecord, name).verbose_name)
    except Exception:  # noqa: BLE001 - not a model field
        return name


# --- 職権消除 -------------------------------------------------------------------------------------

class ExOfficioRemovalItems(ChangeItems):
    """職権消除の記載事項: who, on what grounds, and the household left behind."""

    persons: list[int] = Field(min_length=1, description="消除する者の宛名番号（同じ世帯）")
    grounds: Literal["no_residence", "duplicate_record", "other"] = Field(
        description="no_residence: 実態調査により居住の事実なし / duplicate_record: 二重記載 / other: その他"
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="消除の理由（調査の経過等）")
    new_householder: int | None = Field(default=None, description="世帯主を消除し他の世帯員が残る場合の新しい世帯主")
    relationships: dict[str, str] = Field(
        default_factory=dict, description="宛名番号 → 新しい世帯主との続柄（世帯主が替わる場合、残る世帯員全員）"
    )


@register
class ExOfficioRemoval(ChangeHandler):
    """職権消除: remove the record of a person who is not a resident (住基法8条, 施行令12条2項1号).

    E.g. a 実態調査 found no actual residence (居住実態なし). The record becomes a removed record
    (除票) with 消除事由「職権消除」, removed on the effective date, kept 150 years
    (施行令34条). When the householder is removed and others stay, a new householder and the
    others' relationships to them are required (the household keeps one 世帯主).
    """

    kind = "ex_officio_removal"
    reason = ChangeReason.EX_OFFICIO_REMOVAL
    label = "職権消除"
    article = "住民基本台帳法8条、同法施行令12条2項"
    items = ExOfficioRemovalItems
    ex_officio = True

    def plan(self, items: ExOfficioRemovalItems, ctx: ChangeContext) -> Plan:
        records = current_residents(self, ctx, items.persons)
        plan = check_dates(self, ctx, records)
        household_nos = {r.household_id for r in records}
        if len(household_nos) != 1:
            raise ValidationFailed("REMOVAL_PERSONS_DIFFERENT_HOUSEHOLDS", "同じ世帯の者だけを一度に消除できます。",
                                   field="persons")
        (household_no,) = household_nos
        removing = {r.person_id for r in records}
        staying = [m for m in ctx.household_members(household_no) if m.person_id not in removing]
        head_leaves = any(r.relationship == Relationship.HOUSEHOLDER for r in records)
        rels = by_addressee_no(items.relationships)

        restated: dict[int, tuple[str, int]] = {}
        if head_leaves and staying:
            if items.new_householder is None:
                raise ValidationFailed(
                    "REMOVAL_HOUSEHOLDER_LEAVES",
                    "世帯主を消除すると残る世帯員の世帯主がいなくなります。新しい世帯主と続柄を指定してください。",
                    field="new_householder",
                )
            staying_ids = {m.person_id for m in staying}
            if items.new_householder not in staying_ids:
                raise ValidationFailed("REMOVAL_NEW_HOUSEHOLDER_NOT_MEMBER", "新しい世帯主は残る世帯員から選んでください。",
                                       field="new_householder")
            rels[items.new_householder] = Relationship.HOUSEHOLDER
            if set(rels) != staying_ids:
                raise ValidationFailed("REMOVAL_RELATIONSHIPS", "残る世帯員全員の新しい世帯主との続柄を指定してください。",
                                       field="relationships")
            check_one_householder(rels, household=str(household_no))
            ordered = sorted(staying, key=lambda m: (m.person_id != items.new_householder, m.listing_order))
            restated = {m.person_id: (rels[m.person_id], i) for i, m in enumerate(ordered, start=1)}
        elif items.new_householder is not None or rels:
            raise ValidationFailed("REMOVAL_NEW_HOUSEHOLDER_UNEXPECTED",
                                   "世帯主を消除しない場合は新しい世帯主・続柄を指定しません（世帯主変更は世帯変更によります）。",
                                   field="new_householder")

        retention = entry_rules.retention_until(ctx.effective_on)
        for r in records:
            fields = copy_fields(r)
            fields.update(status=RecordStatus.REMOVED, removal_reason=RemovalReason.EX_OFFICIO,
                          removed_on=ctx.effective_on, removal_notified_on=None, removal_date_note="",
                          retention_until=retention)
            ref = f"p:{r.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=r.person_id, fields=fields))
            address = address_of(r, ctx)
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, removal_reason=RemovalReason.EX_OFFICIO,
                                                  grounds=items.grounds))
            if domicile_elsewhere(r.domicile, ctx.municipality(), resident_kind=r.resident_kind):
                plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, address))
        for m in staying:
            if m.person_id not in restated:
                continue
            relationship, order = restated[m.person_id]
            if (relationship, order) == (m.relationship, m.listing_order):
                continue
            fields = copy_fields(m)
            fields.update(relationship=relationship, listing_order=order)
            ref = f"p:{m.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=m.person_id, fields=fields))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, relationship=str(relationship)))
        return plan


# --- 回復 -----------------------------------------------------------------------------------------

class RestorationItems(ChangeItems):
    """回復の記載事項: whose removed records, why the removal was wrong, and their household."""

    persons: list[int] = Field(min_length=1, description="回復する者の宛名番号（消除前に同じ世帯）")
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="回復の理由（誤って消除した経緯）")
    household: Literal["same", "new"] = Field(
        default="same", description="same: 消除前の世帯に戻す / new: 新たな世帯を作る"
    )
    relationships: dict[str, str] = Field(
        default_factory=dict, description="宛名番号 → 続柄（消除前と異なる続柄とする場合、new では全員）"
    )


#: Items of the removal itself, reset by a restoration.
REMOVAL_ITEMS = ("status", "removal_reason", "removed_on", "removal_notified_on", "removal_date_note",
                 "retention_until")


@register
class Restoration(ChangeHandler):
    """回復: restore a record removed in error (施行令12条3項).

    Only removed records (除票). The restored version takes the items of the last version
    before the removal (the last resident version), with any 職権修正 made to the 除票 since,
    and resident status again. The resident code and My Number must not have been recorded for
    another person meanwhile. Restoring into the former household requires it to be at the same
    address and to keep one householder.
    """

    kind = "restoration"
    reason = ChangeReason.RESTORATION
    label = "回復"
    article = "住民基本台帳法施行令12条3項"
    items = RestorationItems
    ex_officio = True
    allows_removed = True

    def plan(self, items: RestorationItems, ctx: ChangeContext) -> Plan:
        records = [ctx.current(p) for p in dict.fromkeys(items.persons)]
        for rec in records:
            if rec.status != RecordStatus.REMOVED:
                raise ValidationFailed("RESTORATION_NOT_REMOVED",
                                       f"宛名番号 {rec.person_id} は消除されていません。回復は除票についてのみ行えます。",
                                       field="persons")
        plan = check_dates(self, ctx, records)
        rels = by_addressee_no(items.relationships)
        if set(rels) - {r.person_id for r in records}:
            raise ValidationFailed("RESTORATION_RELATIONSHIPS", "続柄は回復する者についてのみ指定できます。",
                                   field="relationships")
        restored = {r.person_id: self._restored_fields(r) for r in records}
        for pid, fields in restored.items():
            self._check_numbers(pid, fields)

        if items.household == "new":
            if set(rels) != set(restored):
                raise ValidationFailed("RESTORATION_RELATIONSHIPS", "新たな世帯では回復する全員の続柄を指定してください。",
                                       field="relationships")
            check_one_householder(dict(rels), household="新世帯")
            if len({(f["town_block_id"], f["banchi"], f["katagaki"]) for f in restored.values()}) != 1:
                raise ValidationFailed("RESTORATION_ADDRESS_MISMATCH", "新たな世帯とする者の消除前の住所が一致しません。",
                                       field="persons")
            ordered = sorted(restored, key=lambda p: (rels[p] != Relationship.HOUSEHOLDER, restored[p]["listing_order"]))
            for i, pid in enumerate(ordered, start=1):
                restored[pid].update(household_id=NEW_HOUSEHOLD, relationship=rels[pid], listing_order=i)
            stages = None
        else:
            stages = self._into_former_household(restored, rels, ctx)

        for rec in records:
            ref = f"p:{rec.person_id}"
            fields = join_versions(plan, NewVersion(ref=ref, person_id=rec.person_id, fields=restored[rec.person_id]),
                                   stages)
            address = _address_from(fields, ctx)
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=address))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, address=address))
            if domicile_elsewhere(fields["domicile"], ctx.municipality(), resident_kind=fields["resident_kind"]):
                plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, address))
        return plan

    @staticmethod
    def _restored_fields(current: ResidentRecord) -> dict[str, Any]:
        """Items of the last resident version, with 職権修正 made to the 除票 since carried over."""
        versions = list(ResidentRecord.objects.filter(person_id=current.person_id).order_by("version"))
        resident = [v for v in versions if v.status == RecordStatus.RESIDENT and v.version < current.version]
        if not resident:
            raise ValidationFailed("RESTORATION_NO_RESIDENT_VERSION", "消除前の住民票（住民であった版）がありません。",
                                   field="persons")
        last = resident[-1]
        fields = copy_fields(last)
        later = [v for v in versions if v.version > last.version]
        for before, after in zip([last, *later], later, strict=False):
            if after.change_reason != ChangeReason.EX_OFFICIO_CORRECTION:
                continue
            for name, value in copy_fields(after).items():
                if name not in REMOVAL_ITEMS and value != getattr(before, name):
                    fields[name] = getattr(current, name)
        fields.update(status=RecordStatus.RESIDENT, removal_reason="", removed_on=None, removal_notified_on=None,
                      removal_date_note="", retention_until=None)
        return fields

    @staticmethod
    def _check_numbers(pid: int, fields: dict[str, Any]) -> None:
        """The numbers come back only if no other current record carries them now."""
        if fields["resident_code"]:
            holder = ResidentRecord.objects.filter(is_current=True, resident_code=fields["resident_code"]).exclude(
                person_id=pid).values_list("person_id", flat=True).first()
            if holder is not None:
                raise ValidationFailed("RESTORATION_RESIDENT_CODE_IN_USE",
                                       f"住民票コードが宛名番号 {holder} の住民票に記載されているため回復できません。",
                                       field="persons")
        if fields["my_number_index"]:
            holder = ResidentRecord.objects.filter(is_current=True, my_number_index=fields["my_number_index"]).exclude(
                person_id=pid).values_list("person_id", flat=True).first()
            if holder is not None:
                raise ValidationFailed("RESTORATION_MY_NUMBER_IN_USE",
                                       f"個人番号が宛名番号 {holder} の住民票に記載されているため回復できません。",
                                       field="persons")

    @staticmethod
    def _into_former_household(restored: dict[int, dict[str, Any]], rels: dict[int, Relationship],
                               ctx: ChangeContext) -> list[HouseholdStage] | None:
        """Check the restored persons fit their former household; its stages (household_stages)
        if it has members, the restored following its moves since the effective date."""
        households = {f["household_id"] for f in restored.values()}
        if len(households) != 1:
            raise ValidationFailed("RESTORATION_PERSONS_DIFFERENT_HOUSEHOLDS",
                                   "消除前に同じ世帯だった者だけを一度に回復できます。", field="persons")
        (household_no,) = households
        members = ctx.household_members(household_no)
        for pid, rel in rels.items():
            restored[pid]["relationship"] = rel
        final = {m.person_id: m.relationship for m in members}
        final.update({pid: f["relationship"] for pid, f in restored.items()})
        heads = [p for p, rel in final.items() if rel == Relationship.HOUSEHOLDER]
        if len(heads) > 1:
            raise ValidationFailed(
                "RESTORATION_HOUSEHOLDER_CONFLICT",
                "世帯には既に世帯主がいます。回復する者の続柄を指定するか、新たな世帯として回復してください。",
                field="relationships",
            )
        if not heads:
            raise ValidationFailed("RESTORATION_HOUSEHOLDER_MISSING",
                                   "回復後の世帯に世帯主がいません。世帯主を併せて回復するか、続柄を指定してください。",
                                   field="relationships")
        stages = None
        if members:
            stages = household_stages(ctx, household_no, field="household")
            here = {(m.town_block_id, m.banchi, m.katagaki) for m in stages[0].members}
            if any((f["town_block_id"], f["banchi"], f["katagaki"]) not in here for f in restored.values()):
                raise ValidationFailed(
                    "RESTORATION_ADDRESS_MISMATCH",
                    "消除前の世帯の住所が変わっています。新たな世帯として回復してから転居・世帯合併を処理してください。",
                    field="household",
                )
        taken = {m.listing_order for m in members}
        next_order = max(taken, default=0)
        for pid in sorted(restored, key=lambda p: restored[p]["listing_order"]):
            order = restored[pid]["listing_order"]
            if order in taken:
                next_order += 1
                order = next_order
            taken.add(order)
            next_order = max(next_order, order)
            restored[pid]["listing_order"] = order
        return stages


def _address_from(fields: dict[str, Any], ctx: ChangeContext) -> str:
    town_block = TownBlock.objects.get(pk=fields["town_block_id"])
    return format_address(ctx.municipality(), town_block, fields["banchi"], fields["katagaki"])


__all__ = [
    "ExOfficioCorrection",
    "ExOfficioEntry",
    "ExOfficioRemoval",
    "Restoration",
    "birth_precision",
    "not_before_current",
]
