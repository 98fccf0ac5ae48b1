"""The page frame every certificate shares, its stylesheet and pagination.

Every page carries, whatever the document: the title, the issuance number (交付番号), the
verification code (照合番号) and a QR code of the verification URL (docs/certificates-verification.md), and the page
number as 「x／y」. The certification statement (認証文), the date in 和暦 and the mayor's title
and name close the last page.

Pages are separate HTML documents rendered as the pages of one PDF (one font subset for all)
by :mod:`juki.certificates.fastpdf`, which lays out exactly this module's elements with the
geometry of :data:`CSS` — change both together (tests/certificates/test_fastpdf.py compares
them with WeasyPrint, which renders anything fastpdf does not know). Each page is
filled to a measured height (:data:`PAGE_MM`), so a page's content never spills
over and the 「x／y」 numbering is known before rendering; :func:`juki.certificates.documents.render`
checks that the PDF has exactly the pages built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from juki.certificates.fonts import FONT_STACK

from .data import Issuer, date_text
from .options import Stamp

__all__ = ["CSS", "OMITTED", "Block", "Flow", "Row", "assemble", "e", "lines", "my_number_text", "name_row_mm", "page_html",
           "paginate", "qr_svg", "row", "table_block"]

#: What an item left out at the requester's choice prints as (標準仕様書: 「省略」).
OMITTED = "省略"

#: Height (mm) available to a page's body between the title and the verification footer, and
#: what the certification statement takes on the last page. Pages are filled by *measured*
#: text: every row knows how many lines its longest cell wraps to (:func:`lines`), with a
#: safety margin; the test suite renders the fullest pages and checks that none spills over.
PAGE_MM = 218.0
CERT_MM = 32.0

_PT = 0.3528  # mm per point
_LINE = 1.35  # line-height
_PAD = 1.4  # cell padding + border, mm

#: Value-cell widths (mm, padding excluded) by grid and colspan. "six": label/value × 3
#: (24 mm labels); "four": label/value × 2; "two": a 36 mm label and one value.
WIDTHS = {
    "six": {1: 33.5, 2: 94.0, 3: 94.0, 5: 155.0},
    "four": {1: 63.0, 3: 155.0},
    "two": {1: 142.0},
}
LABEL_MM = {"six": 21.0, "four": 21.0, "two": 33.0}


def text_em(text: str) -> float:
    """Width of ``text`` in em: half for narrow (ASCII, half-width) characters, nothing for
    variation selectors, one for the rest."""
    import unicodedata

    width = 0.0
    for ch in text:
        cp = ord(ch)
        if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
            continue
        width += 0.6 if unicodedata.east_asian_width(ch) in ("Na", "H", "N") else 1.0
    return width


def lines(text: str, width_mm: float, pt: float = 9.0) -> int:
    """How many lines ``text`` wraps to in a cell ``width_mm`` wide. Japanese text breaks
    between any two characters; text with Latin words gets 15 % slack for word breaks."""
    import math

    slack = 0.85 if any(ord(c) < 0x3000 for c in text) else 0.99
    return max(1, math.ceil(text_em(text) * pt * _PT / (width_mm * slack)))


def line_mm(n: int, pt: float = 9.0) -> float:
    return n * pt * _PT * _LINE + _PAD


class Row(str):
    """A table row's HTML that knows its height in mm."""

    mm: float

    def __new__(cls, html: str, mm: float) -> Row:
        obj = super().__new__(cls, html)
        obj.mm = mm
        return obj


