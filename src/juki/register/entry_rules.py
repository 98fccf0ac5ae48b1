"""Rules on what is entered in the register, needing no database (記載の規則: 除票の保存期限, 証明書に印字する事項). Plain functions over plain data."""

from __future__ import annotations

import calendar
import datetime as dt

from juki.glyphs import unprintable_chars

#: 住基法施行令34条: removed records (除票) are kept for 150 years from the day of removal.
RETENTION_YEARS = 150


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to the last day of
    February when the target year is not a leap year (民法143条2項)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def retention_until(removed_on: dt.date) -> dt.date:
    """保存期限 of a removed record: removal date + 150 years (住基法施行令34条)."""
    return add_years(removed_on, RETENTION_YEARS)


#: Record items printed on certificates (氏名・住所・本籍 …): an unprintable character is refused
#: when entered, never printed as a box (decision 0004).
PRINTED_ITEMS: dict[str, str] = {
    "family_name": "氏", "given_name": "名", "alias_name": "通称", "concurrent_name": "併記名",
    "former_surname": "旧氏", "alphabet_name": "アルファベット氏名", "banchi": "番地", "katagaki": "方書",
    "domicile": "本籍", "domicile_head": "筆頭者", "nationality": "国籍・地域",
    "previous_address": "前住所", "previous_householder": "前住所の世帯主",
    "pre_move_in_address": "転入前住所", "pre_move_in_householder": "転入前住所の世帯主",
    "planned_move_out_address": "転出予定先住所", "planned_move_out_householder": "転出予定先の世帯主",
    "confirmed_move_out_address": "転出確定住所",
}


def unprintable_items(fields: dict[str, object]) -> list[tuple[str, list[str]]]:
    """(item, unprintable units) for each printed item of a record whose text the certificate
    font (IPAmj明朝, with its registered IVS) cannot print exactly
    (:func:`juki.glyphs.unprintable_chars`)."""
    out = []
    for name in PRINTED_ITEMS:
        value = fields.get(name)
        if isinstance(value, str) and value:
            bad = unprintable_chars(value)
            if bad:
                out.append((name, bad))
    return out
