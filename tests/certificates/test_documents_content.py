"""Certificate documents: what each document prints, read back from the PDF (pdftotext).

docs/certificates.md (documents: 和暦 date, certification statement, mayor's title and name, issuance
number), §2 (options: omitted items print 「省略」, My Number never by default, history on
request), §5 (exact glyphs: 辻 U+E0102 and U+E0103 are different registered glyphs) and §6
(verification code and QR code on every page).
"""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from juki.certificates import fonts
from juki.certificates.documents import Options, build_pages, render, validate
from juki.certificates.documents.layout import qr_svg
from juki.certificates.models import DocumentType

from . import _pdf
from ._documents import (
    STAMP,
    foreign_household,
    page_texts,
    removed_household,
    small_city,
    tsuji_household,
)

pytestmark = pytest.mark.django_db

TODAY = STAMP.issued_on


@pytest.fixture
def city():
    return small_city()


DEFAULT = Options()


def issue(doc, ids, options=DEFAULT, **kw):
    validate(doc, ids, options, on=TODAY, subject_query=kw.get("subject_query"))
    return render(doc, ids, options, STAMP, **kw)


def test_household_copy_prints_every_member_the_address_and_the_certification(city, tmp_path):
    members = tsuji_household(city)
    pdf, pages = issue(DocumentType.RESIDENT_COPY_HOUSEHOLD, [m.person_id for m in members])
    (text,) = page_texts(pdf, tmp_path)
    assert pages == 1
    for expected in ("住民票の写し", "世帯連記式（世帯全員）", "辻太郎", "辻花子", "辻一郎",
                     "秋田県秋田市山王一丁目1番1号", "大阪府大阪市北区中之島一丁目3番20号",  # 住所, 転入前住所
                     "昭和55年5月1日", "平成27年4月1日",  # 生年月日 and 住所を定めた日 in 和暦
                     "この写しは、住民票の原本と相違ないことを証明する。", "令和8年11月22日", "秋田市長試験太郎",
                     "交付番号R08-000777", "照合番号TEST-CODE-0001", "1／1"):
        assert expected in text, expected
    # Default options (住基法12条5項): 本籍・筆頭者, 住民票コード, 個人番号 left out, printed 「省略」.
    assert "秋田県秋田市山王一丁目1番筆頭者" not in text and "12345678906" not in text
    assert text.count("省略") == 3 * 4  # 本籍, 筆頭者, 住民票コード, 個人番号 for each of 3 members


def test_household_copy_prints_domicile_codes_and_my_number_only_when_asked(city, tmp_path):
    members = tsuji_household(city)
    ids = [m.person_id for m in members]
    numbers = {ids[0]: "123456789018"}
    opts = Options(domicile=True, resident_code=True, my_number=True)
    pdf, _ = issue(DocumentType.RESIDENT_COPY_HOUSEHOLD, ids[:1], opts, my_numbers=numbers)
    (text,) = page_texts(pdf, tmp_path)
    assert "世帯連記式（世帯一部）" in text
    assert "秋田県秋田市山王一丁目1番" in text and members[0].resident_code in text
    assert "123456789018" in text  # printed grouped by four digits
    assert "省略" not in text
    assert "辻花子" not in text  # not selected
    # The revealed numbers are not printed when the request did not ask for them.
    pdf, _ = issue(DocumentType.RESIDENT_COPY_HOUSEHOLD, ids[:1], Options(), my_numbers=numbers)
    assert "123456789018" not in page_texts(pdf, tmp_path)[0]


def test_my_number_option_without_the_revealed_numbers_is_a_programming_error(city):
    members = tsuji_household(city)
    with pytest.raises(ValueError):
        build_pages(DocumentType.RESIDENT_COPY_HOUSEHOLD, [members[0].person_id], Options(my_number=True), STAMP)


def test_householder_and_relationship_can_be_left_out(city, tmp_path):
    members = tsuji_household(city)
    pdf, _ = issue(DocumentType.RESIDENT_COPY_PERSONAL, [members[1].person_id],
                   Options(householder_and_relationship=False))
    (text,) = page_texts(pdf, tmp_path)
    assert "続柄省略" in text and "世帯主省略" in text
    assert "妻" not in text


def test_personal_copy_prints_one_person_per_page_numbered_x_of_y(city, tmp_path):
    members = tsuji_household(city)
    pdf, pages = issue(DocumentType.RESIDENT_COPY_PERSONAL, [members[0].person_id, members[1].person_id])
    first, second = page_texts(pdf, tmp_path)
    assert pages == 2
    assert "辻太郎" in first and "辻花子" not in first and "1／2" in first
    assert "辻花子" in second and "2／2" in second
    # The certification closes the last page; number and verification code are on every page.
    assert "相違ないことを証明する" not in first and "相違ないことを証明する" in second
    assert all("TEST-CODE-0001" in t and "R08-000777" in t for t in (first, second))


def test_every_page_carries_the_qr_code_of_the_verification_url(city):
    members = tsuji_household(city)
    pages = build_pages(DocumentType.RESIDENT_COPY_PERSONAL, [m.person_id for m in members], Options(), STAMP)
    assert len(pages) == 3
    assert all(qr_svg(STAMP.verification_url) in page for page in pages)
    assert qr_svg(STAMP.verification_url) != qr_svg("https://juki.example.jp/verify/OTHER")


