"""Published tables: small-cell suppression (Koriyama digest §3.17: 特定の個人を判別しうるような統計は
行わない), CSV and XLSX that open with the csv module and openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from juki.stats import tables
from juki.stats.population import population

from .city import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def hist(clerk, approver):
    return build(clerk, approver)


def test_counts_below_the_minimum_are_published_as_x_and_zero_and_larger_counts_are_kept(settings):
    settings.JUKI_STATS_MIN_CELL = 3
    assert [tables.suppress(n) for n in (0, 1, 2, 3, 10)] == [0, "X", "X", 3, 10]
    settings.JUKI_STATS_MIN_CELL = 5
    assert tables.suppress(4) == "X"


def test_the_published_table_suppresses_counts_but_not_labels(hist, settings):
    settings.JUKI_STATS_MIN_CELL = 3
    t = tables.population_by_block(population(dt.date(2025, 1, 1)))
    raw, pub = t.rows, t.published()
    assert raw[0][:5] == [hist.city.blocks[0].code, "山王一丁目", 1, 3, 4]
    # 男 1 is hidden, and so are 女 3 and 計 4 beside it: with them published, 男 = 4 − 3
    # (complementary suppression; tests/stats/test_suppression.py).
    assert pub[0][:5] == [hist.city.blocks[0].code, "山王一丁目", "X", "X", "X"]
    assert pub[-1][1:5] == ["合計", 4, 6, 10]


def test_the_csv_opens_with_the_title_note_header_and_suppressed_rows(hist):
    t = tables.population_by_age(population(dt.date(2025, 1, 1)))
    body = tables.to_csv(t)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [t.title] and "秘匿" in rows[1][0]
    assert rows[2] == ["年齢", "男", "女", "計", "日本人", "外国人"]
    # The one child: the zeros beside it (男 0, 外国人 0) would tell her sex and nationality.
    assert rows[3] == ["0〜4歳", "X", "X", "X", "X", "X"]
    # 外国人 1 is hidden, and 日本人 9 too: else 外国人 = 10 − 9.
    assert rows[-1] == ["合計", "4", "6", "10", "X", "X"]


def test_the_xlsx_opens_with_openpyxl_and_holds_the_same_published_cells(hist):
    t = tables.population_by_age(population(dt.date(2025, 1, 1)))
    ws = load_workbook(io.BytesIO(tables.to_xlsx(t))).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == t.title
    assert values[2] == ["年齢", "男", "女", "計", "日本人", "外国人"]
    assert values[3] == ["0〜4歳", "X", "X", "X", "X", "X"]
    assert values[-1] == ["合計", 4, 6, 10, "X", "X"]
