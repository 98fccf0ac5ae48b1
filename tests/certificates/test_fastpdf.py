"""The direct PDF writer for certificate pages (exact glyphs: decision 0004; speed: docs/performance.md).

The writer must print what WeasyPrint printed — same glyphs, same places — only faster; and it
must never silently drop what it does not know: unknown HTML goes to WeasyPrint.
"""

from __future__ import annotations

import dataclasses

import pytest
from fontTools.ttLib import TTFont

from juki.certificates import fastpdf, fonts
from juki.certificates.documents import CSS, Options, render_html_pages, resident_copy, samples
from juki.certificates.documents.errors import CertificateRefused
from juki.certificates.documents.layout import page_html, row, table_block
from juki.certificates.documents.references import (
    REFERENCE_DPI,
    THRESHOLD,
    mean_abs_diff,
    rasterise,
)
from juki.certificates.render import render_documents_pdf

from . import _pdf
from ._documents import TSUJI_1DOT, TSUJI_2DOT, flat


def _page(body: str) -> str:
    return page_html(title="住民票の写し", kind="個人票", body=body, stamp=samples.STAMP, issuer=samples.ISSUER,
                     statement="この写しは、住民票の原本と相違ないことを証明する。", page=1, pages=1)


def _table(*values: str) -> str:
    return table_block([row(("氏名", v, 5)) for v in values], cols="").html


@pytest.fixture(scope="module")
def full_font() -> TTFont:
    return TTFont(str(fonts.MJ_FONT_PATH), lazy=True)


def test_two_ivs_variants_of_tsuji_print_as_the_two_registered_glyphs(full_font):
    """decision 0004: 辻 U+E0102 (MJ025760) and U+E0103 (MJ025761) are different glyphs, each the
    one IPAmj明朝 registers for the sequence (compared by outline with the full font)."""
    pdf, counts = fastpdf.write_pages([_page(_table(f"{TSUJI_1DOT}　太郎", f"{TSUJI_2DOT}　花子"))])
    assert counts == [1]
    (embedded,) = _pdf.embedded_fonts(pdf)
    shapes = {_pdf.outline(embedded, gid) for gid in set(_pdf.glyph_ids(pdf))}
    assert _pdf.outline(full_font, "mj025760") in shapes
    assert _pdf.outline(full_font, "mj025761") in shapes
    assert _pdf.outline(full_font, "mj025760") != _pdf.outline(full_font, "mj025761")


def test_glyphs_are_those_harfbuzz_picks_in_weasyprint():
    """Same page, same glyph ids as WeasyPrint (which shapes with HarfBuzz): for IPAmj明朝 the
    cmap and its variation sequences are the whole of shaping."""
    (page,) = samples.sample_pages("copy_household")
    direct, _ = fastpdf.write_pages([page])
    weasy, _ = render_documents_pdf([page], css=CSS)
    assert sorted(_pdf.glyph_ids(direct)) == sorted(_pdf.glyph_ids(weasy))


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_every_sample_page_looks_like_the_weasyprint_page(name, tmp_path):
    """Visually the same page as WeasyPrint's (rasterised as the layout reference tests do),
    with every text line where WeasyPrint puts it."""
    pages = samples.sample_pages(name)
    direct, counts = fastpdf.write_pages(pages)
    weasy, weasy_counts = render_documents_pdf(pages, css=CSS)
    assert counts == weasy_counts
    assert mean_abs_diff(rasterise(direct, REFERENCE_DPI), rasterise(weasy, REFERENCE_DPI)) < THRESHOLD / 2
    lines, expected = _lines(direct, tmp_path), _lines(weasy, tmp_path)
    assert [text for _, text in lines] == [text for _, text in expected]
    assert max(abs(a - b) for (a, _), (b, _) in zip(lines, expected, strict=True)) < 0.05


