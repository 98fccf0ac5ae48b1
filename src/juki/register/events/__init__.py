"""Outbound events of the register (送信事象): typed, versioned contracts.

Every event a confirmed change queues in the outbox (:class:`~juki.register.models.OutboxEvent`)
is one of the pydantic models below. A model *is* the contract with the receiving system — the
community server (本人確認情報), J-LIS's card system (送付先情報), other departments (庁内連携),
the 本籍 municipality (附票記載事項通知) and the previous municipality (転入通知) — and will be
what travels between nodes. So:

- each kind has **one builder** (:func:`identity_update`, :func:`delivery_info`,
  :func:`intra_office`, :func:`fuhyo_notice`, :func:`move_in_notice`); change kinds call only
  these, never assemble a payload themselves;
- the outbox stores the kind, the schema version (``OutboxEvent.schema_version``) and the
  validated payload (``model_dump(mode="json")``);
- consumers read a row with :func:`parse_event`, which validates the payload against the same
  model and returns it typed;
- the JSON Schema of every (kind, version) is kept in ``schemas/<kind>.v<N>.json``; a test
  compares it with the model, so a model changed without a new version fails. Regenerate the
  files deliberately with ``juki django event_schemas --write`` (docs/register.md, *Events*).

My Numbers: only :class:`IdentityUpdate` and :class:`DeliveryInfo` carry one, and only as the
person's sealed ciphertext (``my_number_enc``, base64), attached by the workflow at
confirmation. The 附票 notice never carries one (住基法19条; jlis-001a §4.4: the 附票 files hold
no My Number).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from juki.core.errors import JukiError

from ..models import ChangeReason, RecordStatus, RemovalReason, ResidentKind, Sex
from ..models.change import OutboxEvent

#: Where the JSON Schema of every (kind, version) is kept.
SCHEMA_DIR = Path(__file__).with_name("schemas")

Kind = OutboxEvent.Kind
Birth = tuple[int | None, int | None, int | None]


class OutboundEvent(BaseModel):
    """Base of every outbound event: the change's 異動事由 and 異動年月日; closed to items it
    does not declare (an undeclared item is a schema change, so a new version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str]
    version: ClassVar[int]

    reason: ChangeReason = Field(description="異動事由")
    effective_on: dt.date = Field(description="異動年月日")


class IdentityUpdate(OutboundEvent):
    """本人確認情報の更新 (住基法30条の6; jlis-001a §4.2): 住民票コード, 氏名, 振り仮名, 生年月日,
    性別, 住所, 個人番号 (sealed), 異動事由, 異動年月日, 旧氏 — and the record's status."""

    kind: ClassVar[str] = Kind.IDENTITY_UPDATE.value
    version: ClassVar[int] = 1

    resident_code: str = Field(description="住民票コード（確定前は空）")
    family_name: str = Field(description="氏")
    given_name: str = Field(description="名")
    furigana: str = Field(description="氏名の振り仮名（氏と名を半角空白で区切る）")
    alphabet_name: str = Field(default="", description="アルファベット氏名（外国人住民）")
    alias_name: str = Field(default="", description="通称（外国人住民）")
    birth: Birth = Field(description="生年月日 [年, 月, 日]（不詳の部分は null）")
    sex: Sex = Field(description="性別（ISO/IEC 5218: 1 男, 2 女）")
    address: str = Field(description="住所（都道府県から方書まで）")
    town_block_id: int | None = Field(description="住所の町丁字")
    banchi: str = Field(description="番地")
    katagaki: str = Field(description="方書")
    former_surname: str = Field(default="", description="旧氏")
    former_surname_kana: str = Field(default="", description="旧氏の振り仮名")
    status: RecordStatus = Field(description="住民状態（住民・消除）")
    my_number_enc: str | None = Field(default=None, description="個人番号: 封緘した暗号文（base64）。平文は載せない")
    previous_resident_code: str = Field(default="", description="変更前の住民票コード（住民票コードの変更）")
    action: Literal["", "move_out_cancel", "move_out_confirm"] = Field(default="", description="転出取消・転出確定")


