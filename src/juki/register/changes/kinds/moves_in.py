"""Moves into the municipality (転入) and 外国人住民の記載 (30条の47).

Kinds in this module (see docs/register-moves.md for items, rules and events):

- ``move_in`` 転入 from another municipality with a 転出証明書 (住基法22条);
- ``move_in_abroad`` 転入 from abroad — Japanese nationals (住基法22条) and foreign nationals
  who are 中長期在留者等 (住基法30条の46) in one form, so a family moves in together;
- ``foreign_entry`` a foreign national living here who becomes a 中長期在留者等 (住基法30条の47).

The other moves are :mod:`.moves_within` (転居) and :mod:`.moves_out` (転出 and its sequels).

Events: every written version gets an identity update (本人確認情報) and an intra-office event;
a Japanese resident whose 本籍 is in another municipality also gets a 附票 notice (住基法19条1項);
a 転入 from another municipality gets a 転入通知 to the previous municipality (住基法9条1項);
a newly generated My Number gets delivery info (送付先情報).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from juki.core.errors import ValidationFailed
from juki.identifiers import lg_code as lg_code_id
from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.identifiers.errors import IdentifierError

from ... import events as outbound
from ...issuance import number_source
from ...models import (
    ChangeReason,
    DatePrecision,
    ForeignResidentCategory,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    ResidentRecord,
    Sex,
    TownBlock,
)
from ...my_numbers import blind_index
from ..base import (
    NOTIFICATION_DAYS,
    VERSION_META_FIELDS,
    ChangeContext,
    ChangeHandler,
    ChangeItems,
    EventDraft,
    NewVersion,
    Plan,
    check_dates,
    format_address,
    not_before_current,
)
from ..item_types import Kana, path_label
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
)

#: 在留カード・特別永住者証明書の番号: 英字2桁＋数字8桁＋英字2桁 (e.g. AB12345678CD).
CARD_NO = re.compile(r"^[A-Z]{2}\d{8}[A-Z]{2}$")
NATIONALITY_CODE = re.compile(r"^[A-Z]{2}$")
#: 入管法19条の3: a stay of 3 months or less does not make a 中長期在留者.
MID_LONG_TERM_MIN_MONTHS = 3
#: Statuses that never make a 中長期在留者 (入管法19条の3第4号).
NOT_MID_LONG_TERM = {ResidenceStatus.DIPLOMAT, ResidenceStatus.OFFICIAL}


def _identifier(module: Any, raw: str, field: str) -> str:
    """Validate a check-digit identifier, naming the form field in the refusal."""
    try:
        return str(module.validate(raw))
    except IdentifierError as exc:
        raise ValidationFailed(exc.code, exc.message, field=field) from None


# --- 転入 (persons not on the register yet) ------------------------------------------------------

class _PersonCore(ChangeItems):
    """A person on a move-in form: the items every 転入 carries (住基法22条1項, 7条)."""

    family_name: str = Field(min_length=1, max_length=100, description="氏（外国人住民は氏名）")
    given_name: str = Field(default="", max_length=100, description="名")
    family_name_kana: Kana = Field(min_length=1, max_length=100, description="氏カナ")
    given_name_kana: Kana = Field(default="", max_length=100, description="名カナ")
    family_name_furigana: Kana = Field(default="", max_length=100, description="氏の振り仮名")
    given_name_furigana: Kana = Field(default="", max_length=100, description="名の振り仮名")
    birth_year: int | None = Field(default=None, ge=1850, le=2200, description="生年（不詳は空欄）")
    birth_month: int | None = Field(default=None, ge=1, le=12, description="生月（不詳は空欄）")
    birth_day: int | None = Field(default=None, ge=1, le=31, description="生日（不詳は空欄）")
    birth_date_note: str = Field(default="", max_length=50, description="生年月日不詳文字")
    sex: Sex = Field(description="性別（1: 男、2: 女）")
    relationship: Relationship = Field(description="世帯主との続柄")
    resident_code: str = Field(default="", max_length=20, description="転入前の住民票コード（住基法22条1項6号）")
    my_number: str = Field(default="", max_length=20, description="個人番号")


class _JapaneseItems(ChangeItems):
    domicile: str = Field(default="", max_length=200, description="本籍（日本人住民）")
    domicile_head: str = Field(default="", max_length=100, description="筆頭者（日本人住民）")


class _ForeignItems(ChangeItems):
    """住基法30条の45の事項 (外国人住民)."""

    alphabet_name: str = Field(default="", max_length=200, description="アルファベット氏名")
    concurrent_name: str = Field(default="", max_length=100, description="併記名")
    concurrent_name_kana: Kana = Field(default="", max_length=200, description="併記名カナ")
    foreign_category: ForeignResidentCategory | None = Field(default=None, description="法30条の45規定区分")
    nationality_code: str = Field(default="", max_length=3, description="国籍コード（ISO 3166-1 alpha-2）")
    nationality: str = Field(default="", max_length=50, description="国籍・地域")
    residence_status: ResidenceStatus | None = Field(default=None, description="在留資格")
    stay_years: int | None = Field(default=None, ge=0, le=99, description="在留期間（年）")
    stay_months: int | None = Field(default=None, ge=0, le=11, description="在留期間（月）")
    stay_days: int | None = Field(default=None, ge=0, le=366, description="在留期間（日）")
    stay_expires_on: dt.date | None = Field(default=None, description="在留期間の満了の日")
    residence_card_no: str = Field(default="", max_length=12, description="在留カード等番号")
    residence_card_kind: ResidenceCardKind | None = Field(default=None, description="在留カード等番号区分")


class AbroadPerson(_PersonCore, _JapaneseItems, _ForeignItems):
    """A person moving in from abroad: a Japanese national (住基法22条) or a 中長期在留者等
    (住基法30条の46). Resident code and My Number only if the person already has them."""

    resident_kind: ResidentKind = Field(default=ResidentKind.JAPANESE, description="住民種別")


class MoveInPerson(AbroadPerson):
    """A person on a 転出証明書: everything the previous municipality certified is carried over."""

    resident_code: str = Field(min_length=1, max_length=20, description="転入前の住民票コード（転出証明書）")
    my_number: str = Field(min_length=1, max_length=20, description="個人番号（転出証明書）")
    furigana_certification: FuriganaCertification = Field(
        default=FuriganaCertification.NONE, description="氏名の振り仮名公証区分（転出証明書）")
    former_surname: str = Field(default="", max_length=100, description="旧氏")
    former_surname_kana: Kana = Field(default="", max_length=100, description="旧氏カナ")
    former_surname_romaji: str = Field(default="", max_length=100, description="旧氏ローマ字")
    alias_name: str = Field(default="", max_length=100, description="通称（外国人住民）")
    alias_name_kana: Kana = Field(default="", max_length=200, description="通称カナ")
    became_foreign_resident_on: dt.date | None = Field(default=None, description="外国人住民となった日（転出証明書）")


class ForeignEntryPerson(_PersonCore, _ForeignItems):
    """A foreign national living here who became a 中長期在留者等 (住基法30条の47)."""


class _IncomingItems(ChangeItems):
    """Where the incoming persons live and in which household."""

    town_block: str = Field(min_length=1, description="住所の町丁字コード")
    banchi: str = Field(default="", max_length=100, description="番地")
    katagaki: str = Field(default="", max_length=200, description="方書")
    katagaki_kana: Kana = Field(default="", max_length=300, description="方書カナ")
    katagaki_hidden: bool = Field(default=False, description="方書非表示")
    household: Literal["new", "join"] = Field(default="new", description="new: 新たな世帯を作る / join: 既存の世帯に入る")
    join_household_no: int | None = Field(default=None, description="加入する世帯の世帯番号（join の場合）")


class MoveInItems(_IncomingItems):
    """転入届（他の市町村から）: the 転出証明書 data and the new address (住基法22条)."""

    persons: list[MoveInPerson] = Field(min_length=1, description="転入する者")
    previous_address: str = Field(min_length=1, max_length=300, description="従前の住所（転出証明書）")
    previous_householder: str = Field(default="", max_length=100, description="従前の住所の世帯主")
    previous_lg_code: str = Field(min_length=1, max_length=10, description="転出元の地方公共団体コード")
    planned_move_out_on: dt.date = Field(description="転出の予定年月日（転出証明書）")


class MoveInAbroadItems(_IncomingItems):
    """転入届（国外から）: 住基法22条 (日本人), 30条の46 (中長期在留者等)."""

    persons: list[AbroadPerson] = Field(min_length=1, description="転入する者")
    previous_address: str = Field(min_length=1, max_length=300, description="従前の住所（国外の住所・国名）")
    previous_householder: str = Field(default="", max_length=100, description="従前の住所の世帯主")


class ForeignEntryItems(_IncomingItems):
    """中長期在留者等となった者の届出 (住基法30条の47): the address where the person lives."""

    persons: list[ForeignEntryPerson] = Field(min_length=1, description="届出をする者")


@dataclass
class _Incoming:
    index: int
    item: _PersonCore
    kind: ResidentKind
    birth: tuple[int | None, int | None, int | None, DatePrecision]
    resident_code: str
    my_number: str
    existing: ResidentRecord | None = None


def _birth(p: _PersonCore, path: str) -> tuple[int | None, int | None, int | None, DatePrecision]:
    """生年月日 with its unknown-date form; an impossible date is refused."""
    y, m, d = p.birth_year, p.birth_month, p.birth_day
    if y is not None and m is not None and d is not None:
        try:
            dt.date(y, m, d)
        except ValueError:
            raise ValidationFailed("CHANGE_IMPOSSIBLE_DATE", f"{path_label(path)}: 生年月日 {y}-{m}-{d} は存在しない日付です。",
                                   field=f"{path}.birth_day") from None
        return y, m, d, DatePrecision.FULL
    if y is not None and m is not None and d is None:
        return y, m, None, DatePrecision.YEAR_MONTH
    if y is not None and m is None and d is None:
        return y, None, None, DatePrecision.YEAR
    if y is None and m is None and d is None:
        return None, None, None, DatePrecision.UNKNOWN
    raise ValidationFailed("CHANGE_IMPOSSIBLE_DATE", f"{path_label(path)}: 生年月日の不詳の形が正しくありません（年・月・日の順に省略します）。",
                           field=f"{path}.birth_year")


_FOREIGN_ONLY = ("alphabet_name", "concurrent_name", "concurrent_name_kana", "foreign_category", "nationality_code",
                 "nationality", "residence_status", "stay_years", "stay_months", "stay_days", "stay_expires_on",
                 "residence_card_no", "residence_card_kind", "alias_name", "alias_name_kana",
                 "became_foreign_resident_on")


def _check_resident_kind(p: _PersonCore, kind: ResidentKind, path: str, ctx: ChangeContext) -> None:
    """Japanese residents carry no 30条の45 items; foreign residents carry no 本籍 (住基法7条5号)."""
    if kind == ResidentKind.JAPANESE:
        for name in _FOREIGN_ONLY:
            if getattr(p, name, None) not in (None, ""):
                raise ValidationFailed("MOVE_IN_FOREIGN_ITEM_FOR_JAPANESE",
                                       f"{path_label(path)}: 日本人住民には外国人住民の事項を入力できません。", field=f"{path}.{name}")
        return
    for name in ("domicile", "domicile_head"):
        if getattr(p, name, ""):
            raise ValidationFailed("MOVE_IN_DOMICILE_FOR_FOREIGN", f"{path_label(path)}: 外国人住民には本籍・筆頭者を入力できません。",
                                   field=f"{path}.{name}")
    check_foreign_items(p, path, ctx.effective_on)


def check_foreign_items(p: Any, path: str, effective_on: dt.date) -> None:
    """住基法30条の45: the items each category of foreign resident must (and must not) have.

    - 中長期在留者: 在留資格 (not 外交・公用, 入管法19条の3), 在留カード番号, and — except 永住者 —
      在留期間 longer than 3 months and its 満了の日, not yet passed;
    - 特別永住者: 特別永住者証明書番号, no 在留資格 or 在留期間;
    - 一時庇護許可者・仮滞在許可者: the end of the permitted period, no card;
    - 経過滞在者 (出生・国籍喪失): none of these.
    """
    def refuse(code: str, message: str, name: str) -> None:
        raise ValidationFailed(code, f"{path_label(path)}: {message}", field=f"{path}.{name}")

    category = p.foreign_category
    if category is None:
        refuse("FOREIGN_CATEGORY_REQUIRED", "外国人住民の区分（法30条の45）を入力してください。", "foreign_category")
    if not p.nationality:
        refuse("FOREIGN_NATIONALITY_REQUIRED", "国籍・地域を入力してください。", "nationality")
    if p.nationality_code and not NATIONALITY_CODE.match(p.nationality_code):
        refuse("FOREIGN_NATIONALITY_CODE", "国籍コードは英大文字2桁（ISO 3166-1）で入力してください。", "nationality_code")
    has_stay = any(v is not None for v in (p.stay_years, p.stay_months, p.stay_days))
    if category in (ForeignResidentCategory.MID_TO_LONG_TERM, ForeignResidentCategory.SPECIAL_PERMANENT):
        expected = (ResidenceCardKind.RESIDENCE_CARD if category == ForeignResidentCategory.MID_TO_LONG_TERM
                    else ResidenceCardKind.SPECIAL_PERMANENT_CERTIFICATE)
        if not p.residence_card_no:
            refuse("FOREIGN_CARD_REQUIRED", f"{expected.label}の番号を入力してください。", "residence_card_no")
        if not CARD_NO.match(p.residence_card_no):
            refuse("FOREIGN_CARD_NO_FORMAT", "在留カード等番号は英字2桁・数字8桁・英字2桁の12文字です。", "residence_card_no")
        if p.residence_card_kind not in (None, expected):
            refuse("FOREIGN_CARD_KIND", f"この区分の番号は{expected.label}の番号です。", "residence_card_kind")
    elif p.residence_card_no or p.residence_card_kind:
        refuse("FOREIGN_CARD_NOT_ALLOWED", "この区分の外国人住民には在留カード等番号はありません。", "residence_card_no")
    if category == ForeignResidentCategory.MID_TO_LONG_TERM:
        if p.residence_status is None:
            refuse("FOREIGN_STATUS_REQUIRED", "在留資格を入力してください。", "residence_status")
        if p.residence_status in NOT_MID_LONG_TERM:
            refuse("FOREIGN_STATUS_NOT_MID_LONG_TERM", f"在留資格「{p.residence_status.label}」の者は中長期在留者ではありません（入管法19条の3）。",
                   "residence_status")
        if p.residence_status == ResidenceStatus.PERMANENT_RESIDENT:
            if has_stay or p.stay_expires_on is not None:
                refuse("FOREIGN_STAY_NOT_ALLOWED", "永住者には在留期間はありません。", "stay_years")
        else:
            if not has_stay:
                refuse("FOREIGN_STAY_REQUIRED", "在留期間を入力してください。", "stay_years")
            months = (p.stay_years or 0) * 12 + (p.stay_months or 0)
            if months < MID_LONG_TERM_MIN_MONTHS or (months == MID_LONG_TERM_MIN_MONTHS and not p.stay_days):
                refuse("FOREIGN_STAY_TOO_SHORT", "在留期間が3月以下の者は中長期在留者ではありません（入管法19条の3）。", "stay_years")
    else:
        if p.residence_status is not None or has_stay:
            refuse("FOREIGN_STATUS_NOT_ALLOWED", "この区分の外国人住民には在留資格・在留期間はありません。", "residence_status")
    needs_expiry = (
        (category == ForeignResidentCategory.MID_TO_LONG_TERM and p.residence_status != ResidenceStatus.PERMANENT_RESIDENT)
        or category in (ForeignResidentCategory.TEMPORARY_REFUGE, ForeignResidentCategory.PROVISIONAL_STAY)
    )
    if needs_expiry and p.stay_expires_on is None:
        refuse("FOREIGN_EXPIRY_REQUIRED", "在留期間（上陸期間・仮滞在期間）の満了の日を入力してください。", "stay_expires_on")
    if not needs_expiry and p.stay_expires_on is not None:
        refuse("FOREIGN_EXPIRY_NOT_ALLOWED", "この区分の外国人住民には在留期間の満了の日はありません。", "stay_expires_on")
    if p.stay_expires_on is not None and p.stay_expires_on < effective_on:
        refuse("FOREIGN_STAY_EXPIRED", "在留期間の満了の日が異動日より前です。", "stay_expires_on")


def _existing_record(ctx: ChangeContext, person: _Incoming, path: str) -> ResidentRecord | None:
    """A 転入 is refused for a current resident (住基法22条; Akita 別添1 logic check).

    The person is found by resident code (and by My Number) among current records. A removed
    record found this way is the same person coming back (再転入): the new record continues
    that person's history under the same 宛名番号, and the 除票 stays in it as the earlier
    version.
    """
    found: ResidentRecord | None = None
    if person.resident_code:
        pid = (ResidentRecord.objects.filter(is_current=True, resident_code=person.resident_code)
               .values_list("person_id", flat=True).first())
        if pid is not None:
            found = ctx.current(pid)
            if found.status == RecordStatus.RESIDENT:
                raise ValidationFailed(
                    "TRANSFER_ALREADY_RESIDENT",
                    f"{path_label(path)}: 住民票コードが同じ住民（宛名番号 {pid}）が既に住民として記録されています。転入はできません。",
                    field=f"{path}.resident_code",
                )
    if person.my_number:
        pid = (ResidentRecord.objects.filter(is_current=True, my_number_index=blind_index(person.my_number))
               .values_list("person_id", flat=True).first())
        if pid is not None:
            rec = ctx.current(pid)
            if rec.status == RecordStatus.RESIDENT:
                raise ValidationFailed(
                    "TRANSFER_ALREADY_RESIDENT",
                    f"{path_label(path)}: 個人番号が同じ住民（宛名番号 {pid}）が既に住民として記録されています。転入はできません。",
                    field=f"{path}.my_number",
                )
            if found is None or found.person_id != pid:
                raise ValidationFailed(
                    "MOVE_IN_MY_NUMBER_MISMATCH",
                    f"{path_label(path)}: 個人番号が別の者の除票（宛名番号 {pid}）に記録されています。住民票コードと個人番号を確認してください。",
                    field=f"{path}.my_number",
                )
    return found


def _blank_fields() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in ResidentRecord._meta.concrete_fields:
        if f.name not in VERSION_META_FIELDS:
            out[f.attname] = f.get_default()
    return out


def _value(v: Any) -> Any:
    """Enum members as their plain stored values (the plan is also shown as JSON)."""
    return v.value if hasattr(v, "value") else v


class _IncomingHandler(ChangeHandler):
    """Common plan of the kinds that put persons on the register who are not on it (転入)."""

    notification_period = NOTIFICATION_DAYS
    source: str  # "domestic" | "abroad" | "entry"
    dates_not_before_current = False  # new persons; a returning person's record is checked in plan()

    def pre_move_in(self, items: Any) -> tuple[str, str]:
        return "", ""

    def extra_checks(self, items: Any, ctx: ChangeContext, plan: Plan) -> None:
        """Kind-specific rules (run after the persons' items are validated)."""

    def extra_events(self, ref: str, fields: dict[str, Any], items: Any, ctx: ChangeContext) -> list[EventDraft]:
        return []

    def plan(self, items: Any, ctx: ChangeContext) -> Plan:
        municipality = ctx.municipality()
        people: list[_Incoming] = []
        for i, p in enumerate(items.persons):
            path = f"persons.{i}"
            kind = ResidentKind.FOREIGN if isinstance(p, ForeignEntryPerson) else ResidentKind(p.resident_kind)
            birth = _birth(p, path)
            _check_resident_kind(p, kind, path, ctx)
            code = _identifier(resident_code_id, p.resident_code, f"{path}.resident_code") if p.resident_code else ""
            number = _identifier(my_number_id, p.my_number, f"{path}.my_number") if p.my_number else ""
            people.append(_Incoming(i, p, kind, birth, code, number))
        pseudo = [ResidentRecord(birth_year=b[0], birth_month=b[1], birth_day=b[2], birth_date_precision=b[3])
                  for b in (person.birth for person in people)]
        plan = check_dates(self, ctx, pseudo)
        self.extra_checks(items, ctx, plan)
        for label, values in (("住民票コード", [p.resident_code for p in people if p.resident_code]),
                              ("個人番号", [p.my_number for p in people if p.my_number])):
            if len(set(values)) != len(values):
                raise ValidationFailed("MOVE_IN_DUPLICATE_PERSON", f"同じ{label}の者が2回入力されています。", field="persons")
        for person in people:
            person.existing = _existing_record(ctx, person, f"persons.{person.index}")
        not_before_current(ctx, [p.existing for p in people if p.existing is not None])

        town_block = address_block(ctx, items.town_block)
        placement, head_name, stages = _place_incoming(items, ctx, people, town_block)
        pre_address, pre_householder = self.pre_move_in(items)
        pending_numbers = False
        for person in people:
            p = person.item
            household, order = placement[person.index]
            fields = _blank_fields()
            fields.update(
                resident_kind=person.kind.value, status=RecordStatus.RESIDENT.value,
                family_name=p.family_name, given_name=p.given_name,
                family_name_kana=p.family_name_kana, given_name_kana=p.given_name_kana,
                family_name_furigana=p.family_name_furigana, given_name_furigana=p.given_name_furigana,
                furigana_certification=_furigana_certification(p),
                birth_year=person.birth[0], birth_month=person.birth[1], birth_day=person.birth[2],
                birth_date_precision=person.birth[3].value, birth_date_note=p.birth_date_note,
                sex=int(p.sex),
                town_block_id=town_block.pk, banchi=items.banchi, katagaki=items.katagaki,
                katagaki_kana=items.katagaki_kana, katagaki_hidden=items.katagaki_hidden,
                household_id=household, relationship=p.relationship.value, listing_order=order,
                resident_code=person.resident_code,
                became_resident_on=ctx.effective_on, became_resident_reason=self.reason.value,
                address_established_on=ctx.effective_on, address_established_notified_on=ctx.notified_on,
                previous_address=pre_address, previous_householder=pre_householder,
                pre_move_in_address=pre_address, pre_move_in_householder=pre_householder,
            )
            for name in ("domicile", "domicile_head", "former_surname", "former_surname_romaji", "alias_name",
                         "alphabet_name", "concurrent_name", "nationality_code", "nationality", "residence_card_no",
                         "stay_years", "stay_months", "stay_days", "stay_expires_on"):
                if hasattr(p, name):
                    fields[name] = getattr(p, name)
            for name in ("former_surname_kana", "alias_name_kana", "concurrent_name_kana"):
                if hasattr(p, name):
                    fields[name] = getattr(p, name)
            if person.kind == ResidentKind.FOREIGN:
                fields.update(
                    foreign_category=_value(p.foreign_category),  # type: ignore[attr-defined]
                    residence_status=_value(p.residence_status) or "",  # type: ignore[attr-defined]
                    residence_card_kind=_value(p.residence_card_kind) or (  # type: ignore[attr-defined]
                        _default_card_kind(p.foreign_category)),  # type: ignore[attr-defined]
                    became_foreign_resident_on=getattr(p, "became_foreign_resident_on", None) or ctx.effective_on,
                )
            if person.kind == ResidentKind.FOREIGN and self.source == "domestic":
                since = getattr(p, "became_foreign_resident_on", None)
                if since is None:
                    raise ValidationFailed("MOVE_IN_FOREIGN_SINCE_REQUIRED",
                                           f"{path_label(f'persons.{person.index}')}: 外国人住民となった日（転出証明書）を入力してください。",
                                           field=f"persons.{person.index}.became_foreign_resident_on")
                if since > ctx.effective_on:
                    raise ValidationFailed("CHANGE_DATE_ORDER", f"{path_label(f'persons.{person.index}')}: 外国人住民となった日が転入日より後です。",
                                           field=f"persons.{person.index}.became_foreign_resident_on")

            # Numbers: carried over, kept from the person's earlier record, or issued at confirmation.
            clear_number: str | None = person.my_number or None
            new_number = False
            existing = person.existing
            if not person.resident_code:
                if ctx.lock:
                    fields["resident_code"] = number_source().allocate_resident_code()
                else:
                    pending_numbers = True
            if clear_number is None:
                if existing is not None and existing.my_number_index:
                    fields["my_number_enc"], fields["my_number_index"] = existing.my_number_enc, existing.my_number_index
                elif ctx.lock:
                    clear_number = number_source().generate_my_number(fields["resident_code"])
                    new_number = True
                else:
                    pending_numbers = True

            ref = f"p:{existing.person_id}" if existing is not None else f"new:{person.index}"
            fields = join_versions(plan, NewVersion(ref=ref, person_id=existing.person_id if existing is not None else None,
                                                    fields=fields, my_number=clear_number), stages)
            # The events describe the current record: after the joined household's later moves, if any.
            now_block = stages[-1].head.town_block if stages else town_block
            now_address = format_address(municipality, now_block, fields["banchi"], fields["katagaki"])
            plan.events.append(identity_event(ref, fields, self.reason, ctx.effective_on, address=now_address))
            plan.events.append(intra_office_event(ref, fields, self.reason, ctx, address=now_address))
            if domicile_elsewhere(fields.get("domicile"), municipality, resident_kind=fields.get("resident_kind")):
                plan.events.append(fuhyo_event(ref, fields, self.reason, ctx, now_address))
            plan.events.extend(self.extra_events(ref, fields, items, ctx))
            if new_number:
                plan.events.append(EventDraft(ref, outbound.delivery_info(
                    fields, self.reason, ctx.effective_on, address=now_address, postcode=now_block.postcode,
                    householder=head_name)))
        if pending_numbers:
            plan.warnings.append("住民票コード・個人番号が記載されていない者には、確定時に付番します（個人番号は送付先情報を通知します）。")
        return plan


def _furigana_certification(p: _PersonCore) -> str:
    """公証区分: as certified on the 転出証明書; otherwise recorded-but-uncertified when given."""
    given = getattr(p, "furigana_certification", FuriganaCertification.NONE)
    if not (p.family_name_furigana or p.given_name_furigana):
        return FuriganaCertification.NONE.value
    return (FuriganaCertification.UNCERTIFIED if given == FuriganaCertification.NONE else given).value


def _default_card_kind(category: ForeignResidentCategory | None) -> str:
    if category == ForeignResidentCategory.MID_TO_LONG_TERM:
        return ResidenceCardKind.RESIDENCE_CARD.value
    if category == ForeignResidentCategory.SPECIAL_PERMANENT:
        return ResidenceCardKind.SPECIAL_PERMANENT_CERTIFICATE.value
    return ""


def _place_incoming(items: _IncomingItems, ctx: ChangeContext, people: list[_Incoming], town_block: TownBlock,
                    ) -> tuple[dict[int, tuple[object, int]], str, list[HouseholdStage] | None]:
    """Household, listing order and householder's name for each incoming person, and the stages
    of a joined household (:func:`household_stages`).

    A new household has exactly one 世帯主; persons joining a household at its address on the
    effective date take relationships to its 世帯主, follow its members in listing order and
    its later moves.
    """
    rels = {p.index: p.item.relationship for p in people}
    if items.household == "new":
        if items.join_household_no is not None:
            raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_NOT_ALLOWED", "既存世帯に入る場合だけ加入する世帯番号を入力します。",
                                   field="join_household_no")
        check_one_householder(rels, household="新世帯")
        ordered = sorted(people, key=lambda p: (p.item.relationship != Relationship.HOUSEHOLDER, p.index))
        head = next(p.item for p in people if p.item.relationship == Relationship.HOUSEHOLDER)
        head_name = f"{head.family_name}\u3000{head.given_name}" if head.given_name else head.family_name
        return {p.index: ("new:household", n) for n, p in enumerate(ordered, start=1)}, head_name, None
    if items.join_household_no is None:
        raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_REQUIRED", "加入する世帯の世帯番号を入力してください。", field="join_household_no")
    joined = ctx.household_members(items.join_household_no)
    if not joined:
        raise ValidationFailed("MOVE_JOIN_HOUSEHOLD_UNKNOWN", "加入する世帯に住民がいません。", field="join_household_no")
    new_address = (town_block.pk, items.banchi, items.katagaki)
    stages = household_stages(ctx, items.join_household_no, field="join_household_no")
    if any((j.town_block_id, j.banchi, j.katagaki) != new_address for j in stages[0].members):
        raise ValidationFailed("MOVE_JOIN_ADDRESS_MISMATCH", "加入する世帯の異動日の住所と転入先の住所が一致しません。",
                               field="town_block")
    if any(r == Relationship.HOUSEHOLDER for r in rels.values()):
        raise ValidationFailed("HOUSEHOLD_HOUSEHOLDER_COUNT", "加入する世帯には既に世帯主がいます。", field="persons")
    base = max(j.listing_order for j in joined)
    return ({p.index: (items.join_household_no, base + n) for n, p in enumerate(people, start=1)},
            householder_name(joined), stages)