def _lines(pdf: bytes, tmp_path) -> list[tuple[float, str]]:
    """The text lines of page 1 (pdftotext -bbox), top to bottom: (top in pt, words joined)."""
    import re
    import subprocess

    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = sorted((float(y), float(x), text)
                   for x, y, text in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" [^>]*>([^<]*)<', html))
    lines: list[tuple[float, list[tuple[float, str]]]] = []
    for y, x, text in words:
        if lines and abs(lines[-1][0] - y) < 0.05:
            lines[-1][1].append((x, text))
        else:
            lines.append((y, [(x, text)]))
    return sorted((y, "".join(t for _, t in sorted(ws))) for y, ws in lines)


def test_wrapped_history_lines_break_and_sit_where_weasyprint_puts_them(tmp_path):
    """Same lines, same line breaks, same vertical positions as WeasyPrint (a wrapped 記載内容
    in the history table included)."""
    from juki.certificates.documents.data import HistoryLine

    line = HistoryLine("令和7年3月31日", "令和7年3月20日", "職権修正",
                       f"{TSUJI_1DOT}　次郎　秋田県秋田市山王一丁目1番1号 コーポ見本ハイツ山王一丁目の長い方書101号室")
    person = dataclasses.replace(samples.removed_person(), history=(line,) * 12)
    pages = resident_copy.removed_pages([person], Options(history=True), samples.STAMP, samples.ISSUER)
    direct, _ = fastpdf.write_pages(pages)
    weasy, _ = render_documents_pdf(pages, css=CSS)
    lines, expected = _lines(direct, tmp_path), _lines(weasy, tmp_path)
    assert [text for _, text in lines] == [text for _, text in expected]
    assert max(abs(a - b) for (a, _), (b, _) in zip(lines, expected, strict=True)) < 0.05
    assert sum(1 for _, text in lines if text == "書101号室") == 12  # each summary wraps once


def test_text_is_extractable_names_included(tmp_path):
    (page,) = samples.sample_pages("copy_household")
    pdf, _ = fastpdf.write_pages([page])
    text = flat(_pdf.pdftotext(pdf, tmp_path))
    for expected in ("住民票の写し", "辻太郎", "辻花子", "渡邉美咲", "秋田県秋田市山王一丁目1番1号",
                     "この写しは、住民票の原本と相違ないことを証明する。", "7KQ2-M9XD-4HTA", "1／1"):
        assert expected in text, expected


def test_the_embedded_font_is_a_small_subset_of_the_working_font(tmp_path):
    (page,) = samples.sample_pages("copy_household")
    pdf, _ = fastpdf.write_pages([page])
    assert len(pdf) < 100_000
    (row_,) = _pdf.pdffonts(pdf, tmp_path)
    assert row_[0].endswith(f"+{fonts.WORKING_FAMILY}") and (row_[-5], row_[-4]) == ("yes", "yes")


def test_a_page_with_a_character_outside_the_working_font_is_left_to_weasyprint(tmp_path):
    """The full font shapes with default GSUB features (ccmp, liga) that cmap lookup does not
    apply: such a page is printed by WeasyPrint, from the full font, exactly."""
    rare = next(cp for cp in sorted(fonts.coverage().chars)
                if 0x4E00 <= cp and cp not in fonts.working_font_charset())
    page = _page(_table(f"辻{chr(rare)}"))
    with pytest.raises(fastpdf.UnsupportedPage):
        fastpdf.write_pages([page])
    pdf, count = render_html_pages([page])
    families = sorted(r[0].split("+")[1] for r in _pdf.pdffonts(pdf, tmp_path))
    assert count == 1 and families == sorted([fonts.FULL_FAMILY, fonts.WORKING_FAMILY])
    assert chr(rare) in _pdf.pdftotext(pdf, tmp_path)


def test_a_long_value_wraps_inside_its_cell_and_no_line_starts_with_a_comma():
    style = fastpdf.Style(9.0)
    text = "秋田県秋田市山王一丁目1番1号、コーポ見本ハイツ山王一丁目の長い方書101号室、" * 3
    lines = fastpdf.wrap([(text, style)], 94.0 * fastpdf.MM, 9.0)
    assert len(lines) > 2
    assert all(line.width <= 94.0 * fastpdf.MM + 0.01 for line in lines)
    assert all(line.glyphs[0].text != "、" for line in lines)
    assert "".join(g.text for line in lines for g in line.glyphs) == text


@pytest.mark.parametrize("body", [
    "<ul><li>箇条書き</li></ul>",
    '<p style="color: red">箇条書き</p>',
    '<table class="block"><tbody><tr><th>箇条書き</th><td><b>太字</b></td></tr></tbody></table>',
    '<table class="block"><colgroup><col style="width: 50%"/></colgroup><tbody><tr><td>箇条書き</td></tr></tbody></table>',
    '<table class="wide"><tbody><tr><td>箇条書き</td></tr></tbody></table>',
])
def test_html_outside_the_page_vocabulary_is_not_dropped_but_left_to_weasyprint(body, tmp_path):
    page = _page(body)
    with pytest.raises(fastpdf.UnsupportedPage):
        fastpdf.write_pages([page])
    pdf, count = render_html_pages([page])  # the fallback renders it
    assert count == 1 and "箇条書き" in _pdf.pdftotext(pdf, tmp_path)


def test_a_page_whose_rows_overflow_counts_as_two_and_is_refused():
    page = _page(_table(*["平成22年4月1日　転入"] * 60))
    assert fastpdf.write_pages([page])[1] == [2]
    assert render_documents_pdf([page], css=CSS)[1] == [2]  # what WeasyPrint says too
    with pytest.raises(CertificateRefused) as exc:
        render_html_pages([page])
    assert exc.value.code == "certificate.layout_overflow"


def test_a_full_household_of_eight_is_two_pages_of_one_pdf(tmp_path):
    members = samples.household() * 2
    pages = resident_copy.household_pages(members, Options(), samples.STAMP, samples.ISSUER, whole_household=True)
    pdf, counts = fastpdf.write_pages(pages)
    assert counts == [1, 1] and _pdf.page_count(pdf, tmp_path) == 2
    assert len(_pdf.embedded_fonts(pdf)) == 1  # one subset for the whole document


def test_member_text_is_escaped_not_interpreted(tmp_path):
    member = dataclasses.replace(samples.household()[0], name="<b>山田</b>")
    pages = resident_copy.household_pages([member], Options(), samples.STAMP, samples.ISSUER, whole_household=True)
    pdf, _ = fastpdf.write_pages(pages)
    assert "<b>山田</b>" in _pdf.pdftotext(pdf, tmp_path)


def test_writing_no_pages_is_refused():
    with pytest.raises(ValueError):
        fastpdf.write_pages([])