class DeliveryInfo(OutboundEvent):
    """送付先情報 (番号法7条1項): where J-LIS sends the 個人番号通知書 of a newly numbered person."""

    kind: ClassVar[str] = Kind.DELIVERY_INFO.value
    version: ClassVar[int] = 1

    resident_code: str = Field(description="住民票コード")
    family_name: str = Field(description="氏")
    given_name: str = Field(description="名")
    name: str = Field(description="氏名（氏と名を全角空白で区切る。通知書の宛名）")
    family_name_kana: str = Field(description="氏カナ")
    given_name_kana: str = Field(description="名カナ")
    birth: Birth = Field(description="生年月日 [年, 月, 日]（不詳の部分は null）")
    sex: Sex = Field(description="性別（ISO/IEC 5218）")
    address: str = Field(description="送付先の住所")
    postcode: str = Field(default="", description="郵便番号")
    householder: str = Field(default="", description="世帯主の氏名（分かる場合）")
    my_number_enc: str | None = Field(default=None, description="個人番号: 封緘した暗号文（base64）。平文は載せない")


class IntraOffice(OutboundEvent):
    """庁内連携: other departments learn that a person's record changed and read the record
    itself; the event says what kind of change it was."""

    kind: ClassVar[str] = Kind.INTRA_OFFICE.value
    version: ClassVar[int] = 1

    status: RecordStatus = Field(description="住民状態（書いた版の）")
    items: list[str] = Field(default_factory=list, description="変更した記載事項（項目名）")
    address: str = Field(default="", description="新しい住所")
    destination: str = Field(default="", description="転出先")
    action: Literal["", "move_out_cancel", "move_out_confirm"] = Field(default="", description="転出取消・転出確定")
    cancelled_removal_on: dt.date | None = Field(default=None, description="取り消した消除の日（転出取消）")
    confirmed_address: str = Field(default="", description="確定した転出先（転出確定）")
    confirmed_on: dt.date | None = Field(default=None, description="転出確定日")
    corrected: list[str] = Field(default_factory=list, description="職権修正した事項（日本語名）")
    correction_reason: str = Field(default="", description="職権修正の理由")
    removal_reason: RemovalReason | None = Field(default=None, description="消除事由（職権消除）")
    grounds: str = Field(default="", description="職権消除の根拠")
    relationship: str = Field(default="", description="続柄コード（世帯変更・世帯主の消除）")
    variant: str = Field(default="", description="世帯変更の種類")
    household_no: int | None = Field(default=None, description="世帯番号（新世帯は確定前のため空）")
    previous_household_no: int | None = Field(default=None, description="前の世帯番号")


class FuhyoNotice(OutboundEvent):
    """附票記載事項通知 (住基法19条1項) to the 本籍 municipality: the 附票 items (住基法17条) —
    戸籍の表示, 住民票コード, 氏名 and 振り仮名, 旧氏, 生年月日, 性別, 住所 and 住所を定めた年月日 —
    with 異動事由, 異動年月日 and the 国外転出 flag. Never a My Number."""

    kind: ClassVar[str] = Kind.FUHYO_NOTICE.value
    version: ClassVar[int] = 1

    domicile: str = Field(description="本籍")
    domicile_head: str = Field(description="筆頭者")
    previous_domicile: str = Field(default="", description="変更前の本籍（本籍が変わった場合）")
    resident_code: str = Field(description="住民票コード")
    family_name: str = Field(description="氏")
    given_name: str = Field(description="名")
    name: str = Field(description="氏名（氏と名を全角空白で区切る）")
    furigana: str = Field(description="氏名の振り仮名（半角空白で区切る）")
    former_surname: str = Field(default="", description="旧氏")
    former_surname_kana: str = Field(default="", description="旧氏の振り仮名")
    birth: Birth = Field(description="生年月日 [年, 月, 日]（不詳の部分は null）")
    sex: Sex = Field(description="性別（ISO/IEC 5218）")
    address: str = Field(description="住所")
    address_established_on: dt.date | None = Field(description="住所を定めた年月日")
    status: RecordStatus = Field(description="住民状態（消除は除票）")
    moved_abroad: bool = Field(default=False, description="国外転出")
    moved_abroad_to: str = Field(default="", description="国外転出先")
    items: list[str] = Field(default_factory=list, description="変更した附票記載事項（異動が名指す場合）")


class MoveInNotice(OutboundEvent):
    """転入通知 (住基法9条1項) to the municipality the person moved from."""

    kind: ClassVar[str] = Kind.MOVE_IN_NOTICE.value
    version: ClassVar[int] = 1

    to_lg_code: str = Field(description="通知先（転出元）の地方公共団体コード")
    from_lg_code: str = Field(description="通知元（転入先）の地方公共団体コード")
    resident_code: str = Field(description="住民票コード")
    family_name: str = Field(description="氏")
    given_name: str = Field(description="名")
    birth: Birth = Field(description="生年月日 [年, 月, 日]（不詳の部分は null）")
    sex: Sex = Field(description="性別（ISO/IEC 5218）")
    address: str = Field(description="転入先の住所")
    moved_in_on: dt.date = Field(description="転入日")
    notified_on: dt.date | None = Field(description="届出日")
    previous_address: str = Field(description="転出元の住所（転出証明書）")
    planned_move_out_on: dt.date = Field(description="転出予定日（転出証明書）")


