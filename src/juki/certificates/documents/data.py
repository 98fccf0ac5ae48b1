"""What a certificate prints, as plain data (no Django), and how it is read from the register.

:func:`person_entry` turns a :class:`~juki.register.models.ResidentRecord` into a
:class:`PersonEntry` of already formatted texts (和暦 for Japanese residents, 西暦 for foreign
residents, as the register screens show them). The page builders work on these only, so
layouts can be rendered without a database (reference images, bench).

It never decrypts a My Number: the calling action passes the numbers it revealed under its
purpose, and the page prints them only when the request asked for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["ForeignItems", "HistoryLine", "Issuer", "PersonEntry", "Removal", "date_text"]


@dataclass(frozen=True)
class Issuer:
    """市区町村 and its head (首長), as printed under the certification statement."""

    municipality: str  # 秋田県秋田市
    mayor_title: str  # 秋田市長
    mayor_name: str
    short_name: str = ""  # 秋田市 (for 「当市」 wording)


@dataclass(frozen=True)
class ForeignItems:
    """住基法30条の45 items of a foreign resident (外国人住民)."""

    alphabet_name: str = ""
    nationality: str = ""
    category: str = ""  # 法30条の45規定区分
    residence_status: str = ""  # 在留資格
    stay_period: str = ""  # 在留期間 (e.g. 3年)
    stay_expires_on: str = ""  # 在留期間の満了の日
    card_no: str = ""  # 在留カード等番号
    card_kind: str = ""
    became_foreign_resident_on: str = ""


@dataclass(frozen=True)
class Removal:
    """消除: why and when the person left the register (除票)."""

    reason: str
    removed_on: str
    notified_on: str = ""
    destination: str = ""  # 転出先 (転出・国外転出)


@dataclass(frozen=True)
class HistoryLine:
    """One version of the record, for the history printed on request (異動履歴)."""

    valid_from: str  # 異動日
    notified_on: str  # 届出日
    reason: str  # 異動事由
    summary: str  # the name and address of that version


@dataclass(frozen=True)
class PersonEntry:
    """One person as a certificate prints them (texts already formatted)."""

    name: str  # 氏名 as registered, IVS kept
    kana: str = ""
    furigana: str = ""  # 氏名の振り仮名 (戸籍法改正, 2025)
    birth: str = ""
    sex: str = ""
    relationship: str = ""
    householder: str = ""
    address: str = ""
    address_established_on: str = ""
    address_established_notified_on: str = ""
    became_resident_on: str = ""
    became_resident_reason: str = ""
    pre_move_in_address: str = ""  # 転入前住所
    previous_address: str = ""  # 前住所 (転居)
    domicile: str = ""
    domicile_head: str = ""
    resident_code: str = ""
    former_surname: str = ""
    alias: str = ""
    latest_change: str = ""  # 記載事由: the latest change and its date
    foreign: ForeignItems | None = None
    removal: Removal | None = None
    history: tuple[HistoryLine, ...] = ()
    person_id: int = 0
    household_id: int = 0
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_foreign(self) -> bool:
        return self.foreign is not None


def date_text(value: dt.date | None, *, western: bool = False, note: str = "") -> str:
    """A date as certificates print it: 和暦 (西暦 for foreign residents); the 不詳 note if none."""
    if value is None:
        return note
    if western:
        return f"{value.year}年{value.month}月{value.day}日"
    from juki.register.wareki import DateParseError, format_wareki

    try:
        return format_wareki(value)
    except DateParseError:
        return f"{value.year}年{value.month}月{value.day}日"
