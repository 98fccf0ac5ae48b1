"""Monthly movements (docs/statistics.md): 転入・転出・出生・死亡・転居 by month, by origin and
destination (住民基本台帳人口移動報告: 従前の住所地・転出先), foreign residents by nationality ×
status of residence."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.register.models import Sex
from juki.stats.movements import foreign_by_nationality, monthly_series, movements, split_address

from .city import build

pytestmark = pytest.mark.django_db
M, F = Sex.MALE, Sex.FEMALE


@pytest.fixture
def hist(clerk, approver):
    return build(clerk, approver)


def test_each_movement_is_counted_in_the_month_of_its_effective_date(hist):
    assert movements(2024, 6).count("birth") == 1 and movements(2024, 6).count("birth", sex=F) == 1
    assert movements(2024, 9).count("death", sex=M) == 1
    assert movements(2024, 10).count("move_within", kind="foreign") == 1
    nov = movements(2024, 11)
    assert (nov.count("move_in"), nov.count("move_in", sex=M), nov.count("move_in", sex=F)) == (2, 1, 1)
    assert movements(2024, 12).count("move_out", sex=M) == 1
    # Nothing else in those months; nothing at all in a quiet month.
    assert sum(movements(2024, 11).counts.values()) == 2
    assert movements(2024, 7).counts == {}


def test_natural_and_social_change_follow_from_the_rows(hist):
    assert movements(2024, 6).natural_change == 1
    assert movements(2024, 11).social_change == 2
    assert movements(2024, 12).social_change == -1
    assert movements(2024, 10).social_change == 0  # 転居 is not an increase or decrease


def test_move_ins_are_tabulated_by_the_prefecture_and_municipality_they_came_from(hist):
    assert movements(2024, 11).origins == {("東京都", "新宿区"): {M: 1, F: 1}}


def test_move_outs_are_tabulated_by_destination(hist):
    assert movements(2024, 12).destinations == {("大阪府", "大阪市"): {M: 1}}


def test_a_cancelled_move_out_is_not_counted(hist, clerk, approver):
    """A 転出取消 (住基法24条) writes a resident version with the same 異動日: the move-out is undone."""
    from tests.register.changes.moves_helpers import apply

    from juki.register.models import ResidentRecord

    pids = list(ResidentRecord.objects.filter(is_current=True, family_name="転入").values_list("person_id", flat=True))
    apply(clerk, approver, "move_out", {"persons": pids, "destination_address": "北海道札幌市中央区北1条西2丁目"},
          effective_on=dt.date(2025, 2, 1), notified_on=dt.date(2025, 1, 25))
    assert movements(2025, 2).count("move_out") == 2
    apply(clerk, approver, "move_out_cancel", {"persons": pids}, effective_on=dt.date(2025, 2, 1),
          notified_on=dt.date(2025, 1, 28))
    assert movements(2025, 2).count("move_out") == 0
    assert movements(2025, 2).destinations == {}


def test_the_monthly_series_gives_twelve_months_ending_with_the_month(hist):
    series = monthly_series(2024, 12, 12)
    assert [m for m, _ in series][0] == "2024年1月" and [m for m, _ in series][-1] == "2024年12月"
    totals = dict(series)
    assert totals["2024年6月"] == {"birth": 1}
    assert totals["2024年11月"] == {"move_in": 2}


def test_foreign_residents_are_counted_by_nationality_and_status_of_residence(hist):
    assert foreign_by_nationality(dt.date(2024, 12, 31)) == {"ベトナム": {"技術・人文知識・国際業務": 1}}
    assert foreign_by_nationality(dt.date(2015, 3, 1)) == {}


@pytest.mark.parametrize(("address", "expected"), [
    ("東京都新宿区西新宿二丁目8番1号", ("東京都", "新宿区")),
    ("神奈川県横浜市中区港町1丁目1番地", ("神奈川県", "横浜市")),
    ("三重県四日市市諏訪町1番5号", ("三重県", "四日市市")),
    ("東京都町田市森野2丁目2番22号", ("東京都", "町田市")),
    ("秋田県南秋田郡五城目町西磯ノ目1丁目1番1号", ("秋田県", "南秋田郡五城目町")),
    ("北海道余市郡余市町朝日町4番地", ("北海道", "余市郡余市町")),
    ("Springfield, USA", ("不詳", "不詳")),
    ("", ("不詳", "不詳")),
])
def test_the_origin_is_read_from_the_address_text(address, expected):
    assert split_address(address) == expected
