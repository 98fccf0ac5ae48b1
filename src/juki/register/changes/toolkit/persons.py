"""The person a kind changes (本人): guards, item formats and when numbers are drawn.

- :func:`one_person` and the resident-kind guards (:func:`require_japanese` 日本人住民のみ,
  :func:`require_foreign` 外国人住民のみ);
- item validators that refuse with a Japanese message naming the rule (:func:`romaji`,
  :func:`residence_card_no`, :func:`nationality_code`);
- :func:`numbers_now`: new resident codes and My Numbers are drawn only when a change is
  confirmed, never when it is entered.
"""

from __future__ import annotations

import re

import jaconv

from juki.core.errors import ValidationFailed

from ...models import ResidentKind, ResidentRecord
from ..base import ChangeContext, ChangeHandler, Plan, require_resident
from ..item_types import ItemInvalid

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


# --- the person changed -------------------------------------------------------------------

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

