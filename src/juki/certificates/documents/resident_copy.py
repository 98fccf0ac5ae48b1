"""住民票の写し (世帯連記式・個人票) and 除票の写し.

Items (住基法7条; 30条の45 for foreign residents), and what the request may leave out
(住基法12条5項; options): 世帯主・続柄, 本籍・筆頭者, 住民票コード, 個人番号, the 30条の45 items.
An item left out prints 「省略」 in its place, so the reader sees that it exists but was not
asked for. History (異動履歴) is printed only on request.

- 世帯連記式: the household's address and householder at the top of every page; up to four
  members per page (fewer with history), in listing order.
- 個人票: one person per page (a long history continues on the next page).
- 除票の写し: the 個人票 of a removed record, with 消除事由 and 消除日 (and the 転出先).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .data import HistoryLine, Issuer, PersonEntry
from .layout import (
    CERT_MM,
    PAGE_MM,
    Block,
    Flow,
    Row,
    assemble,
    e,
    lines,
    my_number_text,
    name_row_mm,
    paginate,
    row,
    table_block,
)
from .options import Options, Stamp

__all__ = ["household_pages", "personal_pages", "removed_pages", "STATEMENT", "REMOVED_STATEMENT"]

STATEMENT = "この写しは、住民票の原本と相違ないことを証明する。"
REMOVED_STATEMENT = "この写しは、除票の原本と相違ないことを証明する。"

_COLS = '<colgroup><col class="l"/><col/><col class="l"/><col/><col class="l"/><col/></colgroup>'
_HIST_COLS = '<colgroup><col class="d"/><col class="d"/><col class="r"/><col/></colgroup>'
_HIST_ROW_MM = 7.5 * 0.3528 * 1.35 + 1.0
_HIST_SUMMARY_MM = 96.0


def _name_row(p: PersonEntry, number: int | None) -> Row:
    no = f'<td class="no">{number}</td>' if number is not None else ""
    label = "氏名" if number is None else "番号・氏名"
    span = 3 if number is None else 2
    kana = p.furigana or p.kana
    html = (f'<tr><th>{label}</th>{no}<td class="name" colspan="{span}"><span class="kana">{e(kana)}</span>'
            f"{e(p.name)}</td><th>生年月日</th><td>{e(p.birth)}</td></tr>")
    return Row(html, name_row_mm(p.name, 94.0 if number is None else 57.0))


def _identity_rows(p: PersonEntry, options: Options, number: int | None) -> list[Row]:
    """The rows of one person (without history), each measuring its height.

    With ``number`` (世帯連記式) the block is compact: the address and householder are in the
    page header, not repeated per member.
    """
    hide_hh = not options.householder_and_relationship
    rows = [_name_row(p, number)]
    if number is None:
        rows.append(row(("性別", p.sex), ("続柄", p.relationship), ("世帯主", p.householder),
                        omitted=(False, hide_hh, hide_hh)))
        rows.append(row(("住民となった日", p.became_resident_on), ("住所を定めた日", p.address_established_on),
                        ("届出日", p.address_established_notified_on)))
        rows.append(row(("住所", p.address, 5)))
        rows.append(row(("記載事由", p.latest_change, 5)))
    else:
        rows.append(row(("性別", p.sex), ("続柄", p.relationship), ("住民となった日", p.became_resident_on),
                        omitted=(False, hide_hh, False)))
        rows.append(row(("住所を定めた日", p.address_established_on), ("届出日", p.address_established_notified_on),
                        ("住民票コード", p.resident_code), omitted=(False, False, not options.resident_code)))
    if p.pre_move_in_address or not p.previous_address:
        rows.append(row(("転入前住所", p.pre_move_in_address, 5)))
    else:
        rows.append(row(("前住所", p.previous_address, 5)))
    if p.foreign is not None:
        f = p.foreign
        hide = not options.foreign_items
        stay = f"{f.stay_period}（満了日 {f.stay_expires_on}）" if f.stay_expires_on else f.stay_period
        rows.append(row(("国籍・地域", f.nationality), ("在留資格", f.residence_status), ("在留期間等", stay),
                        omitted=(hide, hide, hide)))
        card = f"{f.card_no}（{f.card_kind}）" if f.card_kind else f.card_no
        rows.append(row(("30条の45区分", f.category), ("在留カード等番号", card, 3), omitted=(hide, hide)))
        if f.alphabet_name or p.alias:
            rows.append(row(("ローマ字氏名", f.alphabet_name, 3), ("通称", p.alias)))
    else:
        hide = not options.domicile
        rows.append(row(("本籍", p.domicile, 3), ("筆頭者", p.domicile_head), omitted=(hide, hide)))
    if p.former_surname:
        rows.append(row(("旧氏", p.former_surname, 5)))
    return rows


def _number_row(p: PersonEntry, options: Options, my_numbers: Mapping[int, str] | None, *, compact: bool) -> Row:
    number = my_number_text((my_numbers or {}).get(p.person_id)) if options.my_number else ""
    if compact:  # 世帯連記式: the 住民票コード is in the dates row
        return row(("記載事由", p.latest_change, 3), ("個人番号", number), omitted=(False, not options.my_number))
    return row(("住民票コード", p.resident_code), ("個人番号", number, 3),
               omitted=(not options.resident_code, not options.my_number))


def _removal_rows(p: PersonEntry) -> list[Row]:
    if p.removal is None:
        return []
    r = p.removal
    rows = [row(("消除事由", r.reason), ("消除日", r.removed_on), ("届出日", r.notified_on))]
    if r.destination:
        rows.append(row(("転出先", r.destination, 5)))
    return rows


def _hist_row(h: HistoryLine) -> Row:
    n = max(lines(h.summary, _HIST_SUMMARY_MM, 7.5), lines(h.reason, 25.0, 7.5))
    html = (f"<tr><td>{e(h.valid_from)}</td><td>{e(h.notified_on)}</td><td>{e(h.reason)}</td>"
            f"<td>{e(h.summary)}</td></tr>")
    return Row(html, n * 7.5 * 0.3528 * 1.35 + 1.0)


def person_blocks(p: PersonEntry, options: Options, my_numbers: Mapping[int, str] | None, *,
                  number: int | None) -> list[Block | Flow]:
    """One person: the item table, then (on request) the history, which continues on the
    following pages when it is long."""
    rows = _identity_rows(p, options, number) + _removal_rows(p) + [_number_row(p, options, my_numbers, compact=number is not None)]
    table = table_block(rows, cols=_COLS)
    if not options.history or not p.history:
        return [table]

    def wrap(rows_html: str, continued: bool) -> str:
        title = "異動履歴（前頁から続く）" if continued else "異動履歴"
        return (f'<p class="cont">{e(p.name)}　{title}</p><table class="hist block">{_HIST_COLS}<thead><tr>'
                f"<th>異動日</th><th>届出日</th><th>異動事由</th><th>記載内容</th></tr></thead>"
                f"<tbody>{rows_html}</tbody></table>")

    return [table, Flow(tuple(_hist_row(h) for h in p.history), wrap, _HIST_ROW_MM + 1.0 + 2.5 + 6.0)]


def household_pages(members: Sequence[PersonEntry], options: Options, stamp: Stamp, issuer: Issuer, *,
                    whole_household: bool, my_numbers: Mapping[int, str] | None = None) -> list[str]:
    """住民票の写し（世帯連記式）: the members in listing order, several to a page."""
    first = members[0]
    hide_hh = not options.householder_and_relationship
    head_rows = [row(("住所", first.address, 3), grid="four"),
                 row(("世帯主", first.householder), ("対象者", f"{len(members)}名"), omitted=(hide_hh, False),
                     grid="four")]
    head = table_block(head_rows, cols='<colgroup><col class="l"/><col/><col class="l"/><col/></colgroup>',
                       css_class="hh", margin_mm=3.0)
    capacity = PAGE_MM - head.mm
    blocks: list[Block | Flow] = []
    for i, p in enumerate(members, start=1):
        blocks += person_blocks(p, options, my_numbers, number=i)
    pages = paginate(blocks, capacity=capacity)
    kind = "世帯全員" if whole_household else "世帯一部"
    return assemble(title="住民票の写し", kind=f"世帯連記式（{kind}）", pages_blocks=pages, stamp=stamp,
                    issuer=issuer, statement=STATEMENT, header=head.html)


def personal_pages(persons: Sequence[PersonEntry], options: Options, stamp: Stamp, issuer: Issuer, *,
                   my_numbers: Mapping[int, str] | None = None, removed: bool = False) -> list[str]:
    """住民票の写し（個人票）or 除票の写し: each person starts a new page."""
    pages: list[list[Block]] = []
    for p in persons:
        pages += paginate(person_blocks(p, options, my_numbers, number=None), cert_mm=0.0)
    if pages and sum(b.mm for b in pages[-1]) + CERT_MM > PAGE_MM:
        pages.append([])
    title = "除票の写し" if removed else "住民票の写し"
    return assemble(title=title, kind="個人票", pages_blocks=pages, stamp=stamp, issuer=issuer,
                    statement=REMOVED_STATEMENT if removed else STATEMENT)


def removed_pages(persons: Sequence[PersonEntry], options: Options, stamp: Stamp, issuer: Issuer, *,
                  my_numbers: Mapping[int, str] | None = None) -> list[str]:
    return personal_pages(persons, options, stamp, issuer, my_numbers=my_numbers, removed=True)