@register
class MoveIn(_IncomingHandler):
    """転入: a move-in from another municipality, on its 転出証明書 (住基法22条).

    The previous municipality's certificate carries the previous address, the planned
    move-out date, the resident code (住基法22条1項6号) and the My Number, which are checked
    (check digits) and carried over. Refused for anyone already resident here. After
    confirmation the previous municipality gets a 転入通知 (住基法9条1項).
    """

    kind = "move_in"
    reason = ChangeReason.MOVE_IN
    label = "転入届"
    article = "住民基本台帳法22条"
    items = MoveInItems
    source = "domestic"

    def pre_move_in(self, items: MoveInItems) -> tuple[str, str]:
        return items.previous_address, items.previous_householder

    def extra_checks(self, items: MoveInItems, ctx: ChangeContext, plan: Plan) -> None:
        code = _identifier(lg_code_id, items.previous_lg_code, "previous_lg_code")
        if code == ctx.municipality().lg_code:
            raise ValidationFailed("MOVE_IN_FROM_SAME_MUNICIPALITY",
                                   "転出元が当市区町村です。市区町村内の住所変更は転居届によります。", field="previous_lg_code")
        if ctx.effective_on < items.planned_move_out_on:
            plan.warnings.append("転入日が転出証明書の転出予定日より前です。転入日を確認してください。")
        if ctx.effective_on > items.planned_move_out_on + dt.timedelta(days=30):
            plan.warnings.append("転入日が転出予定日から30日を超えています。転出証明書の内容と実際の異動日を確認してください。")

    def extra_events(self, ref: str, fields: dict[str, Any], items: MoveInItems,
                     ctx: ChangeContext) -> list[EventDraft]:
        """転入通知 (住基法9条1項): the previous municipality learns the person moved in."""
        return [EventDraft(ref, outbound.move_in_notice(
            fields, self.reason, ctx.effective_on,
            to_lg_code=lg_code_id.validate(items.previous_lg_code), from_lg_code=ctx.municipality().lg_code,
            address=format_address(ctx.municipality(), ctx.town_block(items.town_block), items.banchi, items.katagaki),
            notified_on=ctx.notified_on, previous_address=items.previous_address,
            planned_move_out_on=items.planned_move_out_on,
        ))]


