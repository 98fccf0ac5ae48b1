"""Monthly movement statistics (人口動態・住民基本台帳人口移動報告の様式による集計).

A movement is a version of a record whose 異動事由 is a movement and whose 異動日 (``valid_from``)
falls in the month. One version per person, so a 転入 of a household of three counts three.

What counts (see docs/statistics.md):

- 転入 — ``move_in`` (from another municipality, 住基法22条), ``move_in_abroad`` (国外から),
  ``foreign_entry`` (外国人住民の記載, 住基法30条の46・47, counted with 国外);
- 転出 — ``move_out`` (住基法24条) and ``move_abroad`` (国外へ), removed versions only;
- 出生, 死亡 — ``birth`` and ``death`` (removed versions only);
- 転居 — ``move_within`` (住基法23条);
- その他 — 職権記載 (増) and 職権消除 (減).

A movement undone later (a 転出取消 or a 回復) is written as a later version of the same person
*with the same 異動日 and the other status*; such a movement is not counted. Corrections that
keep the status (職権修正 of a birth, say) do not undo it.

Origin and destination (住基法人口移動報告: 従前の住所地・転出先): the prefecture is read from
the beginning of the 転入前住所 (``pre_move_in_address``) or of the 転出先 (the 転出確定住所 when
the 転入通知 arrived, else the 転出予定先住所); the municipality by :func:`split_address`. The LG
code of the previous municipality is kept only in the change, not in the record, so the
address text is the source here. Unreadable addresses are 「不詳」.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, When

from juki.register.history import movement_versions
from juki.register.models import ChangeReason, RecordStatus, ResidentKind, ResidentRecord
from juki.register.models.choices import ForeignResidentCategory, ResidenceStatus

from .population import aggregate_transaction, residents_on

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
ABROAD = "国外"
UNKNOWN = "不詳"

#: Municipality names that contain 市・区・町・村 before their own suffix (so the first such
#: character is not the end of the name).
_IRREGULAR = (
    "四日市市", "廿日市市", "野々市市", "町田市", "市川市", "市原市", "大町市", "十日町市", "村山市",
    "東村山市", "武蔵村山市", "村上市", "大村市", "羽村市", "田村市", "中村市", "北村山郡", "西村山郡",
    "東村山郡", "余市郡", "市貝町", "木更津市",
)
_GUN = re.compile(r"^(.+?郡)(.+?[町村])")
_PLAIN = re.compile(r"^(.+?[市区町村])")

IN_REASONS = {ChangeReason.MOVE_IN: "domestic", ChangeReason.MOVE_IN_FROM_ABROAD: "abroad",
              ChangeReason.FOREIGN_RESIDENT_ENTRY: "abroad"}
OUT_REASONS = {ChangeReason.MOVE_OUT: "domestic", ChangeReason.MOVE_ABROAD: "abroad"}

#: Rows of the monthly table: key, label, reasons, status of the counted version.
ROWS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("move_in", "転入", tuple(IN_REASONS), RecordStatus.RESIDENT),
    ("birth", "出生", (ChangeReason.BIRTH,), RecordStatus.RESIDENT),
    ("other_in", "その他の増（職権記載等）", (ChangeReason.EX_OFFICIO_ENTRY,), RecordStatus.RESIDENT),
    ("move_out", "転出", tuple(OUT_REASONS), RecordStatus.REMOVED),
    ("death", "死亡", (ChangeReason.DEATH,), RecordStatus.REMOVED),
    ("other_out", "その他の減（職権消除等）", (ChangeReason.EX_OFFICIO_REMOVAL,), RecordStatus.REMOVED),
    ("move_within", "転居", (ChangeReason.MOVE_WITHIN,), RecordStatus.RESIDENT),
)
ROW_LABELS = {key: label for key, label, _, _ in ROWS}


def split_address(address: str) -> tuple[str, str]:
    """(prefecture, municipality) read from the start of a Japanese address; 「不詳」 where unreadable.

    >>> split_address("東京都新宿区西新宿二丁目8番1号")
    ('東京都', '新宿区')
    >>> split_address("神奈川県横浜市中区港町1丁目1番地")
    ('神奈川県', '横浜市')
    """
    text = (address or "").strip().replace("\u3000", "").replace(" ", "")
    pref = next((p for p in PREFECTURES if text.startswith(p)), "")
    if not pref:
        return UNKNOWN, UNKNOWN
    rest = text[len(pref):]
    for name in _IRREGULAR:
        if rest.startswith(name):
            if name.endswith("郡"):
                m = re.match(r"^(.+?[町村])", rest[len(name):])
                return pref, name + m.group(1) if m else name
            return pref, name
    m = _GUN.match(rest)
    if m and "市" not in m.group(1):
        return pref, m.group(1) + m.group(2)
    m = _PLAIN.match(rest)
    return pref, (m.group(1) if m else UNKNOWN)


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def _row_filter() -> Q:
    q = Q()
    for _key, _label, reasons, status in ROWS:
        q |= Q(change_reason__in=reasons, status=status)
    return q


def _key_of(reason: str, status: str) -> str | None:
    for key, _label, reasons, st in ROWS:
        if reason in reasons and status == st:
            return key
    return None


@dataclass
class Movements:
    """One month's movements. ``counts[(row key, sex, kind)]``; origins/destinations by place."""

    year: int
    month: int
    counts: dict[tuple[str, int, str], int]
    origins: dict[tuple[str, str], dict[int, int]]
    destinations: dict[tuple[str, str], dict[int, int]]

    def count(self, key: str, *, sex: int | None = None, kind: str | None = None) -> int:
        return sum(n for (k, s, kd), n in self.counts.items()
                   if k == key and (sex is None or s == sex) and (kind is None or kd == kind))

    @property
    def natural_change(self) -> int:
        """自然増減 = 出生 − 死亡."""
        return self.count("birth") - self.count("death")

    @property
    def social_change(self) -> int:
        """社会増減 = 転入 + その他の増 − 転出 − その他の減."""
        return self.count("move_in") + self.count("other_in") - self.count("move_out") - self.count("other_out")


