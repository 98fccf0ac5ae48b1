"""One rule for every kind: is the 本籍 in another municipality (附票記載事項通知, 住基法19条1項)?

The 戸籍の附票 is kept by the municipality of the 本籍 (住基法16条・17条); the municipality of the
address tells it when 附票 items change (住基法19条1項). Only Japanese residents have a 本籍
(住基法7条5号; foreign residents' items are 30条の45's). Three copies of this rule used to
disagree on spaces: the ex officio kinds sent a 附票 notice to this very municipality for
「秋田県　秋田市…」 or 「 秋田県秋田市…」, the family-register kinds for 「秋田県 秋田市…」.
"""

from __future__ import annotations

import pytest

from juki.register.changes.toolkit.domicile import domicile_elsewhere
from juki.register.models import Municipality, OutboxEvent, ResidentKind

from ..factories import small_city
from .ex_officio_helpers import apply

AKITA = Municipality(lg_code="052019", name="秋田市", prefecture="秋田県")
FUCHU_TOKYO = Municipality(lg_code="132063", name="府中市", prefecture="東京都")
NISEKO = Municipality(lg_code="013951", name="ニセコ町", prefecture="北海道")
JAPANESE = ResidentKind.JAPANESE


@pytest.mark.parametrize("domicile", [
    "秋田県秋田市山王一丁目10番地",     # with the prefecture, as the 戸籍 writes it
    "秋田市山王一丁目10番地",           # without it, as clerks shorten it
    "秋田県　秋田市山王一丁目10番地",   # full-width space (the ex officio copy said elsewhere)
    "秋田県 秋田市山王一丁目10番地",    # ASCII space (the ex officio and family-register copies said elsewhere)
    " 秋田県秋田市山王一丁目10番地",    # leading space (the ex officio copy said elsewhere)
    "秋田市 山王一丁目10番地",
])
def test_a_domicile_in_this_municipality_is_not_elsewhere(domicile):
    assert domicile_elsewhere(domicile, AKITA, resident_kind=JAPANESE) is False


def test_names_compare_after_nfkc():
    # Half-width katakana (NFKC makes them full-width): every copy used to say elsewhere.
    assert domicile_elsewhere("北海道虻田郡ﾆｾｺ町字富士見1番地", NISEKO, resident_kind=JAPANESE) is True  # 郡 written
    assert domicile_elsewhere("北海道ﾆｾｺ町字富士見1番地", NISEKO, resident_kind=JAPANESE) is False
    assert domicile_elsewhere("ﾆｾｺ町字富士見1番地", NISEKO, resident_kind=JAPANESE) is False


@pytest.mark.parametrize("domicile", [
    "東京都千代田区千代田1番地",
    "秋田県大館市字中城1番地",  # same prefecture, another municipality
    "広島県府中市府川町1番地",  # a municipality of the same name in another prefecture
])
def test_a_domicile_in_another_municipality_is_elsewhere(domicile):
    municipality = FUCHU_TOKYO if "府中市" in domicile else AKITA
    assert domicile_elsewhere(domicile, municipality, resident_kind=JAPANESE) is True


@pytest.mark.parametrize("domicile", ["", None, "　 "])
def test_no_domicile_is_not_elsewhere(domicile):
    assert domicile_elsewhere(domicile, AKITA, resident_kind=JAPANESE) is False


def test_a_foreign_resident_has_no_domicile_to_notify():
    """住基法7条5号 (本籍) is not among the items of a foreign resident (30条の45): no 附票."""
    assert domicile_elsewhere("東京都千代田区千代田1番地", AKITA, resident_kind=ResidentKind.FOREIGN) is False
    assert domicile_elsewhere("東京都千代田区千代田1番地", AKITA, resident_kind=None) is False


@pytest.mark.django_db
def test_an_ex_officio_entry_with_a_spaced_own_domicile_sends_no_fuhyo_notice(clerk, approver):
    """The ex officio kinds use the shared rule: 「秋田県　秋田市…」 is this municipality's 本籍."""
    city = small_city()
    items = {
        "reason": "実態調査により居住の事実を確認したため",
        "family_name": "職権", "given_name": "記子", "family_name_kana": "ショッケン", "given_name_kana": "ノリコ",
        "birth_year": 1990, "birth_month": 4, "birth_day": 1, "sex": 2,
        "town_block": city.blocks[2].code, "banchi": "5番6号",
        "domicile": "秋田県　秋田市山王一丁目10番地", "domicile_head": "職権\u3000一郎",
    }
    change = apply(clerk, approver, "ex_officio_entry", items)
    kinds = set(OutboxEvent.objects.filter(change=change).values_list("kind", flat=True))
    assert "identity_update" in kinds and "fuhyo_notice" not in kinds
