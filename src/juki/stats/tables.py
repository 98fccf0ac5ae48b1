"""Published statistics tables (公表用の集計表), small-cell suppression, CSV and XLSX.

Every table the screens, the PDF report, the charts and the exports show is built here, so all
of them carry the same numbers and the same suppression.

Suppression (秘匿) — Koriyama digest §3.17: "特定の個人を判別しうるような統計は行わない". A count
from 1 to ``JUKI_STATS_MIN_CELL − 1`` (default 3, so 1 and 2) is published as 「X」 (primary);
zero stays 0. Because the tables also publish totals and differences (計 = 男 + 女, 合計 = Σ 町丁字,
社会増減 = 転入 + その他の増 − 転出 − その他の減, Σ 従前の住所地 = 転入 …), further cells are hidden
(complementary suppression) until no hidden cell can be recomputed from the published ones. The
one shared function is :func:`juki.stats.suppression.protect`; here each *family* of linked
tables declares its cells and relations once (:func:`population_pattern`,
:func:`movements_pattern`, :func:`foreign_pattern`) and every table of the family shows its
cells through that pattern. docs/statistics.md describes the method and its sources.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from juki.core import clock
from juki.register.models import ResidentKind, Sex

from .movements import ROWS, Movements, foreign_by_nationality, month_range, months_back, movements
from .population import BANDS, KINDS, SEXES, Population, band_label
from .suppression import SUPPRESSED, Key, Pattern, linear, protect, sum_of

__all__ = ["SUPPRESSED", "Table", "min_cell", "suppress"]


def _jdate(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def min_cell() -> int:
    return int(getattr(settings, "JUKI_STATS_MIN_CELL", 3))


def suppress(value: Any, minimum: int | None = None) -> Any:
    """「X」 for a count from 1 to minimum − 1; anything else unchanged (the primary rule alone)."""
    limit = min_cell() if minimum is None else minimum
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit:
        return SUPPRESSED
    return value


@dataclass
class Table:
    """One aggregate table: ``label_columns`` leading text columns, then count columns.

    ``keys`` gives, parallel to the count columns of ``rows``, each cell's key in ``pattern``
    (the suppression of the family of tables it belongs to).
    """

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    label_columns: int = 1
    notes: list[str] = field(default_factory=list)
    keys: list[list[Key]] = field(default_factory=list)
    pattern: Pattern | None = None

    def published(self) -> list[list[Any]]:
        """The rows as published: every hidden cell (primary or complementary) as 「X」."""
        out = []
        for i, row in enumerate(self.rows):
            counts = row[self.label_columns:]
            if self.pattern is None:
                shown = [suppress(v) for v in counts]
            else:
                shown = [self.pattern.show(k) for k in self.keys[i]]
            out.append(row[: self.label_columns] + shown)
        return out


#: A line of a table: its labels and the keys of its counts.
Line = tuple[list[Any], list[Key]]


def _table(name: str, title: str, headers: list[str], pattern: Pattern, lines: list[Line],
           label_columns: int = 1) -> Table:
    """A table of a family: each line is (labels, keys); the counts are the pattern's values."""
    rows = [labels + [pattern.values[k] for k in keys] for labels, keys in lines]
    return Table(name, title, headers, rows, label_columns=label_columns, keys=[keys for _, keys in lines],
                 pattern=pattern)


# --- families of linked tables and their relations ---------------------------------------------

#: The columns 男, 女, 計, 日本人, 外国人 of a population or movement row, as (sex, kind).
_SPLITS: tuple[tuple[int | None, str | None], ...] = (
    (Sex.MALE, None), (Sex.FEMALE, None), (None, None), (None, ResidentKind.JAPANESE), (None, ResidentKind.FOREIGN),
)
_HOUSEHOLDS = ("all", "japanese", "foreign", "mixed")


def _split_relations(head: tuple[Any, ...]) -> list[Any]:
    """計 = 男 + 女 and 計 = 日本人 + 外国人 for the cells ``head + (sex, kind)``."""
    return [sum_of((*head, None, None), [(*head, s, None) for s in SEXES]),
            sum_of((*head, None, None), [(*head, None, k) for k in KINDS])]


