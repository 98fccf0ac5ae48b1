"""住民票記載事項証明書: certifies the items the requester chose (Options.items), nothing else.

The name is always printed, to say whose items they are; every other item appears only if
chosen, in the order of :data:`~.options.ENTRY_ITEMS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .data import Issuer, PersonEntry
from .layout import Row, assemble, e, my_number_text, name_row_mm, paginate, row, table_block
from .options import ENTRY_ITEMS, Options, Stamp

__all__ = ["entry_pages", "STATEMENT"]

STATEMENT = "上記の記載事項は、住民票の原本と相違ないことを証明する。"


def item_value(p: PersonEntry, item: str) -> str:
    f = p.foreign
    values = {
        "birth": p.birth,
        "sex": p.sex,
        "address": p.address,
        "address_established_on": p.address_established_on,
        "became_resident_on": p.became_resident_on,
        "householder": p.householder,
        "relationship": p.relationship,
        "pre_move_in_address": p.pre_move_in_address,
        "domicile": f"{p.domicile}　筆頭者 {p.domicile_head}" if p.domicile else "",
        "resident_code": p.resident_code,
        "former_surname": p.former_surname,
        "nationality": f.nationality if f else "",
        "residence_status": (f"{f.residence_status}　{f.stay_period}（満了日 {f.stay_expires_on}）"
                             if f and f.residence_status else ""),
        "alias": p.alias,
    }
    return values[item] or "記載なし"


def entry_pages(persons: Sequence[PersonEntry], options: Options, stamp: Stamp, issuer: Issuer, *,
                my_numbers: Mapping[int, str] | None = None) -> list[str]:
    blocks = []
    for p in persons:
        kana = p.furigana or p.kana
        rows = [Row(f'<tr><th>氏名</th><td class="name"><span class="kana">{e(kana)}</span>{e(p.name)}</td></tr>',
                    name_row_mm(p.name, 142.0))]
        rows += [row((ENTRY_ITEMS[item], item_value(p, item)), grid="two") for item in options.items]
        if options.my_number:
            rows.append(row(("個人番号", my_number_text((my_numbers or {}).get(p.person_id))), grid="two"))
        blocks.append(table_block(rows, cols='<colgroup><col class="l" style="width: 36mm"/><col/></colgroup>'))
    return assemble(title="住民票記載事項証明書", kind="記載事項証明", pages_blocks=paginate(blocks),
                    stamp=stamp, issuer=issuer, statement=STATEMENT)
