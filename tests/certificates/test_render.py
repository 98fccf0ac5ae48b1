"""Rendering certificates to PDF: exact IVS glyphs, extractable text, a subset font.

decision 0004 (exact glyphs: 辻 U+8FBB U+E0102 and U+E0103 are different registered glyphs) and
the two IVS variants of one base character come out as different glyphs.
"""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from juki.certificates import fonts, render, sample

from . import _pdf
from .test_fonts import TSUJI_1DOT, TSUJI_2DOT, WATANABE_VARIANT

ONE_LINE_CSS = f"@page {{ size: 60mm 20mm; margin: 2mm }} html {{ font-family: {fonts.FONT_STACK}; font-size: 24pt }}"


def one_line(text: str) -> bytes:
    return render.render_pdf(f"<p>{text}</p>", css=ONE_LINE_CSS)


@pytest.fixture(scope="module")
def full_font() -> TTFont:
    return TTFont(str(fonts.MJ_FONT_PATH), lazy=True)


@pytest.fixture(scope="module")
def page_pdf() -> bytes:
    html = sample.household_page_html(sample.sample_members(), include_style=False)
    return render.render_pdf(html, css=sample.HOUSEHOLD_CSS)


def test_two_ivs_variants_embed_different_glyphs_each_the_registered_one(full_font):
    """Glyph IDs in the content stream → the embedded subset font → outlines compared with
    IPAmj明朝's registered glyphs mj025760 (E0102) and mj025761 (E0103)."""
    pdf = one_line(f"{TSUJI_1DOT}{TSUJI_2DOT}")
    gid_1dot, gid_2dot = _pdf.glyph_ids(pdf)
    assert gid_1dot != gid_2dot
    assert 0 not in (gid_1dot, gid_2dot)  # not .notdef (tofu)
    (embedded,) = _pdf.embedded_fonts(pdf)
    shape_1dot = _pdf.outline(embedded, gid_1dot)
    shape_2dot = _pdf.outline(embedded, gid_2dot)
    assert shape_1dot != shape_2dot
    assert shape_1dot[0] and shape_2dot[0]  # both have contours: not blank
    assert shape_1dot == _pdf.outline(full_font, "mj025760")
    assert shape_2dot == _pdf.outline(full_font, "mj025761")


def test_two_ivs_variants_rasterise_differently(tmp_path):
    one_dot = _pdf.rasterise(one_line(TSUJI_1DOT), tmp_path, "one")
    two_dot = _pdf.rasterise(one_line(TSUJI_2DOT), tmp_path, "two")
    blank = _pdf.rasterise(one_line("　"), tmp_path, "blank")
    assert one_dot != two_dot
    assert blank not in (one_dot, two_dot)


def test_selector_is_not_dropped_default_glyph_differs_from_variant(tmp_path):
    plain = _pdf.glyph_ids(one_line("辻"))
    assert _pdf.glyph_ids(one_line(TSUJI_1DOT)) != plain  # E0102 is not the default glyph
    assert _pdf.glyph_ids(one_line(TSUJI_2DOT)) == plain  # E0103 is IPAmj's default 辻


def test_optimised_page_is_pixel_identical_to_naive_render(tmp_path, page_pdf):
    """The working font, cached stylesheets and certificate UA stylesheet change speed,
    not output: same page, same pixels as WeasyPrint's defaults on the full font."""
    html = sample.household_page_html(sample.sample_members(), include_style=False)
    naive = render.render_pdf_naive(html, css=sample.HOUSEHOLD_CSS)
    assert _pdf.rasterise(page_pdf, tmp_path, "fast") == _pdf.rasterise(naive, tmp_path, "naive")