def population_pattern(pop: Population) -> Pattern:
    """The suppression of every table published from the population of one day.

    Cells ("p", block, band, sex, kind) — ``None`` for a dimension summed over — for every town
    block with residents and the city (None), every band and all ages (None), and the columns
    男・女・計・日本人・外国人: the cells of 町丁字別人口, 年齢別人口 (city and each block) and the
    町丁字・年齢・男女 cube. Households ("h", block, kind). Relations: 計 = 男 + 女 = 日本人 + 外国人,
    a block's all-ages cell = Σ bands, the city's cell = Σ blocks; 世帯数 = the three kinds, the
    city's = Σ blocks. The city's totals are fixed (published, never a complement).
    """
    cached = getattr(pop, "_suppression", None)
    if cached is not None and cached.minimum == min_cell():
        return cached.pattern
    blocks: list[int | None] = [b.block_id for b in pop.blocks] + [None]
    bands: list[str | None] = [*BANDS, None]
    values: dict[Key, int] = {}
    for blk in blocks:
        for band in bands:
            for sex, kind in _SPLITS:
                values[("p", blk, band, sex, kind)] = pop.count(block=blk, band=band, sex=sex, kind=kind)
    relations = []
    for blk in blocks:
        for band in bands:
            relations += _split_relations(("p", blk, band))
        for sex, kind in _SPLITS:
            relations.append(sum_of(("p", blk, None, sex, kind), [("p", blk, band, sex, kind) for band in BANDS]))
    for band in bands:
        for sex, kind in _SPLITS:
            relations.append(sum_of(("p", None, band, sex, kind), [("p", blk, band, sex, kind) for blk in blocks[:-1]]))
    for b in pop.blocks:
        values.update({("h", b.block_id, "all"): b.households, ("h", b.block_id, "japanese"): b.households_japanese,
                       ("h", b.block_id, "foreign"): b.households_foreign, ("h", b.block_id, "mixed"): b.households_mixed})
    values.update({("h", None, "all"): pop.households, ("h", None, "japanese"): pop.households_japanese,
                   ("h", None, "foreign"): pop.households_foreign, ("h", None, "mixed"): pop.households_mixed})
    for blk in blocks:
        relations.append(sum_of(("h", blk, "all"), [("h", blk, k) for k in _HOUSEHOLDS[1:]]))
    for k in _HOUSEHOLDS:
        relations.append(sum_of(("h", None, k), [("h", b.block_id, k) for b in pop.blocks]))
    fixed = [("p", None, None, s, k) for s, k in _SPLITS] + [("h", None, k) for k in _HOUSEHOLDS]
    pattern = protect(values, relations, minimum=min_cell(), fixed=fixed)
    pop._suppression = _Cached(min_cell(), pattern)  # type: ignore[attr-defined]  # per-instance cache on a dataclass
    return pattern


@dataclass(frozen=True)
class _Cached:
    minimum: int
    pattern: Pattern


NATURAL = ("d", "natural")
SOCIAL = ("d", "social")


