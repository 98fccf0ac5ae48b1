"""Shared pieces of the family-register, foreign-resident and number kinds (共通部分).

Used by :mod:`.family_register`, :mod:`.foreign` and :mod:`.numbers`; plain functions, no
writes. It holds:

- item validators (romaji, residence-card and nationality codes) that refuse with a
  Japanese message naming the rule;
- the resident-kind guards (日本人住民のみ・外国人住民のみ);
- :func:`person_events`, which turns one changed person into the outbox events of the plan:
  本人確認情報の更新 when an identity item changed (住基法30条の6), 庁内連携 always, 送付先情報
  for a newly numbered person, and 附票記載事項通知 when the domicile is in another
  municipality (住基法19条);
- :func:`numbers_now`, the rule that new resident codes and My Numbers are drawn only when a
  change is confirmed, never when it is entered.
"""

from __future__ import annotations

import re
from typing import Any

import jaconv

from juki.core.errors import ValidationFailed

from ... import events as outbound
from ...models import ChangeReason, Municipality, ResidentKind, ResidentRecord, TownBlock
from ..base import (
    ChangeContext,
    ChangeHandler,
    EventDraft,
    NewVersion,
    Plan,
    format_address,
    fuhyo_event,
    identity_event,
    intra_office_event,
    require_resident,
)
from ..item_types import ItemInvalid

#: Identity items held by the community server (本人確認情報, 住基法30条の6; akita digest §3.7):
#: 住民票コード, 氏名 (for foreign residents with 通称), 振り仮名, 生年月日, 性別, 住所, 旧氏 and
#: the record's status. A change touching none of them sends no identity update.
IDENTITY_FIELDS = frozenset({
    "resident_code", "family_name", "given_name", "family_name_furigana", "given_name_furigana",
    "alphabet_name", "alias_name", "birth_year", "birth_month", "birth_day", "sex",
    "town_block_id", "banchi", "katagaki", "former_surname", "former_surname_kana", "status",
})

#: Items of the family-register supplement (戸籍の附票, 住基法17条) the domicile municipality must
#: be told about (住基法19条): 戸籍の表示, 氏名 and its 振り仮名, 住所 and 住所を定めた年月日,
#: 出生の年月日, 男女の別, 旧氏, 住民票コード — and removal of the record.
FUHYO_FIELDS = frozenset({
    "domicile", "domicile_head", "family_name", "given_name", "family_name_furigana", "given_name_furigana",
    "town_block_id", "banchi", "katagaki", "address_established_on", "birth_year", "birth_month", "birth_day",
    "sex", "former_surname", "former_surname_kana", "resident_code", "status",
})

#: Never listed as changed items (secrets and derived search keys).
_HIDDEN = frozenset({"my_number_enc", "my_number_index", "name_kana_key", "name_key"})

NUMBERS_AT_CONFIRMATION = "住民票コード・個人番号は確定時に払い出されます（入力時には払い出しません）。"


# --- item formats ---------------------------------------------------------------------------

_ROMAJI = re.compile(r"[A-Z][A-Z '\-]*")
_CARD_NO = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}")
_NATIONALITY_CODE = re.compile(r"[A-Z]{2,3}")


def romaji(value: str | None, label: str) -> str | None:
    """Roman-letter items (旧氏のローマ字): ASCII letters, stored in capitals."""
    if value is None or value == "":
        return value
    upper = jaconv.z2h(value, kana=False, ascii=True, digit=False).upper()
    if not _ROMAJI.fullmatch(upper):
        raise ItemInvalid(f"{label}はローマ字（A〜Z）で入力してください。")
    return upper


def residence_card_no(value: str | None) -> str | None:
    """在留カード等番号: two letters, eight digits, two letters (e.g. AB12345678CD)."""
    if value is None:
        return None
    upper = jaconv.z2h(value, kana=False, ascii=True, digit=True).upper().replace(" ", "")
    if not _CARD_NO.fullmatch(upper):
        raise ItemInvalid("在留カード等番号は英字2桁・数字8桁・英字2桁（例: AB12345678CD）で入力してください。")
    return upper


def nationality_code(value: str | None) -> str | None:
    """国籍コード: ISO 3166-1 alpha-2 (alpha-3 accepted for codes outside it, e.g. stateless)."""
    if value is None:
        return None
    upper = value.upper()
    if not _NATIONALITY_CODE.fullmatch(upper):
        raise ItemInvalid("国籍コードはISO 3166-1の英字コード（例: VN）で入力してください。")
    return upper


# --- resident-kind guards -----------------------------------------------------------------