def test_history_is_printed_only_on_request(city, tmp_path):
    (p,) = removed_household(city)[:1]
    pdf, _ = issue(DocumentType.REMOVED_COPY, [p.person_id])
    assert "異動事由" not in page_texts(pdf, tmp_path)[0]
    pdf, _ = issue(DocumentType.REMOVED_COPY, [p.person_id], Options(history=True))
    text = page_texts(pdf, tmp_path)[0]
    assert "異動日届出日異動事由記載内容" in text and "初期登録（移行）" in text


def test_foreign_resident_items_are_printed_only_when_asked(city, tmp_path):
    (p,) = foreign_household(city)
    pdf, _ = issue(DocumentType.RESIDENT_COPY_PERSONAL, [p.person_id])
    text = page_texts(pdf, tmp_path)[0]
    assert "SMITHJOHN" in text and "1980年5月1日" in text  # 西暦 for foreign residents
    assert "アメリカ合衆国" not in text and "AB12345678CD" not in text and "国籍・地域省略" in text
    assert "本籍" not in text  # 本籍・筆頭者 are Japanese residents' items (住基法7条5号)
    pdf, _ = issue(DocumentType.RESIDENT_COPY_PERSONAL, [p.person_id], Options(foreign_items=True))
    text = page_texts(pdf, tmp_path)[0]
    for expected in ("アメリカ合衆国", "留学", "2年（", "満了日", "中長期在留者", "AB12345678CD（在留カード）"):
        assert expected in text, expected


def test_entry_certificate_certifies_the_chosen_items_only(city, tmp_path):
    members = tsuji_household(city)
    pdf, _ = issue(DocumentType.ENTRY_CERTIFICATE, [members[0].person_id], Options(items=("birth", "address")))
    text = page_texts(pdf, tmp_path)[0]
    for expected in ("住民票記載事項証明書", "辻太郎", "生年月日昭和55年5月1日", "住所秋田県秋田市山王一丁目1番1号",
                     "上記の記載事項は、住民票の原本と相違ないことを証明する。"):
        assert expected in text, expected
    for absent in ("性別", "本籍", "続柄", "住民票コード", "転入前住所", "省略"):
        assert absent not in text, absent


def test_removed_copy_prints_the_removal_reason_and_date(city, tmp_path):
    (p, _) = removed_household(city)
    pdf, _ = issue(DocumentType.REMOVED_COPY, [p.person_id])
    text = page_texts(pdf, tmp_path)[0]
    for expected in ("除票の写し", "転出一郎", "消除事由転出", "消除日令和8年3月31日", "届出日令和8年3月20日",
                     "転出先東京都千代田区霞が関一丁目2番3号", "この写しは、除票の原本と相違ないことを証明する。"):
        assert expected in text, expected


def test_move_out_certificate_lists_the_members_moving_with_destination_and_domicile(city, tmp_path):
    a, b = removed_household(city)
    pdf, pages = issue(DocumentType.MOVE_OUT_CERTIFICATE, [a.person_id, b.person_id])
    text = page_texts(pdf, tmp_path)[0]
    assert pages == 1
    # 住基法施行令23条: 氏名, 生年月日, 性別, 世帯主・続柄, 本籍・筆頭者, 住民票コード, 転出先, 転出予定日.
    for expected in ("転出証明書", "転出一郎", "転出二郎", "転出先東京都千代田区霞が関一丁目2番3号",
                     "転出予定日令和8年3月31日", "秋田県秋田市旭北栄町1番", a.resident_code, "世帯主転出一郎",
                     "上記のとおり転出の届出があったことを証明する。", "個人番号省略"):
        assert expected in text, expected


def test_no_record_certificate_repeats_the_query_and_certifies_absence(city, tmp_path):
    tsuji_household(city)
    query = {"name": "見本　花子", "birth_date": "1985-06-01", "address": "秋田県秋田市山王一丁目9番9号"}
    pdf, _ = issue(DocumentType.NO_RECORD, [], subject_query=query)
    text = page_texts(pdf, tmp_path)[0]
    for expected in ("不在住証明書", "見本花子", "昭和60年6月1日", "秋田県秋田市山王一丁目9番9号",
                     "上記の者は、当市の住民基本台帳に記録されていないことを証明する。", "秋田市長試験太郎"):
        assert expected in text, expected


def test_two_ivs_variants_of_tsuji_are_different_registered_glyphs_in_the_document(city, tmp_path):
    """decision 0004: 辻 U+8FBB U+E0102 (MJ025760) for the householder and U+E0103
    (MJ025761) for his wife come out as the two registered glyphs of IPAmj明朝."""
    members = tsuji_household(city)
    pdf, _ = issue(DocumentType.RESIDENT_COPY_HOUSEHOLD, [m.person_id for m in members[:2]])
    full = TTFont(str(fonts.MJ_FONT_PATH), lazy=True)
    (embedded,) = [f for f in _pdf.embedded_fonts(pdf) if f["maxp"].numGlyphs > 1]
    shapes = {_pdf.outline(embedded, gid) for gid in set(_pdf.glyph_ids(pdf))}
    assert _pdf.outline(full, "mj025760") in shapes
    assert _pdf.outline(full, "mj025761") in shapes
    assert _pdf.outline(full, "mj025760") != _pdf.outline(full, "mj025761")