def movements_pattern(mv: Movements) -> Pattern:
    """The suppression of the tables of one month's movements: 人口動態 (rows × 男・女・計・日本人・
    外国人, with 自然増減 and 社会増減), 従前の住所地別 and 転出先別 (place × 男・女・計).

    Relations: 計 = 男 + 女 = 日本人 + 外国人 per row; 自然増減 = 出生 − 死亡; 社会増減 = 転入 +
    その他の増 − 転出 − その他の減; Σ places = 転入 (resp. 転出) for 男, 女 and 計 — the origin and
    destination tables count exactly the movers of those rows.
    """
    cached = getattr(mv, "_suppression", None)
    if cached is not None and cached.minimum == min_cell():
        return cached.pattern
    values: dict[Key, int] = {}
    relations = []
    for key, _label, _reasons, _status in ROWS:
        for sex, kind in _SPLITS:
            values[("m", key, sex, kind)] = mv.count(key, sex=sex, kind=kind)
        relations += _split_relations(("m", key))
    values[NATURAL], values[SOCIAL] = mv.natural_change, mv.social_change
    relations.append(linear({NATURAL: 1, ("m", "birth", None, None): -1, ("m", "death", None, None): 1}))
    relations.append(linear({SOCIAL: 1, ("m", "move_in", None, None): -1, ("m", "other_in", None, None): -1,
                             ("m", "move_out", None, None): 1, ("m", "other_out", None, None): 1}))
    for tag, row, places in (("o", "move_in", mv.origins), ("t", "move_out", mv.destinations)):
        for place, by_sex in places.items():
            male, female = by_sex.get(Sex.MALE, 0), by_sex.get(Sex.FEMALE, 0)
            values.update({(tag, place, Sex.MALE): male, (tag, place, Sex.FEMALE): female,
                           (tag, place, None): male + female})
            relations.append(sum_of((tag, place, None), [(tag, place, s) for s in SEXES]))
        for sex in (*SEXES, None):
            relations.append(sum_of(("m", row, sex, None), [(tag, place, sex) for place in places]))
    counts = [k for k in values if k not in (NATURAL, SOCIAL)]
    pattern = protect(values, relations, minimum=min_cell(), counts=counts)
    mv._suppression = _Cached(min_cell(), pattern)  # type: ignore[attr-defined]  # per-instance cache on a dataclass
    return pattern


FOREIGN_TOTAL = ("f", None, None)


def foreign_on(year: int, month: int) -> dt.date:
    """The as-of date of the month's foreign residents: the month's last day, or today while the
    month is not over (a count is never labelled with a day still to come)."""
    return min(month_range(year, month)[1], clock.today())


def foreign_pattern(counts: dict[str, dict[str, int]]) -> Pattern:
    """国籍・地域 × 在留資格等 with the total (合計 = Σ cells). The total equals the city's 外国人 on
    the population page of the same day, so it is fixed there and here alike."""
    values: dict[Key, int] = {("f", nat, status): n for nat, by_status in counts.items() for status, n in by_status.items()}
    cells = list(values)
    values[FOREIGN_TOTAL] = sum(values.values())
    return protect(values, [sum_of(FOREIGN_TOTAL, cells)], minimum=min_cell(), fixed=[FOREIGN_TOTAL])


def population_by_block(pop: Population) -> Table:
    pattern = population_pattern(pop)
    cols = _HOUSEHOLDS
    lines: list[Line] = [([b.code, b.name], [("p", b.block_id, None, s, k) for s, k in _SPLITS] + [("h", b.block_id, c) for c in cols])
             for b in pop.blocks]
    lines.append((["", "合計"], [("p", None, None, s, k) for s, k in _SPLITS] + [("h", None, c) for c in cols]))
    return _table("population_blocks", f"町丁字別人口・世帯数（{_jdate(pop.on)}現在）",
                  ["町丁字コード", "町丁字", "男", "女", "計", "日本人", "外国人", "世帯数", "日本人のみの世帯",
                   "外国人のみの世帯", "複数国籍世帯"], pattern, lines, label_columns=2)


def population_by_age(pop: Population, *, block: int | None = None, block_name: str = "") -> Table:
    pattern = population_pattern(pop)
    if block is not None and ("p", block, None, None, None) not in pattern.values:
        pattern = Pattern(values={("p", block, band, s, k): 0 for band in [*BANDS, None] for s, k in _SPLITS})
    lines: list[Line] = [([band_label(band)], [("p", block, band, s, k) for s, k in _SPLITS]) for band in BANDS]
    lines.append((["合計"], [("p", block, None, s, k) for s, k in _SPLITS]))
    where = block_name or "全域"
    return _table("population_ages", f"年齢（5歳階級）別人口 {where}（{_jdate(pop.on)}現在）",
                  ["年齢", "男", "女", "計", "日本人", "外国人"], pattern, lines)