#: Every (kind, version) a stored row may have: the current ones, and older ones kept as long
#: as rows of them can still be in the outbox.
MODELS: dict[tuple[str, int], type[OutboundEvent]] = {
    (m.kind, m.version): m for m in (IdentityUpdate, DeliveryInfo, IntraOffice, FuhyoNotice, MoveInNotice)
}
#: The version each kind is written in now.
CURRENT: dict[str, type[OutboundEvent]] = {m.kind: m for m in MODELS.values()}


# --- builders (one per kind) -------------------------------------------------------------

def _birth(fields: dict[str, Any]) -> Birth:
    return (fields.get("birth_year"), fields.get("birth_month"), fields.get("birth_day"))


def _furigana(fields: dict[str, Any]) -> str:
    return f"{fields.get('family_name_furigana', '')} {fields.get('given_name_furigana', '')}".strip()


def full_name(fields: dict[str, Any]) -> str:
    """氏名 as written: 氏 and 名 with an ideographic space; a person without 名 has only 氏."""
    given = fields.get("given_name", "")
    return f"{fields.get('family_name', '')}\u3000{given}" if given else fields.get("family_name", "")


def _status(fields: dict[str, Any]) -> Any:
    return fields.get("status") or RecordStatus.RESIDENT


def identity_update(fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, *, address: str,
                    action: str = "", previous_resident_code: str = "") -> IdentityUpdate:
    """本人確認情報の更新 from the items of the version written. The workflow adds the sealed
    My Number of that version at confirmation."""
    foreign = fields.get("resident_kind") == ResidentKind.FOREIGN
    return IdentityUpdate(
        reason=reason, effective_on=effective_on,
        resident_code=fields.get("resident_code", ""),
        family_name=fields.get("family_name", ""), given_name=fields.get("given_name", ""),
        furigana=_furigana(fields),
        alphabet_name=fields.get("alphabet_name", "") if foreign else "",
        alias_name=fields.get("alias_name", "") if foreign else "",
        birth=_birth(fields), sex=fields.get("sex"), address=address,
        town_block_id=fields.get("town_block_id"), banchi=fields.get("banchi", ""), katagaki=fields.get("katagaki", ""),
        former_surname=fields.get("former_surname", ""), former_surname_kana=fields.get("former_surname_kana", ""),
        status=_status(fields), previous_resident_code=previous_resident_code, action=action,
    )


def delivery_info(fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, *, address: str,
                  postcode: str = "", householder: str = "") -> DeliveryInfo:
    """送付先情報 for a person given a new My Number; the workflow adds the sealed number."""
    return DeliveryInfo(
        reason=reason, effective_on=effective_on,
        resident_code=fields.get("resident_code", ""),
        family_name=fields.get("family_name", ""), given_name=fields.get("given_name", ""), name=full_name(fields),
        family_name_kana=fields.get("family_name_kana", ""), given_name_kana=fields.get("given_name_kana", ""),
        birth=_birth(fields), sex=fields.get("sex"), address=address, postcode=postcode or "", householder=householder,
    )


def intra_office(fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, **details: Any) -> IntraOffice:
    """庁内連携 for one written version; ``details`` are the :class:`IntraOffice` items that say
    what the change was (address, destination, items, …)."""
    return IntraOffice(reason=reason, effective_on=effective_on, status=_status(fields), **details)


def fuhyo_notice(fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, *, address: str,
                 moved_abroad_to: str = "", items: list[str] | None = None,
                 previous_domicile: str = "") -> FuhyoNotice:
    """附票記載事項通知 from the items of the version written (住基法19条1項)."""
    return FuhyoNotice(
        reason=reason, effective_on=effective_on,
        domicile=fields.get("domicile", ""), domicile_head=fields.get("domicile_head", ""),
        previous_domicile=previous_domicile,
        resident_code=fields.get("resident_code", ""),
        family_name=fields.get("family_name", ""), given_name=fields.get("given_name", ""), name=full_name(fields),
        furigana=_furigana(fields),
        former_surname=fields.get("former_surname", ""), former_surname_kana=fields.get("former_surname_kana", ""),
        birth=_birth(fields), sex=fields.get("sex"), address=address,
        address_established_on=fields.get("address_established_on"), status=_status(fields),
        moved_abroad=reason == ChangeReason.MOVE_ABROAD, moved_abroad_to=moved_abroad_to, items=items or [],
    )