def _places(qs: QuerySet[ResidentRecord], address_expr: Any, abroad_reasons: set[str]) -> dict[tuple[str, str], dict[int, int]]:
    """Counts by (prefecture, municipality) × sex, grouping by the address text in SQL first."""
    out: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = qs.annotate(place=address_expr).values("place", "change_reason", "sex").annotate(n=Count("id")).order_by()
    for row in rows:
        if row["change_reason"] in abroad_reasons:
            key = (ABROAD, ABROAD)
        else:
            key = split_address(row["place"] or "")
        out[key][int(row["sex"])] += row["n"]
    return {k: dict(v) for k, v in out.items()}


def movements(year: int, month: int) -> Movements:
    """The movements of one month (see the module doc for what counts)."""
    with aggregate_transaction():
        return _movements(year, month)


def _movements(year: int, month: int) -> Movements:
    start, end = month_range(year, month)
    qs = movement_versions(start, end).filter(_row_filter())
    counts: dict[tuple[str, int, str], int] = defaultdict(int)
    for row in qs.values("change_reason", "status", "sex", "resident_kind").annotate(n=Count("id")).order_by():
        key = _key_of(row["change_reason"], row["status"])
        if key is not None:
            counts[(key, int(row["sex"]), row["resident_kind"])] += row["n"]
    ins = qs.filter(change_reason__in=list(IN_REASONS), status=RecordStatus.RESIDENT)
    outs = qs.filter(change_reason__in=list(OUT_REASONS), status=RecordStatus.REMOVED)
    destination = Case(When(~Q(confirmed_move_out_address=""), then=F("confirmed_move_out_address")),
                       default=F("planned_move_out_address"))
    origins = _places(ins, F("pre_move_in_address"), {ChangeReason.MOVE_IN_FROM_ABROAD, ChangeReason.FOREIGN_RESIDENT_ENTRY})
    destinations = _places(outs, destination, {ChangeReason.MOVE_ABROAD})
    return Movements(year, month, dict(counts), origins, destinations)


def months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    """The ``n`` months ending with (year, month), oldest first."""
    out = []
    y, m = year, month
    for _ in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def monthly_series(year: int, month: int, n: int = 12) -> list[tuple[str, dict[str, int]]]:
    """Per month (「YYYY年M月」) the totals of each row key, over the ``n`` months to (year, month).

    One query over the whole span, grouped by month in Python from the grouped rows.
    """
    span = months_back(year, month, n)
    start, _ = month_range(*span[0])
    _, end = month_range(*span[-1])
    qs = (movement_versions(start, end).filter(_row_filter())
          .values("valid_from", "change_reason", "status").annotate(n=Count("id")).order_by())
    with aggregate_transaction():
        rows = list(qs)
    acc: dict[tuple[int, int], dict[str, int]] = {ym: defaultdict(int) for ym in span}
    for row in rows:
        key = _key_of(row["change_reason"], row["status"])
        d = row["valid_from"]
        if key is not None and (d.year, d.month) in acc:
            acc[(d.year, d.month)][key] += row["n"]
    return [(f"{y}年{m}月", dict(acc[(y, m)])) for y, m in span]


# --- foreign residents by nationality × status of residence ---------------------------------------

def status_label(residence_status: str, category: str) -> str:
    """在留資格 label; a special permanent resident (no 在留資格) by the 30条の45 category."""
    if residence_status:
        try:
            return ResidenceStatus(residence_status).label
        except ValueError:
            return residence_status
    if category:
        try:
            return ForeignResidentCategory(category).label
        except ValueError:
            return category
    return UNKNOWN


def foreign_by_nationality(on: dt.date) -> dict[str, dict[str, int]]:
    """外国人住民 on ``on``: {nationality: {status label: count}} (one GROUP BY)."""
    qs = (residents_on(on).filter(resident_kind=ResidentKind.FOREIGN)
          .values("nationality", "residence_status", "foreign_category").annotate(n=Count("id")).order_by())
    with aggregate_transaction():
        rows = list(qs)
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        out[row["nationality"] or UNKNOWN][status_label(row["residence_status"], row["foreign_category"])] += row["n"]
    return {k: dict(v) for k, v in sorted(out.items())}


__all__ = ["Movements", "foreign_by_nationality", "monthly_series", "movements", "split_address"]
