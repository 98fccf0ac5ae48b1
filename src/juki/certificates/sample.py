"""Sample pages for the renderer's tests and the bench.

:func:`certificate_page` is the real thing: page 1 of a 住民票の写し 世帯連記式 for four
members with IVS names, built by the certificate documents (:mod:`juki.certificates.documents`:
options, 「省略」, certification statement, verification code and QR code) from fixed sample
data. The bench measures it.

:func:`household_page_html` is the simpler page the renderer was first measured on (no QR
code, no options); the renderer's pixel tests (optimised vs naive render) still use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from juki.certificates.fonts import FONT_STACK

__all__ = ["HouseholdMember", "certificate_page", "household_page_html", "sample_members", "HOUSEHOLD_CSS"]


@dataclass(frozen=True)
class HouseholdMember:
    """One row of the 世帯連記式 table. Dates are already formatted (和暦, plain text)."""

    name: str  # 氏名 as registered, IVS included
    kana: str  # ふりがな
    birth: str  # 生年月日 (e.g. "昭和55年5月1日")
    sex: str  # 性別 (男 / 女)
    relationship: str  # 続柄 (世帯主, 妻, 子 ...)
    resident_since: str  # 住民となった日


def sample_members() -> list[HouseholdMember]:
    """Four obviously synthetic members whose names carry registered IVS variants."""
    return [
        HouseholdMember(
            "辻\U000e0102　太郎", "つじ　たろう", "昭和55年5月1日", "男", "世帯主", "平成22年4月1日"
        ),
        HouseholdMember(
            "辻\U000e0103　花子", "つじ　はなこ", "昭和57年11月23日", "女", "妻", "平成22年4月1日"
        ),
        HouseholdMember(
            "辻\U000e0102　一郎", "つじ　いちろう", "平成24年2月29日", "男", "子", "平成24年2月29日"
        ),
        HouseholdMember(
            "渡邉\U000e0110　美咲",
            "わたなべ　みさき",
            "平成27年8月15日",
            "女",
            "子",
            "平成27年8月15日",
        ),
    ]


HOUSEHOLD_CSS = """
@page { size: A4 portrait; margin: 18mm 16mm 20mm 16mm; }
html { font-family: @FONT_STACK@; font-size: 10.5pt; line-height: 1.5; color: #000; }
h1 { font-size: 20pt; text-align: center; letter-spacing: 0.5em; margin: 0 0 6mm 0; font-weight: normal; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
th, td { border: 0.6pt solid #000; padding: 1.2mm 2mm; vertical-align: top; }
th { font-weight: normal; text-align: center; }
table.head th { width: 28mm; }
table.members { margin-top: 4mm; }
col.no { width: 12mm; } col.name { width: 52mm; } col.sex { width: 12mm; } col.rel { width: 16mm; }
td.no, td.c { text-align: center; }
td.name { font-size: 13pt; }
.kana { font-size: 8pt; display: block; }
.statement { margin-top: 10mm; }
.issuer { margin-top: 6mm; text-align: right; font-size: 12pt; }
.number { position: absolute; top: 0; right: 0; font-size: 8pt; }
""".replace("@FONT_STACK@", FONT_STACK)


def household_page_html(
    members: Sequence[HouseholdMember],
    *,
    address: str = "東京都千代田区霞が関一丁目2番3号",
    previous_address: str = "大阪府大阪市北区中之島一丁目3番20号",
    householder: str | None = None,
    issued_on: str = "令和8年11月22日",
    issue_number: str = "第000123号",
    mayor: str = "千代田区長　見本　太郎",
    include_style: bool = True,
) -> str:
    """HTML of one 住民票の写し 世帯連記式 page for ``members`` (whole household).

    With ``include_style=False`` the page carries no ``<style>`` element: the caller passes
    :data:`HOUSEHOLD_CSS` (or its own) to the renderer once, which lets it be parsed once.
    """
    e = escape
    head_name = householder if householder is not None else (members[0].name if members else "")
    rows = []
    for i, m in enumerate(members, start=1):
        rows.append(
            "<tr>"
            f'<td class="no">{i}</td>'
            f'<td class="name"><span class="kana">{e(m.kana)}</span>{e(m.name)}</td>'
            f"<td>{e(m.birth)}</td>"
            f'<td class="c">{e(m.sex)}</td>'
            f'<td class="c">{e(m.relationship)}</td>'
            f"<td>{e(m.resident_since)}</td>"
            "</tr>"
        )
    style = f"<style>{HOUSEHOLD_CSS}</style>" if include_style else ""
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"/>'
        f"<title>住民票の写し</title>{style}</head><body>"
        f'<div class="number">{e(issue_number)}</div>'
        "<h1>住民票の写し</h1>"
        '<table class="head">'
        f"<tr><th>住所</th><td>{e(address)}</td></tr>"
        f"<tr><th>世帯主</th><td>{e(head_name)}</td></tr>"
        f"<tr><th>転入前住所</th><td>{e(previous_address)}</td></tr>"
        "</table>"
        '<table class="members"><colgroup><col class="no"/><col class="name"/><col class="birth"/>'
        '<col class="sex"/><col class="rel"/><col class="since"/></colgroup>'
        "<thead><tr><th>番号</th><th>氏名</th><th>生年月日</th><th>性別</th><th>続柄</th>"
        "<th>住民となった日</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="statement">この写しは、住民票の原本と相違ないことを証明する。</p>'
        f'<p class="issuer">{e(issued_on)}<br/>{e(mayor)}</p>'
        "</body></html>"
    )


def certificate_page() -> tuple[str, str]:
    """(HTML, CSS) of a real 4-person 住民票の写し 世帯連記式 page with IVS names (辻 U+E0102 and
    U+E0103, 邉 U+E0110), as the certificate documents build it; the CSS is passed to the
    renderer separately (parsed once)."""
    from juki.certificates.documents import CSS, samples

    (page,) = samples.sample_pages("copy_household")
    return page, CSS