@register
class MoveInAbroad(_IncomingHandler):
    """転入 from abroad: Japanese nationals (住基法22条) and 中長期在留者等 (住基法30条の46).

    Persons who never had a resident code get one from the municipality's allotment, and a
    My Number generated from it (番号法7条1項; locally until the national node exists — see
    :mod:`juki.register.issuance`); numbers are issued at confirmation, never at entry, and
    a delivery-info event tells J-LIS where to send the 個人番号通知書. A person coming back
    (found by resident code) keeps their addressee number and My Number.
    """

    kind = "move_in_abroad"
    reason = ChangeReason.MOVE_IN_FROM_ABROAD
    label = "転入届（国外から）"
    article = "住民基本台帳法22条、30条の46"
    items = MoveInAbroadItems
    source = "abroad"

    def pre_move_in(self, items: MoveInAbroadItems) -> tuple[str, str]:
        return items.previous_address, items.previous_householder


@register
class ForeignEntry(_IncomingHandler):
    """外国人住民の記載 (住基法30条の47): a foreign national with an address here who becomes a
    中長期在留者等 (e.g. a short-term visitor granted a mid-to-long-term status). The effective
    date is the day they became one; the notification is due within 14 days."""

    kind = "foreign_entry"
    reason = ChangeReason.FOREIGN_RESIDENT_ENTRY
    label = "中長期在留者等となった者の届出"
    article = "住民基本台帳法30条の47"
    items = ForeignEntryItems
    source = "entry"