CSS = """
@page { size: A4 portrait; margin: 12mm 14mm 12mm 14mm; }
html { font-family: @FONT_STACK@; font-size: 9pt; line-height: 1.35; color: #000; }
body { margin: 0; }
.head { height: 5mm; font-size: 8pt; }
.head .kind { float: left; }
.head .no { float: right; }
h1 { font-size: 18pt; text-align: center; letter-spacing: 0.4em; margin: 2mm 0 4mm 0; font-weight: normal; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
th, td { border: 0.5pt solid #000; padding: 0.6mm 1.5mm; vertical-align: middle; }
th { font-weight: normal; text-align: center; background: #eee; font-size: 8pt; }
table.hh { margin-bottom: 3mm; }
table.hh col.l { width: 24mm; }
table.block { margin-bottom: 2.5mm; }
col.l { width: 24mm; } col.v { width: auto; }
td.no { text-align: center; font-size: 10pt; }
td.name { font-size: 12pt; }
td.name .kana { display: block; font-size: 7pt; }
td.omit { text-align: center; letter-spacing: 0.3em; }
table.hist th, table.hist td { font-size: 7.5pt; padding: 0.4mm 1.2mm; }
table.hist col.d { width: 26mm; } table.hist col.r { width: 28mm; }
.cont { font-size: 8pt; margin: 0 0 1mm 0; }
.cert { margin-top: 6mm; }
.cert .statement { font-size: 10.5pt; margin: 0 0 3mm 0; }
.cert .date { margin: 0 0 2mm 8mm; font-size: 10.5pt; }
.cert .mayor { text-align: right; font-size: 12pt; margin: 0 14mm 0 0; letter-spacing: 0.1em; }
.query td { font-size: 11pt; padding: 2mm; }
.foot { position: fixed; left: 0; right: 0; bottom: 0; height: 22mm; border-top: 0.5pt solid #000;
        padding-top: 1.5mm; font-size: 7.5pt; }
.foot .qr { float: left; width: 20mm; height: 20mm; margin-right: 3mm; }
.foot .qr svg { width: 20mm; height: 20mm; }
.foot .verify { float: left; width: 120mm; }
.foot .verify .code { font-size: 10pt; letter-spacing: 0.1em; }
.foot .page { float: right; font-size: 9pt; }
""".replace("@FONT_STACK@", FONT_STACK)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def row(*cells: tuple[str, str] | tuple[str, str, int], omitted: Sequence[bool] = (), grid: str = "six") -> Row:
    """A row of label/value pairs: (label, value[, colspan of the value]). Values are escaped;
    an omitted value prints 「省略」. The row measures its own height."""
    parts = []
    height = 0.0
    for i, cell in enumerate(cells):
        label, value = cell[0], cell[1]
        span = cell[2] if len(cell) > 2 else 1
        attrs = f' colspan="{span}"' if span > 1 else ""
        height = max(height, line_mm(lines(label, LABEL_MM[grid], 8.0), 8.0))
        if i < len(omitted) and omitted[i]:
            parts.append(f'<th>{e(label)}</th><td class="omit"{attrs}>{OMITTED}</td>')
        else:
            parts.append(f"<th>{e(label)}</th><td{attrs}>{e(value)}</td>")
            height = max(height, line_mm(lines(str(value), WIDTHS[grid][span])))
    return Row("<tr>" + "".join(parts) + "</tr>", height)


def name_row_mm(name: str, width_mm: float) -> float:
    """The name cell: ふりがな (7 pt) above the name (12 pt)."""
    return 7 * _PT * _LINE + line_mm(lines(name, width_mm, 12.0), 12.0)


def my_number_text(number: str | None) -> str:
    """個人番号 grouped by four digits for reading; 「記載なし」 when the person has none."""
    if not number:
        return "記載なし"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


@functools.lru_cache(maxsize=64)
def qr_svg(url: str) -> str:
    """The verification URL as an inline SVG QR code (segno, error correction M)."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(omitsize=True, border=0)


@dataclass(frozen=True)
class Block:
    """A piece of a page body: ``html`` taking ``mm`` of the page's height."""

    html: str
    mm: float


