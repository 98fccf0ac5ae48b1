"""Published statistics tables (公表用の集計表), small-cell suppression, CSV and XLSX.

Every table the screens, the PDF report and the exports show is built here, so all of them
carry the same numbers and the same suppression.

Small-cell suppression (秘匿): a count from 1 to ``JUKI_STATS_MIN_CELL − 1`` (default 3, so 1
and 2) is published as 「X」, on screen and in every export; zero stays 0. Koriyama digest §3.17:
"特定の個人を判別しうるような統計は行わない". Totals are counts like any other and are
suppressed by the same rule; no secondary (complementary) suppression is done — see
docs/statistics.md for what that leaves open.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from juki.register.models import ResidentKind, Sex

from .movements import ROWS, Movements, foreign_by_nationality
from .population import BANDS, Population, band_label

SUPPRESSED = "X"


def _jdate(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def min_cell() -> int:
    return int(getattr(settings, "JUKI_STATS_MIN_CELL", 3))


def suppress(value: Any, minimum: int | None = None) -> Any:
    """「X」 for a count from 1 to minimum − 1; anything else unchanged."""
    limit = min_cell() if minimum is None else minimum
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit:
        return SUPPRESSED
    return value


@dataclass
class Table:
    """One aggregate table: ``label_columns`` leading text columns, then count columns."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    label_columns: int = 1
    notes: list[str] = field(default_factory=list)

    def published(self) -> list[list[Any]]:
        """The rows with every count cell suppressed below the minimum."""
        return [r[: self.label_columns] + [suppress(v) for v in r[self.label_columns:]] for r in self.rows]


def population_by_block(pop: Population) -> Table:
    rows = [[b.code, b.name, b.male, b.female, b.total, b.japanese, b.foreign, b.households,
             b.households_japanese, b.households_foreign, b.households_mixed] for b in pop.blocks]
    rows.append(["", "合計", pop.count(sex=Sex.MALE), pop.count(sex=Sex.FEMALE), pop.total,
                 pop.count(kind=ResidentKind.JAPANESE), pop.count(kind=ResidentKind.FOREIGN), pop.households,
                 pop.households_japanese, pop.households_foreign, pop.households_mixed])
    return Table("population_blocks", f"町丁字別人口・世帯数（{_jdate(pop.on)}現在）",
                 ["町丁字コード", "町丁字", "男", "女", "計", "日本人", "外国人", "世帯数", "日本人のみの世帯",
                  "外国人のみの世帯", "複数国籍世帯"], rows, label_columns=2)


def population_by_age(pop: Population, *, block: int | None = None, block_name: str = "") -> Table:
    rows: list[list[Any]] = []
    for band in BANDS:
        male = pop.count(block=block, band=band, sex=Sex.MALE)
        female = pop.count(block=block, band=band, sex=Sex.FEMALE)
        rows.append([band_label(band), male, female, male + female,
                     pop.count(block=block, band=band, kind=ResidentKind.JAPANESE),
                     pop.count(block=block, band=band, kind=ResidentKind.FOREIGN)])
    rows.append(["合計", pop.count(block=block, sex=Sex.MALE), pop.count(block=block, sex=Sex.FEMALE),
                 pop.count(block=block), pop.count(block=block, kind=ResidentKind.JAPANESE),
                 pop.count(block=block, kind=ResidentKind.FOREIGN)])
    where = block_name or "全域"
    return Table("population_ages", f"年齢（5歳階級）別人口 {where}（{_jdate(pop.on)}現在）",
                 ["年齢", "男", "女", "計", "日本人", "外国人"], rows)


def population_detail(pop: Population) -> Table:
    """町丁字 × 年齢5歳階級 × 男女 (long form, only non-empty blocks)."""
    rows: list[list[Any]] = []
    for b in pop.blocks:
        for band in BANDS:
            male = pop.count(block=b.block_id, band=band, sex=Sex.MALE)
            female = pop.count(block=b.block_id, band=band, sex=Sex.FEMALE)
            rows.append([b.code, b.name, band_label(band), male, female, male + female])
    return Table("population_detail", f"町丁字別・年齢別・男女別人口（{_jdate(pop.on)}現在）",
                 ["町丁字コード", "町丁字", "年齢", "男", "女", "計"], rows, label_columns=3)


def movements_table(mv: Movements) -> Table:
    rows: list[list[Any]] = []
    for key, label, _reasons, _status in ROWS:
        rows.append([label, mv.count(key, sex=Sex.MALE), mv.count(key, sex=Sex.FEMALE), mv.count(key),
                     mv.count(key, kind=ResidentKind.JAPANESE), mv.count(key, kind=ResidentKind.FOREIGN)])
    t = Table("movements", f"人口動態（{mv.year}年{mv.month}月中）", ["区分", "男", "女", "計", "日本人", "外国人"], rows)
    t.notes = [f"自然増減 {mv.natural_change}、社会増減 {mv.social_change}（転居は増減に含まない）"]
    return t


def _place_table(name: str, title: str, places: dict[tuple[str, str], dict[int, int]]) -> Table:
    rows: list[list[Any]] = []
    for (pref, muni), by_sex in sorted(places.items()):
        male, female = by_sex.get(Sex.MALE, 0), by_sex.get(Sex.FEMALE, 0)
        rows.append([pref, muni, male, female, male + female])
    return Table(name, title, ["都道府県", "市区町村", "男", "女", "計"], rows, label_columns=2)


def origins_table(mv: Movements) -> Table:
    return _place_table("origins", f"転入者の従前の住所地別（{mv.year}年{mv.month}月中）", mv.origins)


def destinations_table(mv: Movements) -> Table:
    return _place_table("destinations", f"転出者の転出先別（{mv.year}年{mv.month}月中）", mv.destinations)


def foreign_table(on: dt.date) -> Table:
    rows = [[nat, status, n] for nat, by_status in foreign_by_nationality(on).items()
            for status, n in sorted(by_status.items())]
    return Table("foreign", f"国籍・地域別、在留資格別外国人住民数（{_jdate(on)}現在）",
                 ["国籍・地域", "在留資格等", "人数"], rows, label_columns=2)


# --- files ------------------------------------------------------------------------------------------

def _caption(table: Table) -> list[str]:
    return [table.title, f"「{SUPPRESSED}」は{min_cell()}人未満のため秘匿"]


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