def move_in_notice(fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, *, to_lg_code: str,
                   from_lg_code: str, address: str, notified_on: dt.date | None, previous_address: str,
                   planned_move_out_on: dt.date) -> MoveInNotice:
    """転入通知 to the previous municipality (住基法9条1項)."""
    return MoveInNotice(
        reason=reason, effective_on=effective_on, to_lg_code=to_lg_code, from_lg_code=from_lg_code,
        resident_code=fields.get("resident_code", ""),
        family_name=fields.get("family_name", ""), given_name=fields.get("given_name", ""),
        birth=_birth(fields), sex=fields.get("sex"), address=address, moved_in_on=effective_on,
        notified_on=notified_on, previous_address=previous_address, planned_move_out_on=planned_move_out_on,
    )


# --- storing and reading -------------------------------------------------------------------

def to_payload(event: OutboundEvent) -> dict[str, Any]:
    """The payload stored in the outbox (and sent): the model as JSON values."""
    return event.model_dump(mode="json")


class EventSchemaError(JukiError):
    """A stored event that does not match its schema (or has none)."""

    def __init__(self, code: str, message: str, **kw: Any):
        super().__init__(code=code, message=message, status=422, **kw)


def parse_event(row: OutboxEvent) -> OutboundEvent:
    """The typed event of an outbox row, validated against the schema of its kind and version.

    Refuses, with a stable code, a row of no known (kind, version) — version 0 marks rows
    written before events were typed — and a payload that does not match its schema. The
    messages name the items at fault, never their values (a payload holds personal data).
    """
    model = MODELS.get((row.kind, row.schema_version))
    if model is None:
        raise EventSchemaError("OUTBOX_EVENT_UNKNOWN_SCHEMA",
                               f"送信事象 {row.pk} の様式（{row.kind} 第{row.schema_version}版）は定義されていません。")
    try:
        return model.model_validate(row.payload)
    except ValidationError as exc:
        where = "、".join(sorted({".".join(str(p) for p in e["loc"]) or "(全体)" for e in exc.errors()}))
        raise EventSchemaError("OUTBOX_EVENT_INVALID",
                               f"送信事象 {row.pk} の内容が様式（{row.kind} 第{row.schema_version}版）に適合しません: {where}") from None


# --- JSON Schemas on disk -------------------------------------------------------------------

def schema_path(kind: str, version: int) -> Path:
    return SCHEMA_DIR / f"{kind}.v{version}.json"


def json_schema(model: type[OutboundEvent]) -> dict[str, Any]:
    """The JSON Schema of an event model (``model_json_schema()``), as stored and published.

    Enumerations lose the docstring of their Django choices class: what a value means is said
    by the field's description, and a docstring edit elsewhere is no schema change.
    """
    schema = model.model_json_schema()
    for definition in schema.get("$defs", {}).values():
        if "enum" in definition:
            definition.pop("description", None)
    return schema


def schema_text(model: type[OutboundEvent]) -> str:
    """The JSON Schema of a model as stored: sorted keys, so the file changes only when it does."""
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def structure(schema: Any) -> Any:
    """A JSON Schema without its descriptions: what a payload must look like. A difference here
    is a contract change and needs a new version; a description alone does not."""
    if isinstance(schema, dict):
        return {k: structure(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [structure(v) for v in schema]
    return schema


def write_schemas() -> list[Path]:
    """Write the JSON Schema file of every (kind, version); returns the files that changed."""
    changed = []
    SCHEMA_DIR.mkdir(exist_ok=True)
    for (kind, version), model in sorted(MODELS.items()):
        path, text = schema_path(kind, version), schema_text(model)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


__all__ = [
    "CURRENT", "MODELS", "DeliveryInfo", "EventSchemaError", "FuhyoNotice", "IdentityUpdate", "IntraOffice",
    "MoveInNotice", "OutboundEvent", "delivery_info", "fuhyo_notice", "full_name", "identity_update",
    "intra_office", "json_schema", "move_in_notice", "parse_event", "schema_path", "schema_text", "structure",
    "to_payload", "write_schemas",
]
