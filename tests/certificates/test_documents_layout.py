"""Certificate layouts: page 1 of each sample document, rasterised (pdftoppm -r 50 -gray), is
compared with its reviewed reference image in tests/certificates/reference/ (docs/certificates.md:
layout tested against a reviewed reference image).

Regenerate after an intended layout change — and look at every image before committing it:

    JUKI_HOME=/tmp/juki-x .venv/bin/python -m juki.certificates.documents.references
"""

from __future__ import annotations

import dataclasses

import pytest

from juki.certificates.documents import (
    CertificateRefused,
    Options,
    render_html_pages,
    resident_copy,
    samples,
)
from juki.certificates.documents.data import HistoryLine
from juki.certificates.documents.layout import page_html
from juki.certificates.documents.references import (
    REFERENCE_DIR,
    REFERENCE_DPI,
    THRESHOLD,
    main,
    mean_abs_diff,
    rasterise,
    sample_pdf,
)

from ._documents import TSUJI_1DOT, TSUJI_2DOT, page_texts


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_page_one_matches_the_reviewed_reference_image(name):
    page = rasterise(sample_pdf(name), REFERENCE_DPI)
    reference = (REFERENCE_DIR / f"{name}.png").read_bytes()
    assert mean_abs_diff(page, reference) < THRESHOLD


def test_the_comparison_notices_a_changed_layout():
    """The threshold is tight enough: one member fewer on the household page is a failure."""
    pages = resident_copy.household_pages(samples.household()[:3], Options(), samples.STAMP, samples.ISSUER,
                                          whole_household=True)
    changed = rasterise(render_html_pages(pages)[0], REFERENCE_DPI)
    assert mean_abs_diff(changed, (REFERENCE_DIR / "copy_household.png").read_bytes()) >= THRESHOLD


def test_the_two_ivs_variants_of_tsuji_print_differently_in_a_document():
    """辻 U+E0102 and U+E0103 are different registered glyphs (decision 0004): swapping the
    householder's variant changes the printed page, nothing else does."""
    members = samples.household()
    swapped = [dataclasses.replace(members[0], name=members[0].name.replace(TSUJI_1DOT, TSUJI_2DOT)), *members[1:]]
    assert members[0].name != swapped[0].name

    def page(ms):
        pages = resident_copy.household_pages(ms, Options(), samples.STAMP, samples.ISSUER, whole_household=True)
        return rasterise(render_html_pages(pages)[0], 100)

    original, again, variant = page(members), page(members), page(swapped)
    assert original == again  # deterministic
    assert variant != original
    assert 0 < mean_abs_diff(variant, original) < 0.5  # one glyph's worth of pixels


def test_a_household_of_eight_takes_two_pages_numbered_and_certified_on_the_last(tmp_path):
    pages = resident_copy.household_pages(samples.household() * 2, Options(), samples.STAMP, samples.ISSUER,
                                          whole_household=True)
    pdf, count = render_html_pages(pages)
    first, second = page_texts(pdf, tmp_path)
    assert count == 2
    assert "1／2" in first and "2／2" in second
    assert "住民票の原本と相違ない" not in first and "住民票の原本と相違ない" in second
    assert "秋田県秋田市山王一丁目1番1号" in second  # the household header repeats


def test_a_long_history_continues_on_following_pages_without_spilling_over(tmp_path):
    line = HistoryLine("令和7年3月31日", "令和7年3月20日", "職権修正",
                       f"{TSUJI_1DOT}　次郎　秋田県秋田市山王一丁目1番1号 コーポ見本ハイツ山王一丁目の長い方書101号室")
    person = dataclasses.replace(samples.removed_person(), history=(line,) * 70)
    pages = resident_copy.removed_pages([person], Options(history=True), samples.STAMP, samples.ISSUER)
    pdf, count = render_html_pages(pages)  # refuses if any page spilled over
    texts = page_texts(pdf, tmp_path)
    assert count == len(pages) >= 2
    assert "前頁から続く" in texts[1]
    assert sum(t.count("職権修正") for t in texts) == 70


def test_content_that_would_spill_over_a_page_is_refused_not_misnumbered():
    body = "<p>記載事項</p>" * 120
    page = page_html(title="住民票の写し", kind="個人票", body=body, stamp=samples.STAMP, issuer=samples.ISSUER,
                     statement="", page=1, pages=1)
    with pytest.raises(CertificateRefused) as exc:
        render_html_pages([page])
    assert exc.value.code == "certificate.layout_overflow"


def test_the_reference_command_checks_every_layout(capsys):
    assert main(["--check"]) == 0
    assert capsys.readouterr().out.count("mean abs diff") == len(samples.SAMPLES)