def test_page_text_has_labels_and_names(tmp_path, page_pdf):
    text = _pdf.pdftotext(page_pdf, tmp_path)
    # Compare without selectors (extraction varies) and without spaces (the title is
    # letter-spaced, names carry an ideographic space).
    text = "".join(
        ch for ch in text if not fonts.is_variation_selector(ord(ch)) and not ch.isspace()
    )
    for label in (
        "住民票の写し",
        "住所",
        "世帯主",
        "転入前住所",
        "氏名",
        "生年月日",
        "性別",
        "続柄",
        "住民となった日",
    ):
        assert label in text, label
    for member in sample.sample_members():
        base_name = "".join(
            ch
            for ch in member.name
            if not fonts.is_variation_selector(ord(ch)) and not ch.isspace()
        )
        assert base_name in text, base_name
        assert member.birth in text
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text


def test_page_embeds_only_a_subset_of_the_working_font(tmp_path, page_pdf):
    assert len(page_pdf) < 100_000  # the full font is 46 MB, the working font 6.4 MB
    (row,) = _pdf.pdffonts(page_pdf, tmp_path)  # one font: every glyph came from the fast path
    name, emb, sub = row[0], row[-5], row[-4]
    assert name.endswith(f"+{fonts.WORKING_FAMILY}") and len(name.split("+")[0]) == 6
    assert (emb, sub) == ("yes", "yes")
    (embedded,) = _pdf.embedded_fonts(page_pdf)
    assert len(embedded.getReverseGlyphMap()) > 0
    assert sum(1 for _ in _pdf.glyph_ids(page_pdf)) > 100


def test_naive_render_also_embeds_a_subset(tmp_path):
    pdf = render.render_pdf_naive(f"<p>{TSUJI_1DOT}</p>", css=ONE_LINE_CSS)
    assert len(pdf) < 100_000
    (row,) = _pdf.pdffonts(pdf, tmp_path)
    assert row[0].endswith(f"+{fonts.FULL_FAMILY}") and row[-4] == "yes"


def test_character_outside_the_working_font_prints_from_the_full_font(tmp_path, full_font):
    rare = next(
        cp
        for cp in sorted(fonts.coverage().chars)
        if 0x4E00 <= cp and cp not in fonts.working_font_charset()
    )
    pdf = one_line(f"辻{chr(rare)}")
    families = sorted(row[0].split("+")[1] for row in _pdf.pdffonts(pdf, tmp_path))
    assert families == sorted([fonts.FULL_FAMILY, fonts.WORKING_FAMILY])
    assert chr(rare) in _pdf.pdftotext(pdf, tmp_path)
    assert 0 not in _pdf.glyph_ids(pdf)


def test_naive_render_prints_the_registered_ivs_glyph_too(full_font):
    """The baseline is correct as well (only slow): WeasyPrint shapes IVS with HarfBuzz."""
    naive = render.render_pdf_naive(f"<p>{WATANABE_VARIANT}</p>", css=ONE_LINE_CSS)
    (embedded,) = _pdf.embedded_fonts(naive)
    (gid,) = _pdf.glyph_ids(naive)
    registered = fonts.coverage().sequences[(0x9089, 0xE0110)]
    assert _pdf.outline(embedded, gid) == _pdf.outline(full_font, registered)
    assert _pdf.outline(embedded, gid) != _pdf.outline(full_font, full_font.getBestCmap()[0x9089])


def test_several_documents_render_as_pages_of_one_pdf(tmp_path):
    html = sample.household_page_html(sample.sample_members(), include_style=False)
    pdf = render.render_pages_pdf([html, html, html], css=sample.HOUSEHOLD_CSS)
    assert _pdf.page_count(pdf, tmp_path) == 3
    assert len(_pdf.embedded_fonts(pdf)) == 1


def test_rendering_no_pages_is_refused():
    with pytest.raises(ValueError):
        render.render_pages_pdf([])


def test_sample_page_escapes_member_text():
    member = sample.HouseholdMember(
        "<b>山田</b>", "やまだ", "昭和1年1月1日", "男", "世帯主", "令和1年5月1日"
    )
    html = sample.household_page_html([member])
    assert "<b>山田</b>" not in html and "&lt;b&gt;山田&lt;/b&gt;" in html