def require_japanese(record: ResidentRecord, code: str, what: str) -> None:
    if record.resident_kind != ResidentKind.JAPANESE:
        raise ValidationFailed(code, f"{what}は日本人住民についてのみ記載します（宛名番号 {record.person_id} は外国人住民です）。",
                               field="person")


def require_foreign(record: ResidentRecord) -> None:
    """住基法30条の45以下の外国人住民に関する特例: foreign-resident items only for foreign residents."""
    if record.resident_kind != ResidentKind.FOREIGN:
        raise ValidationFailed(
            "FOREIGN_RESIDENT_ONLY",
            f"宛名番号 {record.person_id} は日本人住民です。この異動は外国人住民（住基法30条の45）についてのみ行えます。",
            field="person",
        )


def one_person(ctx: ChangeContext, addressee_no: int, handler: ChangeHandler) -> ResidentRecord:
    """The current record of the one person a kind changes, refused if removed."""
    record = ctx.current(addressee_no)
    require_resident(record, handler)
    return record




# --- numbers --------------------------------------------------------------------------------

def numbers_now(ctx: ChangeContext, plan: Plan) -> bool:
    """New numbers are drawn only when the change is confirmed (``ctx.lock``), inside the
    confirming transaction: a number drawn at entry would be burnt (never reissued) and the
    approver would see a number other than the one recorded. At entry the plan carries a
    warning instead."""
    if not ctx.lock:
        plan.warnings.append(NUMBERS_AT_CONFIRMATION)
    return ctx.lock


# --- events --------------------------------------------------------------------------------

def changed_items(old: ResidentRecord | None, fields: dict[str, Any]) -> list[str]:
    if old is None:
        return sorted(k for k, v in fields.items() if k not in _HIDDEN and v not in (None, ""))
    return sorted(k for k, v in fields.items() if k not in _HIDDEN and getattr(old, k) != v)


def domicile_elsewhere(domicile: str, municipality: Municipality) -> bool:
    """本籍 in another municipality: the domicile text does not start with this municipality's
    name (with or without its prefecture)."""
    text = (domicile or "").strip().replace("\u3000", "")
    if not text:
        return False
    return not (text.startswith(municipality.prefecture + municipality.name) or text.startswith(municipality.name))


def append_version(plan: Plan, rec: ResidentRecord, fields: dict[str, Any], *, reason: ChangeReason,
                   ctx: ChangeContext) -> None:
    """The next version of ``rec``'s record with ``fields``, and the outbox events the change of
    items calls for (:func:`person_events`)."""
    ref = f"p:{rec.person_id}"
    plan.versions.append(NewVersion(ref=ref, person_id=rec.person_id, fields=fields))
    person_events(plan, ref=ref, old=rec, fields=fields, reason=reason, ctx=ctx)


def person_events(
    plan: Plan,
    *,
    ref: str,
    old: ResidentRecord | None,
    fields: dict[str, Any],
    reason: ChangeReason,
    ctx: ChangeContext,
    town_block: TownBlock | None = None,
    new_number: bool = False,
    extra_items: tuple[str, ...] = (),
    identity_extra: dict[str, Any] | None = None,
) -> None:
    """Append the outbox events for one changed person (docs/register.md).

    ``new_number``: a new My Number was designated (出生, 個人番号の変更) — the identity update
    is sent and 送付先情報 (for the 個人番号通知書) follows. My Numbers never appear here in
    clear: the workflow attaches the sealed ciphertext to identity and delivery events.
    """
    changed = sorted({*changed_items(old, fields), *extra_items})
    municipality = ctx.municipality()
    block = town_block if town_block is not None else old.town_block if old is not None else None
    address = format_address(municipality, block, fields.get("banchi", ""), fields.get("katagaki", "")) if block else ""

    if old is None or new_number or any(k in IDENTITY_FIELDS for k in changed):
        plan.events.append(identity_event(ref, fields, reason, ctx.effective_on, address=address,
                                          **(identity_extra or {})))
    if new_number:
        plan.events.append(EventDraft(ref, outbound.delivery_info(
            fields, reason, ctx.effective_on, address=address, postcode=block.postcode if block else "")))
    plan.events.append(intra_office_event(ref, fields, reason, ctx, items=changed))
    fuhyo_touched = old is None or any(k in FUHYO_FIELDS for k in changed)
    if (
        fields.get("resident_kind") == ResidentKind.JAPANESE
        and fuhyo_touched
        and domicile_elsewhere(fields.get("domicile", ""), municipality)
    ):
        previous = old.domicile if old is not None and old.domicile != fields.get("domicile") else ""
        plan.events.append(fuhyo_event(ref, fields, reason, ctx, address,
                                       items=[k for k in changed if k in FUHYO_FIELDS], previous_domicile=previous))
