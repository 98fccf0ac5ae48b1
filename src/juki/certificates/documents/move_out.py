"""転出証明書 (住基法22条2項, 施行令23条): from :func:`juki.register.move_out.move_out_certificate_data`.

The household members moving out together are listed under the old address, the destination
and the planned date of moving out. Items per 施行令23条: 氏名, 出生の年月日, 男女の別, 世帯主・続柄,
戸籍の表示 (本籍・筆頭者), 住民票コード, and for foreign residents the 30条の45 items. These are
what the new municipality needs, so the requester's options do not leave them out — except the
個人番号, printed only when asked for and revealed by the calling action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .data import Issuer, date_text
from .layout import (
    PAGE_MM,
    Row,
    assemble,
    e,
    my_number_text,
    name_row_mm,
    paginate,
    row,
    table_block,
)
from .options import Options, Stamp

__all__ = ["move_out_pages", "STATEMENT"]

STATEMENT = "上記のとおり転出の届出があったことを証明する。"

_COLS = '<colgroup><col class="l"/><col/><col class="l"/><col/><col class="l"/><col/></colgroup>'


def _date(iso: str | None, *, western: bool) -> str:
    import datetime as dt

    return date_text(dt.date.fromisoformat(iso), western=western) if iso else ""


def _birth(data: dict[str, Any], western: bool) -> str:
    b = data["birth"]
    if b.get("date"):
        return _date(b["date"], western=western)
    return b.get("note") or "不詳"


def move_out_pages(persons: Sequence[dict[str, Any]], options: Options, stamp: Stamp, issuer: Issuer, *,
                   my_numbers: Mapping[int, str] | None = None) -> list[str]:
    """``persons``: :func:`move_out_certificate_data` of each member, in listing order."""
    first = persons[0]
    mo = first["move_out"]
    western0 = first["resident_kind"] == "foreign"
    head = table_block([
        row(("住所", first["address"], 5)),
        row(("世帯主", first["householder"], 3), ("届出日", _date(mo["notified_on"], western=western0))),
        row(("転出先", mo["destination"], 3), ("転出予定日", _date(mo["planned_on"], western=western0))),
        row(("転出先の世帯主", mo["destination_householder"], 5)),
    ], cols=_COLS, css_class="hh", margin_mm=3.0)
    blocks = []
    for i, d in enumerate(persons, start=1):
        western = d["resident_kind"] == "foreign"
        name = d["name"]
        kana = name.get("kana", "")
        rows = [
            Row(f'<tr><th>番号・氏名</th><td class="no">{i}</td><td class="name" colspan="2"><span class="kana">'
                f'{e(kana)}</span>{e(name["full_name"])}</td><th>生年月日</th><td>{e(_birth(d, western))}</td></tr>',
                name_row_mm(name["full_name"], 57.0)),
            row(("性別", d["sex"]["label"]), ("続柄", d["relationship"]["label"]),
                ("住民票コード", d["resident_code"])),
            row(("住民となった日", _date(d["became_resident_on"], western=western)),
                ("住所を定めた日", _date(d["address_established_on"], western=western), 3)),
        ]
        if "domicile" in d:
            rows.append(row(("本籍", d["domicile"]["domicile"], 3), ("筆頭者", d["domicile"]["head"])))
        else:
            f = d["foreign"]
            rows.append(row(("国籍・地域", f["nationality"]), ("在留資格", f["residence_status_label"]),
                            ("在留カード等番号", f["residence_card_no"])))
        if name.get("former_surname"):
            rows.append(row(("旧氏", name["former_surname"], 5)))
        number = my_number_text((my_numbers or {}).get(d["addressee_no"])) if options.my_number else ""
        rows.append(row(("個人番号", number, 5), omitted=(not options.my_number,)))
        blocks.append(table_block(rows, cols=_COLS))
    capacity = PAGE_MM - head.mm
    return assemble(title="転出証明書", kind="住基法施行令23条", pages_blocks=paginate(blocks, capacity=capacity),
                    stamp=stamp, issuer=issuer, statement=STATEMENT, header=head.html)
