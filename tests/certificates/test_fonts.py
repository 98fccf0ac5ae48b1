"""What IPAmj明朝 can print, and the working font's fidelity to it.

decision 0004: certificates print the registered glyph, IVS included; a character the font cannot
print is refused when it is entered, never printed as a box. IVS: Unicode Ideographic Variation
Database; IPAmj明朝 registers its MJ glyphs in the Adobe-Japan1 / Moji_Joho collections and maps
them in its cmap format-14 subtable.
"""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from juki.certificates import fonts

from ._pdf import outline

TSUJI_1DOT = "辻\U000e0102"  # 一点しんにょう (MJ025760)
TSUJI_2DOT = "辻\U000e0103"  # 二点しんにょう (MJ025761)
WATANABE_VARIANT = "邉\U000e0110"


@pytest.fixture(scope="module")
def full_font() -> TTFont:
    return TTFont(str(fonts.MJ_FONT_PATH), lazy=True)


@pytest.fixture(scope="module")
def working_font() -> TTFont:
    return TTFont(str(fonts.working_font_path()))


def cmap14(font: TTFont) -> dict[tuple[int, int], str | None]:
    (table,) = [t for t in font["cmap"].tables if t.format == 14]
    return {(base, sel): glyph for sel, pairs in table.uvsDict.items() for base, glyph in pairs}


def test_registered_ivs_names_are_printable():
    for name in (
        f"{TSUJI_1DOT}　太郎",
        f"{TSUJI_2DOT}　花子",
        f"渡{WATANABE_VARIANT}　美咲",
        "𠮷田",
    ):
        assert fonts.can_print(name), name
        assert fonts.unprintable_chars(name) == []


def test_the_two_tsuji_sequences_map_to_different_registered_glyphs():
    cov = fonts.coverage()
    assert cov.sequences[(0x8FBB, 0xE0102)] == "mj025760"
    assert cov.sequences[(0x8FBB, 0xE0103)] == "mj025761"


def test_private_use_character_is_refused():
    assert fonts.unprintable_chars("山田\ue000子") == ["\ue000"]
    assert not fonts.can_print("山田\ue000子")


def test_selector_the_font_does_not_register_for_that_base_is_refused():
    # 辻 has only E0102 and E0103 in IPAmj明朝; E0110 is one of 邉's selectors.
    assert fonts.unprintable_chars(f"辻\U000e0110　{WATANABE_VARIANT}") == ["辻\U000e0110"]


def test_selector_without_a_base_character_is_refused():
    assert fonts.unprintable_chars("\U000e0102太郎") == ["\U000e0102"]
    assert fonts.unprintable_chars(f"{TSUJI_1DOT}\U000e0102") == ["\U000e0102"]


def test_control_characters_are_refused():
    assert fonts.unprintable_chars("太郎\n花子\t") == ["\n", "\t"]


def test_each_unprintable_unit_is_reported_once_in_order():
    assert fonts.unprintable_chars("\ue001a\ue000\ue001\ue000") == ["\ue001", "\ue000"]


def test_split_sequences_keeps_selector_with_its_base():
    assert fonts.split_sequences(f"{TSUJI_1DOT}太") == [TSUJI_1DOT, "太"]


def test_jis_x_0208_has_its_6879_characters():
    chars = fonts.jis_x_0208_chars()
    assert len(chars) == 6879
    assert {ord("亜"), ord("熙"), ord("あ"), ord("ヶ")} <= chars


def test_working_font_is_closed_under_variation_sequences(full_font, working_font):
    """Every base in the working font carries every selector the full font defines for it,
    so HarfBuzz never silently falls back to the base glyph."""
    full = cmap14(full_font)
    work = cmap14(working_font)
    work_chars = set(working_font.getBestCmap())
    expected = {key for key in full if key[0] in work_chars}
    assert set(work) == expected
    assert len(expected) == len(full)  # today: every IVS base of the font is in it


def test_working_font_glyphs_are_the_full_font_glyphs(full_font, working_font):
    full_seq, work_seq = cmap14(full_font), cmap14(working_font)
    full_cmap, work_cmap = full_font.getBestCmap(), working_font.getBestCmap()
    sequences = sorted(full_seq)[::97] + [(0x8FBB, 0xE0102), (0x8FBB, 0xE0103), (0x9089, 0xE0110)]
    for key in sequences:
        full_glyph = full_seq[key] or full_cmap[key[0]]
        work_glyph = work_seq[key] or work_cmap[key[0]]
        assert outline(working_font, work_glyph) == outline(full_font, full_glyph), key
    for cp in sorted(work_cmap)[::211] + [ord("辻"), ord("住"), ord("ア")]:
        assert outline(working_font, work_cmap[cp]) == outline(full_font, full_cmap[cp]), hex(cp)


def test_working_font_is_a_fraction_of_the_full_font():
    size = fonts.working_font_path().stat().st_size
    assert size < fonts.MJ_FONT_PATH.stat().st_size / 5


def test_extra_characters_extend_the_working_charset():
    rare = next(
        cp
        for cp in sorted(fonts.coverage().chars)
        if 0x4E00 <= cp and cp not in fonts.working_font_charset()
    )
    assert rare in fonts.working_font_charset([chr(rare)])
