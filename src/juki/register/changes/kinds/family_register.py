"""Changes driven by the family register (戸籍届に基づく異動): 出生, 死亡, 氏名の変更,
本籍・筆頭者の変更, 旧氏の記載・削除, 振り仮名の記載・変更.

A family-register notification (戸籍届) is received by the family-register office; the resident
record follows ex officio (住基法施行令12条2項1号: 戸籍に関する届書を受理したとき、又は住基法9条2項の
通知を受けたとき, the mayor records the change without a separate 住基 notification). These kinds
are therefore ``ex_officio``: no notification date is required (the staff form does not ask
for one; the API may give the day the 戸籍届 was received), and the 14-day period of
住基法22〜24条 does not apply (late family-register notifications are a 戸籍 matter, 戸籍法137条).
旧氏 entry and removal are on the person's request (請求) and need the request date.

Numbers: a birth gets a new 住民票コード and a new My Number, drawn only when the change is
confirmed (see :func:`..toolkit.persons.numbers_now`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from juki.core.errors import ValidationFailed

from ...entry_rules import retention_until
from ...issuance import number_source
from ...models import (
    ChangeReason,
    DatePrecision,
    ForeignResidentCategory,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentKind,
    ResidentRecord,
)
from ..base import (
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    NewVersion,
    Plan,
    birth_date_of,
    check_dates,
    copy_fields,
    current_residents,
    not_before_current,
    require_resident,
)
from ..item_types import Kana
from ..registry import register
from ..toolkit.events import append_version, person_events
from ..toolkit.households import (
    ADDRESS_ITEMS,
    HouseholdStage,
    check_one_householder,
    household_stages,
    join_versions,
)
from ..toolkit.persons import nationality_code, numbers_now, one_person, require_japanese, romaji

RELATIONSHIP_CODES = {r.value for r in Relationship}
#: In practice a householder is 15 or older (no statute sets an age): a younger one is flagged, not refused.
HOUSEHOLDER_USUAL_AGE = 15


def _age_on(record: ResidentRecord, day: dt.date) -> int | None:
    if record.birth_date_precision != DatePrecision.FULL:
        return None
    born = birth_date_of(record)
    assert born is not None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# === 出生 ====================================================================================

class BirthItems(ChangeItems):
    """出生届の記載事項（住民票に記載するもの）."""

    household: Literal["join", "new"] = Field(default="join", description="join: 既存の世帯に入る / new: 新しい世帯を作る")
    household_no: int | None = Field(default=None, description="入る世帯の世帯番号（join の場合）")
    relationship: str | None = Field(default=None, description="世帯主との続柄（join の場合。省略時は「子」）")
    town_block: str | None = Field(default=None, description="住所の町丁字コード（new の場合）")
    banchi: str | None = Field(default=None, max_length=100, description="番地（new の場合）")
    katagaki: str | None = Field(default=None, max_length=200, description="方書（new の場合）")
    katagaki_kana: Kana | None = Field(default=None, max_length=300, description="方書カナ（new の場合）")
    katagaki_hidden: bool | None = Field(default=None, description="方書非表示（new の場合）")
    resident_kind: Literal["japanese", "foreign"] = Field(default="japanese", description="日本人住民 / 外国人住民")
    family_name: str = Field(min_length=1, max_length=100, description="氏")
    given_name: str = Field(default="", max_length=100, description="名（名未定の場合は空欄）")
    family_name_kana: Kana = Field(min_length=1, max_length=100, description="氏カナ")
    given_name_kana: Kana = Field(default="", max_length=100, description="名カナ")
    family_name_furigana: Kana = Field(default="", max_length=100, description="氏の振り仮名")
    given_name_furigana: Kana = Field(default="", max_length=100, description="名の振り仮名")
    sex: Literal[1, 2] = Field(description="性別（1: 男, 2: 女）")
    domicile: str = Field(default="", max_length=200, description="本籍（日本人住民）")
    domicile_head: str = Field(default="", max_length=100, description="筆頭者（日本人住民）")
    nationality_code: str = Field(default="", max_length=3, description="国籍コード（外国人住民）")
    nationality: str = Field(default="", max_length=50, description="国籍・地域（外国人住民）")
    alphabet_name: str = Field(default="", max_length=200, description="アルファベット氏名（外国人住民）")

    @field_validator("nationality_code")
    @classmethod
    def check_nationality_code(cls, v: str) -> str:
        return nationality_code(v) or "" if v else v


@register
class Birth(ChangeHandler):
    """出生: a child born to the municipality's residents is entered (戸籍法49条; 住民票は出生届に
    基づき職権で記載, 住基法施行令12条2項1号; 外国人は住基法30条の45「出生による経過滞在者」).

    The birth date is the effective date; 住民となった日 and 住所を定めた日 are the birth date. The
    child joins an existing resident household (usually as 子) or forms a new one. A new
    住民票コード and a new My Number are issued when the change is confirmed, and 送付先情報
    follows so the 個人番号通知書 can be sent.
    """

    kind = "birth"
    reason = ChangeReason.BIRTH
    label = "出生"
    article = "戸籍法49条・住民基本台帳法施行令12条2項1号"
    items = BirthItems
    ex_officio = True
    dates_not_before_current = False  # a new person: no version to follow

    def plan(self, items: BirthItems, ctx: ChangeContext) -> Plan:
        plan = check_dates(self, ctx, [])
        address_items = (items.town_block, items.banchi, items.katagaki, items.katagaki_kana, items.katagaki_hidden)
        if items.household == "join":
            if items.household_no is None:
                raise ValidationFailed("BIRTH_HOUSEHOLD_REQUIRED", "入る世帯の世帯番号を入力してください。", field="household_no")
            if any(address_items):  # blank inputs (None, "", False) are not an address
                raise ValidationFailed("BIRTH_ADDRESS_NOT_FOR_JOIN",
                                       "既存の世帯に入る場合、住所はその世帯の住所です。住所は入力できません。", field="town_block")
            if not ctx.household_exists(items.household_no):
                raise ValidationFailed("BIRTH_HOUSEHOLD_UNKNOWN", f"世帯番号 {items.household_no} の世帯はありません。",
                                       field="household_no")
            members = ctx.household_members(items.household_no)
            if not members:
                raise ValidationFailed("BIRTH_HOUSEHOLD_NOT_RESIDENT",
                                       f"世帯番号 {items.household_no} の世帯には住民がいません（世帯が消滅しています）。",
                                       field="household_no")
            relationship = items.relationship or Relationship.CHILD.value
            if relationship not in RELATIONSHIP_CODES:
                raise ValidationFailed("BIRTH_RELATIONSHIP_INVALID", "続柄を選択肢から選んでください。", field="relationship")
            if relationship == Relationship.HOUSEHOLDER:
                raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "入る世帯には既に世帯主がいます。", field="relationship")
            # The household as it stood on the date of birth; its later moves follow (join_versions).
            found = household_stages(ctx, items.household_no, field="household_no")
            stages: list[HouseholdStage] | None = found
            head = found[0].head
            address = {name: getattr(head, name) for name in ADDRESS_ITEMS}
            household: object = items.household_no
            order = max(m.listing_order for m in members) + 1
        else:
            if items.household_no is not None:
                raise ValidationFailed("BIRTH_HOUSEHOLD_NO_FOR_NEW", "新しい世帯を作る場合、世帯番号は入力できません。",
                                       field="household_no")
            if not items.town_block:
                raise ValidationFailed("BIRTH_ADDRESS_REQUIRED", "新しい世帯の住所（町丁字）を入力してください。", field="town_block")
            if items.relationship not in (None, Relationship.HOUSEHOLDER):
                raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "新しい世帯の唯一の世帯員は世帯主です。", field="relationship")
            relationship = Relationship.HOUSEHOLDER.value
            stages = None
            block = ctx.town_block(items.town_block)
            address = dict(town_block_id=block.pk, banchi=items.banchi or "", katagaki=items.katagaki or "",
                           katagaki_kana=items.katagaki_kana or "", katagaki_hidden=bool(items.katagaki_hidden))
            household = "new:household"
            order = 1

        japanese = items.resident_kind == ResidentKind.JAPANESE.value
        if japanese:
            if not items.domicile or not items.domicile_head:
                raise ValidationFailed("BIRTH_DOMICILE_REQUIRED", "日本人住民の本籍と筆頭者を入力してください（住基法7条5号）。",
                                       field="domicile")
            if items.nationality_code or items.nationality or items.alphabet_name:
                raise ValidationFailed("BIRTH_FOREIGN_ITEMS_FOR_JAPANESE",
                                       "国籍・アルファベット氏名は外国人住民についてのみ記載します。", field="nationality")
        else:
            if items.domicile or items.domicile_head:
                raise ValidationFailed("DOMICILE_JAPANESE_ONLY", "本籍・筆頭者は日本人住民についてのみ記載します。", field="domicile")
            if not items.nationality_code or not items.nationality:
                raise ValidationFailed("BIRTH_NATIONALITY_REQUIRED", "外国人住民の国籍・地域を入力してください（住基法30条の45）。",
                                       field="nationality_code")
        if not items.given_name:
            plan.warnings.append("名が空欄です（名未定の出生届）。名が決まったら追完に基づき氏名の変更を処理してください。")

        has_furigana = bool(items.family_name_furigana or items.given_name_furigana)
        certification = (
            FuriganaCertification.NONE if not has_furigana
            else FuriganaCertification.CERTIFIED if japanese else FuriganaCertification.UNCERTIFIED
        )
        code, number = "", None
        if numbers_now(ctx, plan):
            source = number_source()
            code = source.allocate_resident_code()
            number = source.generate_my_number(code)

        born = ctx.effective_on
        fields = dict(
            resident_kind=items.resident_kind, status=RecordStatus.RESIDENT,
            family_name=items.family_name, given_name=items.given_name,
            family_name_kana=items.family_name_kana, given_name_kana=items.given_name_kana,
            family_name_furigana=items.family_name_furigana, given_name_furigana=items.given_name_furigana,
            furigana_certification=certification, alphabet_name=items.alphabet_name,
            birth_year=born.year, birth_month=born.month, birth_day=born.day, birth_date_precision=DatePrecision.FULL,
            sex=items.sex, **address, household_id=household, relationship=relationship, listing_order=order,
            domicile=items.domicile, domicile_head=items.domicile_head, resident_code=code,
            became_resident_on=born, became_resident_reason=ChangeReason.BIRTH,
            address_established_on=born, address_established_notified_on=ctx.notified_on,
        )
        if not japanese:
            fields.update(
                foreign_category=ForeignResidentCategory.TRANSITIONAL_BIRTH, nationality_code=items.nationality_code,
                nationality=items.nationality, became_foreign_resident_on=born,
            )
        ref = "new:1"
        fields = join_versions(plan, NewVersion(ref=ref, person_id=None, fields=fields, my_number=number), stages)
        if stages:
            block = stages[-1].head.town_block  # the events describe the current record
        person_events(plan, ref=ref, old=None, fields=fields, reason=self.reason, ctx=ctx, town_block=block,
                      new_number=True)
        return plan


# === 死亡 ====================================================================================

class DeathItems(ChangeItems):
    """死亡届（死亡通知）に基づく消除. The effective date is the date of death."""

    person: int = Field(description="死亡した者の宛名番号")
    removal_date_note: str = Field(
        default="", max_length=50,
        description="死亡日不詳の場合の表記（例: 令和7年1月頃）。異動日には推定日を入力します",
    )
    new_householder: int | None = Field(default=None, description="世帯主が死亡した場合の新しい世帯主の宛名番号")
    relationships: dict[str, str] = Field(
        default_factory=dict, description="宛名番号 → 新しい世帯主との続柄（世帯主が死亡し世帯員が2人以上残る場合）"
    )


@register
class Death(ChangeHandler):
    """死亡: the record is removed (消除) and kept as a 除票 for 150 years (戸籍法86条;
    住基法施行令12条2項1号・8条; 保存期間は住基法施行令34条).

    When the householder dies and others remain, the household needs a new householder
    (世帯主変更, 住基法25条). Choice made here: the new householder and the remaining members'
    relationships to them are entered **in the same change** (the 死亡届 and the 世帯主変更届 are
    taken together at the counter). If exactly one member remains, they become householder
    without further input (the householder is evident; no 世帯主変更届 is needed). Otherwise the
    change is refused with ``DEATH_NEW_HOUSEHOLDER_REQUIRED`` until the new householder and the
    relationships are given. A separate later 世帯主変更 is not possible, because a household
    may not be left without a householder in between.
    """

    kind = "death"
    reason = ChangeReason.DEATH
    label = "死亡"
    article = "戸籍法86条・住民基本台帳法施行令12条2項1号・34条"
    items = DeathItems
    ex_officio = True

    def plan(self, items: DeathItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        plan = check_dates(self, ctx, [rec])
        fields = copy_fields(rec)
        fields.update(
            status=RecordStatus.REMOVED, removal_reason=RemovalReason.DEATH, removed_on=ctx.effective_on,
            removal_notified_on=ctx.notified_on, removal_date_note=items.removal_date_note,
            retention_until=retention_until(ctx.effective_on),
        )
        if items.removal_date_note:
            plan.warnings.append(f"死亡日不詳: 「{items.removal_date_note}」と記載し、異動日を消除日とします。")
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)

        remaining = [m for m in ctx.household_members(rec.household_id) if m.person_id != rec.person_id]
        if rec.relationship == Relationship.HOUSEHOLDER and remaining:
            self._new_householder(items, remaining, plan, ctx)
        elif items.new_householder is not None or items.relationships:
            raise ValidationFailed(
                "DEATH_HOUSEHOLDER_NOT_CHANGING", "世帯主の死亡ではないため、新しい世帯主・続柄は入力できません。",
                field="new_householder",
            )
        return plan

    def _new_householder(self, items: DeathItems, remaining: list[ResidentRecord], plan: Plan, ctx: ChangeContext) -> None:
        ids = {m.person_id for m in remaining}
        if items.new_householder is None:
            if len(remaining) != 1:
                raise ValidationFailed(
                    "DEATH_NEW_HOUSEHOLDER_REQUIRED",
                    "世帯主が死亡し、世帯員が2人以上残ります。この異動で新しい世帯主と各世帯員の続柄を入力してください"
                    "（世帯主変更、住基法25条）。",
                    field="new_householder",
                )
            head_id = remaining[0].person_id
        else:
            head_id = items.new_householder
            if head_id not in ids:
                raise ValidationFailed("DEATH_NEW_HOUSEHOLDER_NOT_MEMBER", "新しい世帯主は同じ世帯に残る世帯員から選んでください。",
                                       field="new_householder")
        try:
            rels = {int(k): v for k, v in items.relationships.items()}
        except ValueError:
            raise ValidationFailed("DEATH_RELATIONSHIPS", "続柄は宛名番号ごとに入力してください。", field="relationships") from None
        rels.setdefault(head_id, Relationship.HOUSEHOLDER.value)
        unknown = [v for v in rels.values() if v not in RELATIONSHIP_CODES]
        if unknown or set(rels) != ids:
            raise ValidationFailed("DEATH_RELATIONSHIPS", "残る世帯員全員について新しい世帯主との続柄を入力してください。",
                                   field="relationships")
        check_one_householder(rels, household=str(remaining[0].household_id))
        if rels[head_id] != Relationship.HOUSEHOLDER:
            raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "新しい世帯主の続柄は「世帯主」です。", field="relationships")
        head = next(m for m in remaining if m.person_id == head_id)
        age = _age_on(head, ctx.effective_on)
        if age is not None and age < HOUSEHOLDER_USUAL_AGE:
            plan.warnings.append(f"新しい世帯主は{age}歳です。世帯を主宰する者か確認してください。")
        ordered = [head] + [m for m in remaining if m.person_id != head_id]
        for order, member in enumerate(ordered, start=1):
            if (member.relationship, member.listing_order) == (rels[member.person_id], order):
                continue
            not_before_current(ctx, [member])
            fields = copy_fields(member)
            fields.update(relationship=rels[member.person_id], listing_order=order)
            ref = f"p:{member.person_id}"
            plan.versions.append(NewVersion(ref=ref, person_id=member.person_id, fields=fields))
            person_events(plan, ref=ref, old=member, fields=fields, reason=self.reason, ctx=ctx)


# === 氏名の変更 ==============================================================================

NameChangeCause = Literal[
    "marriage", "divorce", "adoption", "dissolution_of_adoption", "surname_change", "given_name_change",
    "family_register_correction", "other_family_register", "moj_notice",
]
NAME_CHANGE_CAUSES_LABELS = {
    "marriage": "婚姻", "divorce": "離婚", "adoption": "養子縁組", "dissolution_of_adoption": "離縁",
    "surname_change": "氏の変更（戸籍法107条）", "given_name_change": "名の変更（戸籍法107条の2）",
    "family_register_correction": "戸籍訂正", "other_family_register": "その他の戸籍届",
    "moj_notice": "法務大臣からの通知（住基法30条の50、外国人住民）",
}


class NameChangeItems(ChangeItems):
    """氏名の変更: only the items given change (空欄＝変更なし)."""

    persons: list[int] = Field(min_length=1, description="氏名が変わる者の宛名番号（氏の変更は同じ戸籍の者をまとめて）")
    cause: NameChangeCause = Field(description="変更の事由（婚姻・離婚・養子縁組・離縁・氏の変更・名の変更 …）")
    family_name: str | None = Field(default=None, min_length=1, max_length=100, description="新しい氏")
    given_name: str | None = Field(default=None, min_length=1, max_length=100, description="新しい名（1人の場合のみ）")
    family_name_kana: Kana | None = Field(default=None, min_length=1, max_length=100, description="新しい氏カナ")
    given_name_kana: Kana | None = Field(default=None, min_length=1, max_length=100, description="新しい名カナ")
    family_name_furigana: Kana | None = Field(default=None, max_length=100, description="新しい氏の振り仮名")
    given_name_furigana: Kana | None = Field(default=None, max_length=100, description="新しい名の振り仮名")
    alphabet_name: str | None = Field(default=None, min_length=1, max_length=200, description="アルファベット氏名（外国人住民）")
    domicile: str | None = Field(default=None, min_length=1, max_length=200, description="新しい本籍（新戸籍が編製される場合）")
    domicile_head: str | None = Field(default=None, min_length=1, max_length=100, description="新しい筆頭者")


@register
class NameChange(ChangeHandler):
    """氏名の変更: 婚姻・離婚・養子縁組・離縁・氏又は名の変更等の戸籍届に基づき職権で記載の修正
    (住基法施行令12条2項1号, 住基法9条2項の通知を含む). 外国人住民の氏名は法務大臣の通知による
    (住基法30条の50).

    When the family name changes and no new furigana is given, the old family-name furigana is
    cleared (it belongs to the old name). A new family name equal to the recorded 旧氏 is
    flagged: the 旧氏 must then be removed (旧氏の削除).
    """

    kind = "name_change"
    reason = ChangeReason.NAME_CHANGE
    label = "氏名の変更"
    article = "住民基本台帳法施行令12条2項1号・住民基本台帳法30条の50"
    items = NameChangeItems
    ex_officio = True

    def plan(self, items: NameChangeItems, ctx: ChangeContext) -> Plan:
        records = current_residents(self, ctx, items.persons)
        plan = check_dates(self, ctx, records)
        if len(records) > 1 and any(
            v is not None for v in (items.given_name, items.given_name_kana, items.given_name_furigana)
        ):
            raise ValidationFailed("NAME_CHANGE_GIVEN_NAME_ONE_PERSON", "名の変更は1人ずつ処理してください。", field="given_name")
        for rec in records:
            self._check_person(items, rec)
            fields = copy_fields(rec)
            for name in ("family_name", "given_name", "family_name_kana", "given_name_kana", "alphabet_name",
                         "domicile", "domicile_head"):
                value = getattr(items, name)
                if value is not None:
                    fields[name] = value
            family_changed = fields["family_name"] != rec.family_name
            given_changed = fields["given_name"] != rec.given_name
            for part, changed in (("family", family_changed), ("given", given_changed)):
                new_furigana = getattr(items, f"{part}_name_furigana")
                if new_furigana is not None:
                    fields[f"{part}_name_furigana"] = new_furigana
                elif changed and getattr(rec, f"{part}_name_furigana"):
                    fields[f"{part}_name_furigana"] = ""
                    plan.warnings.append(
                        f"宛名番号 {rec.person_id}: {'氏' if part == 'family' else '名'}が変わるため、従前の振り仮名を消去します。"
                    )
            if items.family_name_furigana is not None or items.given_name_furigana is not None:
                fields["furigana_certification"] = (
                    FuriganaCertification.CERTIFIED if rec.resident_kind == ResidentKind.JAPANESE
                    else FuriganaCertification.UNCERTIFIED
                )
            if not fields["family_name_furigana"] and not fields["given_name_furigana"]:
                fields["furigana_certification"] = FuriganaCertification.NONE
            if all(fields[k] == getattr(rec, k) for k in fields):
                raise ValidationFailed("NAME_CHANGE_NOTHING", f"宛名番号 {rec.person_id} の氏名は変わりません。", field="family_name")
            if rec.former_surname and fields["family_name"] == rec.former_surname:
                plan.warnings.append(
                    f"宛名番号 {rec.person_id}: 新しい氏が記載されている旧氏と同じです。旧氏の削除を処理してください。"
                )
            append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan

    @staticmethod
    def _check_person(items: NameChangeItems, rec: ResidentRecord) -> None:
        if rec.resident_kind == ResidentKind.FOREIGN:
            if items.cause != "moj_notice":
                raise ValidationFailed(
                    "NAME_CHANGE_CAUSE_MISMATCH",
                    f"宛名番号 {rec.person_id} は外国人住民です。氏名の変更は法務大臣からの通知（住基法30条の50）によります。",
                    field="cause",
                )
            if items.domicile is not None or items.domicile_head is not None:
                raise ValidationFailed("DOMICILE_JAPANESE_ONLY", "本籍・筆頭者は日本人住民についてのみ記載します。", field="domicile")
        else:
            if items.cause == "moj_notice":
                raise ValidationFailed(
                    "NAME_CHANGE_CAUSE_MISMATCH",
                    f"宛名番号 {rec.person_id} は日本人住民です。氏名の変更は戸籍届に基づきます。", field="cause",
                )
            if items.alphabet_name is not None:
                raise ValidationFailed("NAME_CHANGE_ALPHABET_FOREIGN_ONLY", "アルファベット氏名は外国人住民についてのみ記載します。",
                                       field="alphabet_name")


# === 本籍・筆頭者の変更 ======================================================================

class DomicileChangeItems(ChangeItems):
    persons: list[int] = Field(min_length=1, description="本籍・筆頭者が変わる者の宛名番号（同じ戸籍の者）")
    cause: Literal["transfer", "new_register", "head_change", "correction", "other"] = Field(
        description="事由（転籍・新戸籍編製・筆頭者の氏名の変更・戸籍訂正・その他）"
    )
    domicile: str | None = Field(default=None, min_length=1, max_length=200, description="新しい本籍")
    domicile_head: str | None = Field(default=None, min_length=1, max_length=100, description="新しい筆頭者")


@register
class DomicileChange(ChangeHandler):
    """本籍・筆頭者の変更: 転籍・分籍等の戸籍届に基づき職権で記載の修正
    (住基法7条5号・施行令12条2項1号). Japanese residents only (外国人住民に本籍はない)."""

    kind = "domicile_change"
    reason = ChangeReason.DOMICILE_CHANGE
    label = "本籍・筆頭者の変更"
    article = "住民基本台帳法7条5号・住民基本台帳法施行令12条2項1号"
    items = DomicileChangeItems
    ex_officio = True

    def plan(self, items: DomicileChangeItems, ctx: ChangeContext) -> Plan:
        if items.domicile is None and items.domicile_head is None:
            raise ValidationFailed("DOMICILE_NOTHING", "新しい本籍または筆頭者を入力してください。", field="domicile")
        records = [ctx.current(p) for p in dict.fromkeys(items.persons)]
        for rec in records:
            require_resident(rec, self)
            require_japanese(rec, "DOMICILE_JAPANESE_ONLY", "本籍・筆頭者")
        plan = check_dates(self, ctx, records)
        for rec in records:
            fields = copy_fields(rec)
            if items.domicile is not None:
                fields["domicile"] = items.domicile
            if items.domicile_head is not None:
                fields["domicile_head"] = items.domicile_head
            if (fields["domicile"], fields["domicile_head"]) == (rec.domicile, rec.domicile_head):
                raise ValidationFailed("DOMICILE_UNCHANGED", f"宛名番号 {rec.person_id} の本籍・筆頭者は変わりません。",
                                       field="domicile")
            append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan


# === 旧氏の記載・削除 ========================================================================

class FormerSurnameEntryItems(ChangeItems):
    """旧氏記載請求書の記載事項. Since 2025-05-26 a 旧氏 is recorded together with its 振り仮名."""

    person: int = Field(description="請求者の宛名番号")
    former_surname: str = Field(min_length=1, max_length=100, description="旧氏（戸籍に記載された過去の氏）")
    former_surname_kana: Kana = Field(min_length=1, max_length=100, description="旧氏の振り仮名（片仮名）")
    former_surname_romaji: str = Field(default="", max_length=100, description="旧氏のローマ字（請求がある場合）")
    furigana_certification: Literal["uncertified", "certified"] = Field(
        default="uncertified", description="旧氏の振り仮名公証区分"
    )

    @field_validator("former_surname_romaji")
    @classmethod
    def check_romaji(cls, v: str) -> str:
        return romaji(v, "旧氏のローマ字") or ""


def _removed_former_surnames(person_id: int) -> tuple[set[str], str | None]:
    """The 旧氏 once removed from the person's record, and the family name at the last removal
    (read from the history; handlers read, never write)."""
    removed: set[str] = set()
    family_at_removal: str | None = None
    previous = None
    for v in ResidentRecord.objects.filter(person_id=person_id).order_by("version").only(
        "version", "family_name", "former_surname"
    ):
        if previous is not None and previous.former_surname and not v.former_surname:
            removed.add(previous.former_surname)
            family_at_removal = v.family_name
        previous = v
    return removed, family_at_removal


@register
class FormerSurnameEntry(ChangeHandler):
    """旧氏の記載（変更）: on the person's request the 旧氏 — a surname they bore, shown in their
    family register — is recorded with its 振り仮名 and, on request, its romaji (住基法施行令
    30条の13以下; 旧氏の振り仮名は令和7年政令17号). Japanese residents only.

    Rules: the 旧氏 differs from the current 氏; recording over an existing 旧氏 is a change
    (allowed: a surname changed again may replace it); a removed 旧氏 cannot be recorded again,
    and after a removal a new 旧氏 may be recorded only once the 氏 has changed since.
    """

    kind = "former_surname_entry"
    reason = ChangeReason.FORMER_SURNAME
    label = "旧氏の記載"
    article = "住民基本台帳法施行令30条の13"
    items = FormerSurnameEntryItems

    def plan(self, items: FormerSurnameEntryItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_japanese(rec, "FORMER_SURNAME_JAPANESE_ONLY", "旧氏")
        plan = check_dates(self, ctx, [rec])
        if items.former_surname == rec.family_name:
            raise ValidationFailed("FORMER_SURNAME_SAME_AS_SURNAME", "旧氏が現在の氏と同じです。", field="former_surname")
        new = (items.former_surname, items.former_surname_kana, items.former_surname_romaji, items.furigana_certification)
        old = (rec.former_surname, rec.former_surname_kana, rec.former_surname_romaji,
               rec.former_surname_furigana_certification)
        if new == old:
            raise ValidationFailed("FORMER_SURNAME_UNCHANGED", "記載されている旧氏と同じです。", field="former_surname")
        removed, family_at_removal = _removed_former_surnames(rec.person_id)
        if items.former_surname in removed:
            raise ValidationFailed("FORMER_SURNAME_REENTRY", "削除した旧氏を再び記載することはできません。", field="former_surname")
        if family_at_removal is not None and not rec.former_surname and rec.family_name == family_at_removal:
            raise ValidationFailed(
                "FORMER_SURNAME_REENTRY", "旧氏を削除した後は、氏が変わった場合に限り新たな旧氏を記載できます。", field="former_surname",
            )
        if rec.former_surname and rec.former_surname != items.former_surname:
            plan.warnings.append(f"記載されている旧氏「{rec.former_surname}」を「{items.former_surname}」に変更します。")
        fields = copy_fields(rec)
        fields.update(
            former_surname=items.former_surname, former_surname_kana=items.former_surname_kana,
            former_surname_romaji=items.former_surname_romaji,
            former_surname_furigana_certification=items.furigana_certification,
        )
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan


class FormerSurnameRemovalItems(ChangeItems):
    person: int = Field(description="請求者の宛名番号")
    cause: Literal["request", "same_as_surname"] = Field(
        default="request", description="事由（本人の請求・氏が旧氏と同一になったことによる請求）"
    )


@register
class FormerSurnameRemoval(ChangeHandler):
    """旧氏の削除: on the person's request — also required when the 氏 has become the same as the
    旧氏 — the 旧氏, its 振り仮名 and romaji are removed (住基法施行令30条の13以下). The removed 旧氏
    stays in the previous version (history). A 旧氏 recorded in error is put right by 職権修正
    (``ex_officio_correction``), not here."""

    kind = "former_surname_removal"
    reason = ChangeReason.FORMER_SURNAME
    label = "旧氏の削除"
    article = "住民基本台帳法施行令30条の13"
    items = FormerSurnameRemovalItems

    def plan(self, items: FormerSurnameRemovalItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        require_japanese(rec, "FORMER_SURNAME_JAPANESE_ONLY", "旧氏")
        plan = check_dates(self, ctx, [rec])
        if not rec.former_surname:
            raise ValidationFailed("FORMER_SURNAME_NONE", "旧氏は記載されていません。", field="person")
        fields = copy_fields(rec)
        fields.update(former_surname="", former_surname_kana="", former_surname_romaji="",
                      former_surname_furigana_certification=FuriganaCertification.NONE)
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan


# === 振り仮名の記載・変更 ====================================================================

class FuriganaItems(ChangeItems):
    person: int = Field(description="宛名番号")
    family_name_furigana: Kana = Field(min_length=1, max_length=100, description="氏の振り仮名（片仮名）")
    given_name_furigana: Kana = Field(default="", max_length=100, description="名の振り仮名（片仮名）")
    certification: Literal["uncertified", "certified"] = Field(
        description="振り仮名公証区分（certified: 戸籍に記載された振り仮名）"
    )


@register
class Furigana(ChangeHandler):
    """振り仮名の記載・変更: 氏名の振り仮名 (住基法7条1号, 令和5年法律48号による改正・令和7年5月26日
    施行) is recorded or changed, normally following the family register (戸籍法13条; 職権, 住基法
    施行令12条2項1号). ``certified`` (公証済) means the furigana is the one in the family register,
    so it is for Japanese residents only."""

    kind = "furigana"
    reason = ChangeReason.FURIGANA
    label = "振り仮名の記載・変更"
    article = "住民基本台帳法7条1号・戸籍法13条"
    items = FuriganaItems
    ex_officio = True

    def plan(self, items: FuriganaItems, ctx: ChangeContext) -> Plan:
        rec = one_person(ctx, items.person, self)
        plan = check_dates(self, ctx, [rec])
        if rec.given_name and not items.given_name_furigana:
            raise ValidationFailed("FURIGANA_GIVEN_REQUIRED", "名の振り仮名を入力してください。", field="given_name_furigana")
        if not rec.given_name and items.given_name_furigana:
            raise ValidationFailed("FURIGANA_GIVEN_WITHOUT_NAME", "名がないため名の振り仮名は記載できません。",
                                   field="given_name_furigana")
        if items.certification == FuriganaCertification.CERTIFIED.value and rec.resident_kind != ResidentKind.JAPANESE:
            raise ValidationFailed("FURIGANA_CERTIFIED_JAPANESE_ONLY",
                                   "公証済の振り仮名は戸籍に記載されたもので、日本人住民に限ります。", field="certification")
        new = (items.family_name_furigana, items.given_name_furigana, items.certification)
        if new == (rec.family_name_furigana, rec.given_name_furigana, rec.furigana_certification):
            raise ValidationFailed("FURIGANA_UNCHANGED", "記載されている振り仮名と同じです。", field="family_name_furigana")
        fields = copy_fields(rec)
        fields.update(family_name_furigana=items.family_name_furigana, given_name_furigana=items.given_name_furigana,
                      furigana_certification=items.certification)
        append_version(plan, rec, fields, reason=self.reason, ctx=ctx)
        return plan