def population_detail(pop: Population) -> Table:
    """町丁字 × 年齢5歳階級 × 男女 (long form, only non-empty blocks)."""
    pattern = population_pattern(pop)
    lines: list[Line] = [([b.code, b.name, band_label(band)], [("p", b.block_id, band, s, None) for s in (*SEXES, None)])
             for b in pop.blocks for band in BANDS]
    return _table("population_detail", f"町丁字別・年齢別・男女別人口（{_jdate(pop.on)}現在）",
                  ["町丁字コード", "町丁字", "年齢", "男", "女", "計"], pattern, lines, label_columns=3)


def movements_table(mv: Movements) -> Table:
    pattern = movements_pattern(mv)
    lines: list[Line] = [([label], [("m", key, s, k) for s, k in _SPLITS]) for key, label, _reasons, _status in ROWS]
    t = _table("movements", f"人口動態（{mv.year}年{mv.month}月中）", ["区分", "男", "女", "計", "日本人", "外国人"],
               pattern, lines)
    t.notes = [f"自然増減 {pattern.show(NATURAL)}、社会増減 {pattern.show(SOCIAL)}（転居は増減に含まない）"]
    return t


def _place_table(name: str, title: str, tag: str, pattern: Pattern, places: dict[tuple[str, str], dict[int, int]]) -> Table:
    lines: list[Line] = [(list(place), [(tag, place, s) for s in (*SEXES, None)]) for place in sorted(places)]
    return _table(name, title, ["都道府県", "市区町村", "男", "女", "計"], pattern, lines, label_columns=2)


def origins_table(mv: Movements) -> Table:
    return _place_table("origins", f"転入者の従前の住所地別（{mv.year}年{mv.month}月中）", "o", movements_pattern(mv),
                        mv.origins)


def destinations_table(mv: Movements) -> Table:
    return _place_table("destinations", f"転出者の転出先別（{mv.year}年{mv.month}月中）", "t", movements_pattern(mv),
                        mv.destinations)


def foreign_table(on: dt.date) -> Table:
    """国籍・地域別、在留資格別外国人住民数 on ``on`` (label and count on the same day)."""
    counts = foreign_by_nationality(on)
    pattern = foreign_pattern(counts)
    lines: list[Line] = [([nat, status], [("f", nat, status)]) for nat, by_status in counts.items() for status in sorted(by_status)]
    lines.append((["合計", ""], [FOREIGN_TOTAL]))
    return _table("foreign", f"国籍・地域別、在留資格別外国人住民数（{_jdate(on)}現在）", ["国籍・地域", "在留資格等", "人数"],
                  pattern, lines, label_columns=2)


def monthly_published(year: int, month: int, keys: tuple[str, ...], n: int = 12) -> list[tuple[str, dict[str, Any]]]:
    """Per month (「YYYY年M月」) the published 計 of each row key, over the ``n`` months to (year, month):
    each month shown as its own table shows it (its own complementary suppression)."""
    out = []
    for y, m in months_back(year, month, n):
        pattern = movements_pattern(movements(y, m))
        out.append((f"{y}年{m}月", {k: pattern.show(("m", k, None, None)) for k in keys}))
    return out


# --- files ------------------------------------------------------------------------------------------

def suppression_note() -> str:
    """What 「X」 means, for every output (tables, report, screen)."""
    return (f"「{SUPPRESSED}」は秘匿（{min_cell()}人未満の数と、それを合計・差から算出できないよう"
            f"併せて秘匿した数）")


def _caption(table: Table) -> list[str]:
    return [table.title, suppression_note()]


def to_csv(table: Table) -> bytes:
    """UTF-8 with BOM (opens in spreadsheet software), CRLF; title and suppression note first."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in _caption(table):
        w.writerow([line])
    w.writerow(table.headers)
    w.writerows(table.published())
    for note in table.notes:
        w.writerow([note])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    for line in _caption(table):
        ws.append([line])
    ws["A1"].font = Font(bold=True)
    ws.append(table.headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in table.published():
        ws.append(row)
    for note in table.notes:
        ws.append([note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
