"""A small city with a known history for the statistics tests (試験市の履歴).

Initial records come from tests/register/factories.py; every later event goes through the change
workflow (a clerk enters, an approver confirms), with fixed past dates so the counts as of any
date are known by hand:

    2015-04-01  A (山王一丁目): 男 1980-05-01, 女 1982-07-15
                B (山王二丁目): 女 1955-03-03 (世帯主), 男 1950-01-10 (夫), 女 1930 (月日不詳, 母),
                                男 (生年月日不詳, 同居人)
                G (山王二丁目): 男 1920-01-01
                C (旭北栄町): 外国人 女 1995-02-14 ベトナム 技術・人文知識・国際業務, 在留期間満了 今日+30日
                E (旭北栄町): 男 1990-08-20
    2024-06-01  出生 女 (A)                                   届出 2024-06-05
    2024-09-10  死亡 B の夫                                   届出 2024-09-11
    2024-10-01  転居 C → 山王一丁目                            届出 2024-10-03
    2024-11-05  転入 H (旭北栄町) 男 1985-06-01・女 1985-06-02, 東京都新宿区から  届出 2024-11-30 (期間経過)
    2024-12-20  転出 E → 大阪府大阪市北区                        届出 2024-12-10
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.register.changes.moves_helpers import apply, incoming, move_in_items
from tests.register.factories import City, add_household, small_city

from juki.core import clock
from juki.register.models import Change, ResidentRecord

D = dt.date


@dataclass
class History:
    city: City
    a_head: ResidentRecord
    b_husband: ResidentRecord
    c_foreign: ResidentRecord
    e_single: ResidentRecord
    birth: Change
    death: Change
    move_within: Change
    move_in: Change
    move_out: Change


def build(clerk: Any, approver: Any) -> History:
    city = small_city()
    a_head, a_wife = add_household(city, [
        {"birth_year": 1980, "birth_month": 5, "birth_day": 1},
        {"relationship": "wife", "sex": 2, "given_name": "花子", "birth_year": 1982, "birth_month": 7, "birth_day": 15},
    ], block=0, banchi="1番1号")
    _b_head, b_husband, _mother, _lodger = add_household(city, [
        {"sex": 2, "given_name": "春子", "birth_year": 1955, "birth_month": 3, "birth_day": 3},
        {"relationship": "husband", "birth_year": 1950, "birth_month": 1, "birth_day": 10},
        {"relationship": "mother", "sex": 2, "given_name": "トメ", "birth_year": 1930, "birth_month": None,
         "birth_day": None, "birth_date_precision": "year"},
        {"relationship": "lodger", "given_name": "不詳", "birth_year": None, "birth_month": None, "birth_day": None,
         "birth_date_precision": "unknown", "birth_date_note": "不詳"},
    ], block=1, banchi="2番2号")
    add_household(city, [{"birth_year": 1920, "birth_month": 1, "birth_day": 1}], block=1, banchi="3番3号")
    (c_foreign,) = add_household(city, [{
        "resident_kind": "foreign", "family_name": "NGUYEN", "given_name": "THI AN", "family_name_kana": "グエン",
        "given_name_kana": "ティアン", "sex": 2, "birth_year": 1995, "birth_month": 2, "birth_day": 14,
        "nationality_code": "VN", "nationality": "ベトナム", "foreign_category": "mid_long_term",
        "residence_status": "engineer_humanities", "stay_years": 3,
        "stay_expires_on": clock.today() + dt.timedelta(days=30), "alphabet_name": "NGUYEN THI AN",
    }], block=2, banchi="4番4号")
    (e_single,) = add_household(city, [{"birth_year": 1990, "birth_month": 8, "birth_day": 20}], block=2, banchi="5番5号")

    birth = apply(clerk, approver, "birth", {
        "household_no": a_head.household_id, "family_name": "試験", "given_name": "一子", "family_name_kana": "シケン",
        "given_name_kana": "イチコ", "sex": 2, "domicile": "秋田県秋田市山王一丁目10番地", "domicile_head": "試験\u3000太郎1",
    }, effective_on=D(2024, 6, 1), notified_on=D(2024, 6, 5))
    death = apply(clerk, approver, "death", {"person": b_husband.person_id},
                  effective_on=D(2024, 9, 10), notified_on=D(2024, 9, 11))
    move_within = apply(clerk, approver, "move_within", {
        "persons": [c_foreign.person_id], "town_block": city.blocks[0].code, "banchi": "6番6号",
    }, effective_on=D(2024, 10, 1), notified_on=D(2024, 10, 3))
    move_in = apply(clerk, approver, "move_in", move_in_items(city, [
        incoming(1, birth_year=1985, birth_month=6, birth_day=1),
        incoming(2, relationship="wife", sex=2, given_name="花子", birth_year=1985, birth_month=6, birth_day=2),
    ], planned_move_out_on="2024-11-01"), effective_on=D(2024, 11, 5), notified_on=D(2024, 11, 30))
    move_out = apply(clerk, approver, "move_out", {
        "persons": [e_single.person_id], "destination_address": "大阪府大阪市北区中之島一丁目3番20号",
    }, effective_on=D(2024, 12, 20), notified_on=D(2024, 12, 10))
    return History(city, a_head, b_husband, c_foreign, e_single, birth, death, move_within, move_in, move_out)
