"""Fixtures of the certificate-document tests: a small synthetic city and fixed stamps."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from tests.register.factories import add_household, small_city

from juki.certificates import fonts
from juki.certificates.documents import Stamp
from juki.identifiers import resident_code

STAMP = Stamp(issuance_number="R08-000777", issued_on=dt.date(2026, 11, 22),
              verification_code="TEST-CODE-0001", verification_url="https://juki.example.jp/verify/TEST-CODE-0001")
TSUJI_1DOT = "辻\U000e0102"  # MJ025760
TSUJI_2DOT = "辻\U000e0103"  # MJ025761


def code(body: str) -> str:
    return body + resident_code.check_digit(body)


def flat(text: str) -> str:
    """Extracted text without variation selectors and whitespace (extraction varies)."""
    return "".join(ch for ch in text if not fonts.is_variation_selector(ord(ch)) and not ch.isspace())


def page_texts(pdf: bytes, tmp: Path) -> list[str]:
    """The text of each page (pdftotext), flattened."""
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return [flat(page) for page in out.split("\f") if page.strip()]


def tsuji_household(city):
    """辻 family: householder with 辻 E0102, wife with 辻 E0103, a child; domicile and codes set."""
    common = {"family_name_kana": "ツジ", "domicile": "秋田県秋田市山王一丁目1番", "domicile_head": f"{TSUJI_1DOT}\u3000太郎",
              "pre_move_in_address": "大阪府大阪市北区中之島一丁目3番20号"}
    return add_household(city, [
        {**common, "family_name": TSUJI_1DOT, "given_name": "太郎", "given_name_kana": "タロウ",
         "resident_code": code("1234567890")},
        {**common, "family_name": TSUJI_2DOT, "given_name": "花子", "given_name_kana": "ハナコ", "sex": 2,
         "relationship": "wife", "resident_code": code("2345678901")},
        {**common, "family_name": TSUJI_1DOT, "given_name": "一郎", "given_name_kana": "イチロウ",
         "resident_code": code("3456789012")},
    ])


def removed_household(city, *, reason: str = "move_out"):
    removed = {"status": "removed", "removal_reason": reason, "removed_on": dt.date(2026, 3, 31),
               "removal_notified_on": dt.date(2026, 3, 20), "retention_until": dt.date(2176, 3, 31),
               "planned_move_out_address": "東京都千代田区霞が関一丁目2番3号",
               "planned_move_out_on": dt.date(2026, 3, 31), "planned_move_out_notified_on": dt.date(2026, 3, 20),
               "domicile": "秋田県秋田市旭北栄町1番", "domicile_head": "転出　一郎"}
    return add_household(city, [
        {**removed, "family_name": "転出", "given_name": "一郎", "family_name_kana": "テンシュツ",
         "given_name_kana": "イチロウ", "resident_code": code("5678901234")},
        {**removed, "family_name": "転出", "given_name": "二郎", "family_name_kana": "テンシュツ",
         "given_name_kana": "ジロウ"},
    ], block=2, banchi="5番5号")


def foreign_household(city):
    return add_household(city, [{
        "resident_kind": "foreign", "family_name": "SMITH", "given_name": "JOHN", "family_name_kana": "スミス",
        "given_name_kana": "ジョン", "alphabet_name": "SMITH JOHN", "nationality": "アメリカ合衆国",
        "nationality_code": "US", "foreign_category": "mid_long_term", "residence_status": "student",
        "stay_years": 2, "stay_expires_on": dt.date(2027, 4, 1), "residence_card_no": "AB12345678CD",
        "residence_card_kind": "residence_card",
    }], block=1, banchi="3番3号")


__all__ = ["STAMP", "TSUJI_1DOT", "TSUJI_2DOT", "code", "flat", "foreign_household", "page_texts",
           "removed_household", "small_city", "tsuji_household"]
