"""Name search keys (氏名の検索キー), property-based: kana 清音化 and variant-kanji folding.

akita-000-digest §4.2: the identity file keeps a kana name normalised to unvoiced form
(清音化かな氏名) as its search key — voiced and semi-voiced marks dropped, small kana enlarged.
DESIGN §3: variant kanji are folded for search (ja-itaiji); IVS are ignored for matching.
"""

from __future__ import annotations

import unicodedata

import jaconv
from hypothesis import given
from hypothesis import strategies as st

from juki.register.names import (
    _families,
    _rank,
    fold_kanji_char,
    fold_kanji_variants,
    kana_search_key,
    kanji_search_key,
)

HIRAGANA = [chr(c) for c in range(0x3041, 0x3097)] + ["ー"]
hiragana_text = st.text(alphabet=HIRAGANA, min_size=1, max_size=12)
kana_text = st.text(alphabet=HIRAGANA + [chr(c) for c in range(0x30A1, 0x30FB)] + list("ｱｶﾞﾊﾟｯｬ ・　"), max_size=16)
VOICED = "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ"
UNVOICED = "かきくけこさしすせそたちつてとはひふへほはひふへほう"
SMALL = "ぁぃぅぇぉっゃゅょゎゕゖ"
LARGE = "あいうえおつやゆよわかけ"


@given(kana_text)
def test_kana_key_is_idempotent(text):
    key = kana_search_key(text)
    assert kana_search_key(key) == key


@given(hiragana_text)
def test_hiragana_katakana_and_half_width_give_the_same_kana_key(text):
    katakana = jaconv.hira2kata(text)
    half = jaconv.z2h(katakana, kana=True, ascii=False, digit=False)
    assert kana_search_key(text) == kana_search_key(katakana) == kana_search_key(half)


@given(hiragana_text)
def test_spaces_and_separators_do_not_change_the_kana_key(text):
    spaced = "　".join(text[i:i + 2] for i in range(0, len(text), 2))
    assert kana_search_key(spaced) == kana_search_key(f" {text}・")


@given(st.text(alphabet=VOICED + SMALL + UNVOICED + LARGE, min_size=1, max_size=12))
def test_kana_key_is_seion_voiced_to_unvoiced_and_small_to_large(text):
    """清音化: ガ→カ, パ→ハ, ッ→ツ, ャ→ヤ — the key holds neither voicing marks nor small kana."""
    plain = text.translate(str.maketrans(VOICED + SMALL, UNVOICED + LARGE))
    key = kana_search_key(text)
    assert key == kana_search_key(plain) == jaconv.hira2kata(plain)
    assert not any(unicodedata.decomposition(c).endswith(("3099", "309A")) for c in key)


def test_kana_key_examples():
    assert kana_search_key("ジョウ") == kana_search_key("しよう") == "シヨウ"
    assert kana_search_key("ヴィ") == "ウイ"
    assert kana_search_key("ﾊﾟｸ") == "ハク"
    assert kana_search_key("ㇰ") == "ク"  # Ainu small katakana


# --- kanji -----------------------------------------------------------------------------------------

family_chars = st.sampled_from(sorted(_families()))
names = st.text(alphabet=st.one_of(family_chars, st.sampled_from(list("山田太郎　 ・"))), max_size=10)


@given(names)
def test_kanji_key_is_idempotent(text):
    key = kanji_search_key(text)
    assert kanji_search_key(key) == key


@given(family_chars)
def test_folding_never_makes_a_character_less_standard(char):
    folded = fold_kanji_char(char)
    assert _rank(folded) <= _rank(char)
    assert fold_kanji_char(folded) == folded


LEVEL_1 = sorted(c for c in _families() if _rank(c) == 0)


def test_jis_level_1_characters_are_never_folded():
    """So two standard characters (e.g. 島 and 嶋, 斉 and 斎) are never merged."""
    assert len(LEVEL_1) > 2000
    assert [c for c in LEVEL_1 if fold_kanji_char(c) != c] == []


@given(names, st.integers(min_value=0xE0100, max_value=0xE01EF))
def test_ivs_selectors_are_ignored(text, selector):
    with_ivs = "".join(c + chr(selector) if "\u4e00" <= c <= "\u9fff" else c for c in text)
    assert kanji_search_key(with_ivs) == kanji_search_key(text)


def test_common_name_variants_fold_to_their_standard_form():
    pairs = {"髙橋": "高橋", "渡邉": "渡辺", "渡邊": "渡辺", "﨑山": "崎山", "濱田": "浜田", "澤田": "沢田",
             "齋藤": "斎藤", "廣瀬": "広瀬", "國分": "国分", "櫻井": "桜井", "德川": "徳川", "𠮷田": "吉田"}
    for variant, standard in pairs.items():
        assert kanji_search_key(variant) == kanji_search_key(standard) == standard


def test_distinct_standard_characters_stay_apart():
    # 斉藤 and 斎藤 are different surnames; 島 and 嶋 are both standard (level 1) characters.
    assert kanji_search_key("斉藤") != kanji_search_key("斎藤")
    assert kanji_search_key("島田") != kanji_search_key("嶋田")
    assert fold_kanji_variants("山田さくら") == "山田さくら"