def table_block(html_rows: Sequence[Row | str], *, cols: str, css_class: str = "block", extra_mm: float = 0.0,
                margin_mm: float = 2.5) -> Block:
    """A table of measured rows as a block (``extra_mm`` for rows that are plain strings)."""
    mm = sum(getattr(r, "mm", 0.0) for r in html_rows) + extra_mm + margin_mm
    return Block(f'<table class="{css_class}">{cols}<tbody>{"".join(html_rows)}</tbody></table>', mm)


@dataclass(frozen=True)
class Flow:
    """Rows that may be split across pages (a long history): ``wrap(rows_html, continued)``
    makes the HTML of one part; ``fixed_mm`` is what a part takes besides its rows."""

    rows: tuple[Row, ...]
    wrap: Callable[[str, bool], str]
    fixed_mm: float


def paginate(items: Sequence[Block | Flow], *, capacity: float = PAGE_MM, cert_mm: float = CERT_MM,
             ) -> list[list[Block]]:
    """Fill pages greedily in order; a :class:`Flow` fills the rest of the page and continues
    on the next ones. The last page keeps room for the certification statement (a page with
    the statement alone is added when it does not fit)."""
    pages: list[list[Block]] = [[]]
    used = 0.0

    def new_page() -> None:
        nonlocal used
        pages.append([])
        used = 0.0

    for item in items:
        if isinstance(item, Block):
            if pages[-1] and used + item.mm > capacity:
                new_page()
            pages[-1].append(item)
            used += item.mm
            continue
        rows = list(item.rows)
        continued = False
        while rows:
            room = capacity - used - item.fixed_mm
            chunk: list[Row] = []
            while rows and sum(r.mm for r in chunk) + rows[0].mm <= room:
                chunk.append(rows.pop(0))
            if not chunk:
                if pages[-1]:
                    new_page()  # the first part starts the next page: not a continuation
                    continue
                chunk.append(rows.pop(0))  # taller than a page: printed alone (render checks it)
            pages[-1].append(Block(item.wrap("".join(chunk), continued), sum(r.mm for r in chunk) + item.fixed_mm))
            used += pages[-1][-1].mm
            continued = True
            if rows:
                new_page()
    if used + cert_mm > capacity and pages[-1]:
        new_page()
    return pages


def page_html(*, title: str, kind: str, body: str, stamp: Stamp, issuer: Issuer, statement: str,
              page: int, pages: int) -> str:
    """One page: head, title, body, (last page) certification, and the verification footer."""
    cert = ""
    if page == pages:
        cert = (
            '<div class="cert">'
            f'<p class="statement">{e(statement)}</p>'
            f'<p class="date">{e(date_text(stamp.issued_on))}</p>'
            f'<p class="mayor">{e(issuer.mayor_title)}\u3000{e(issuer.mayor_name)}</p>'
            "</div>"
        )
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"/>'
        f"<title>{e(title)}</title></head><body>"
        f'<div class="head"><span class="kind">{e(kind)}</span>'
        f'<span class="no">交付番号\u3000{e(stamp.issuance_number)}</span></div>'
        f"<h1>{e(title)}</h1>{body}{cert}"
        '<div class="foot">'
        f'<div class="qr">{qr_svg(stamp.verification_url)}</div>'
        '<div class="verify">照合番号\u3000<span class="code">'
        f"{e(stamp.verification_code)}</span><br/>{e(stamp.verification_url)}<br/>"
        "この証明書の発行は、上記の照合番号又は二次元コードにより確認できます。</div>"
        f'<div class="page">{page}／{pages}</div>'
        "</div></body></html>"
    )


def assemble(*, title: str, kind: str, pages_blocks: list[list[Block]], stamp: Stamp, issuer: Issuer,
             statement: str, header: str = "") -> list[str]:
    """Pages from paginated blocks; ``header`` (e.g. the household's address) repeats on each."""
    total = len(pages_blocks)
    return [
        page_html(title=title, kind=kind, body=header + "".join(b.html for b in blocks), stamp=stamp,
                  issuer=issuer, statement=statement, page=i, pages=total)
        for i, blocks in enumerate(pages_blocks, start=1)
    ]
