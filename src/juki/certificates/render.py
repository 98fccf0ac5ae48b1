"""HTML → PDF for certificates, with WeasyPrint (see docs/decisions/0004-pdf-rendering.md).

:func:`render_pdf` is the production path of every PDF except certificate pages, which
:mod:`juki.certificates.fastpdf` writes directly (ten times faster; it hands anything it does
not know back to :func:`render_documents_pdf`). What makes WeasyPrint fast, each measured by
:mod:`juki.tools.bench.certificates`:

- the *working font* (:func:`juki.certificates.fonts.working_font_path`) instead of the 46 MB
  IPAmj明朝: WeasyPrint copies the whole font out of HarfBuzz and subsets it for every PDF;
  a 6.4 MB pre-subset font with the same glyphs makes that step several times cheaper;
- one process-wide :class:`~weasyprint.text.fonts.FontConfiguration` holding the working
  font's ``@font-face`` (fontconfig set up once, not per document);
- stylesheets parsed once and cached by their text;
- a small user-agent stylesheet (:data:`CERTIFICATE_UA_CSS`) instead of WeasyPrint's full
  HTML5 one: the cascade matches far fewer rules per element. It keeps the HTML5 defaults
  for the elements certificate templates use (listed in the stylesheet); anything else
  (lists, forms, ``<pre>``) renders as plain inline text. Tests compare the optimised page
  with the naive render pixel for pixel.

The embedded font is still a per-document subset (only the glyphs on the page), so a PDF is
tens of kilobytes, and IVS glyphs are exactly those of IPAmj明朝 (the working font is closed
under variation sequences, and anything outside it falls back to the full font).

:func:`render_pdf_naive` is WeasyPrint out of the box on the full font: the baseline, and
the reference the optimised output is compared with in tests.
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections.abc import Sequence
from typing import Any

from juki.certificates import fonts

#: Stylesheet of the A4 landscape reports printed from the staff screens (交付簿, access review):
#: the certificate font stack, page numbers, ruled tables. Reports append their own rules.
REPORT_PRINT_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
html { font-family: @FONT_STACK@; font-size: 8.5pt; line-height: 1.4; color: #000; }
body { margin: 0; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 3mm 0; font-weight: normal; letter-spacing: 0.2em; }
h2 { font-size: 11pt; margin: 5mm 0 2mm 0; }
h3 { font-size: 9.5pt; margin: 3mm 0 1mm 0; }
p { margin: 1mm 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 2mm; }
th, td { border: 0.5pt solid #000; padding: 0.8mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: normal; background: #eee; text-align: center; }
td.n { text-align: right; }
tr { break-inside: avoid; }
""".replace("@FONT_STACK@", fonts.FONT_STACK)

__all__ = ["CERTIFICATE_UA_CSS", "render_pdf", "render_pages_pdf", "render_documents_pdf", "render_pdf_naive"]

#: User-agent stylesheet for certificate templates: the HTML5 defaults (as in WeasyPrint's
#: html5_ua.css) of the elements templates may use, and nothing else.
CERTIFICATE_UA_CSS = r"""
head, meta, title, style, script, link, template, [hidden] { display: none }
html, body, div, p, h1, h2, h3, section, header, footer, address { display: block }
html { color-scheme: light }
body { margin: 8px }
p { margin-top: 1em; margin-bottom: 1em }
h1 { margin-top: .67em; margin-bottom: .67em; font-size: 2em; font-weight: bold;
     hyphens: manual; break-after: avoid; break-inside: avoid }
h2 { margin-top: .83em; margin-bottom: .83em; font-size: 1.5em; font-weight: bold;
     hyphens: manual; break-after: avoid; break-inside: avoid }
h3 { margin-top: 1em; margin-bottom: 1em; font-size: 1.17em; font-weight: bold;
     hyphens: manual; break-after: avoid; break-inside: avoid }
b, strong, th { font-weight: bold }
small, sub, sup { font-size: smaller }
sub { vertical-align: sub } sup { vertical-align: super }
sub, sup { line-height: normal }
br::before { content: "\A"; white-space: pre-line }
img, svg { overflow: hidden }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate;
        text-indent: initial }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group } tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px }
thead, tbody, tfoot, table > tr { vertical-align: middle }
tr, td, th { vertical-align: inherit }
table, td, th { border-color: gray }
thead, tbody, tfoot, tr { border-color: inherit }
"""

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _setup() -> tuple[Any, Any, type]:
    """(FontConfiguration, @font-face CSS, HTML class) — built once per process."""
    from weasyprint import CSS, HTML
    from weasyprint.html import UA_COUNTER_STYLE
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    face = CSS(
        string=f'@font-face {{ font-family: "{fonts.WORKING_FAMILY}"; '
        f"src: url({fonts.working_font_path().as_uri()}); }}",
        font_config=config,
    )
    ua = CSS(string=CERTIFICATE_UA_CSS, counter_style=UA_COUNTER_STYLE)

    class CertificateHTML(HTML):
        # WeasyPrint 70 reads the UA stylesheets through this hook; the pin in
        # pyproject.toml and the pixel comparison with the naive render guard it.
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua]

    return config, face, CertificateHTML


def _release() -> None:
    """Drop the process-wide WeasyPrint objects while the interpreter is still whole
    (FontConfiguration.__del__ fails if it runs during interpreter shutdown)."""
    _stylesheet.cache_clear()
    _setup.cache_clear()


atexit.register(_release)


@functools.lru_cache(maxsize=32)
def _stylesheet(css: str) -> Any:
    from weasyprint import CSS

    config, _, _ = _setup()
    return CSS(string=css, font_config=config)


def _stylesheets(css: str | None) -> list[Any]:
    _, face, _ = _setup()
    return [face, _stylesheet(css)] if css else [face]


def render_pdf(html: str, *, css: str | None = None) -> bytes:
    """Render ``html`` (plus author ``css``, parsed once and cached) to PDF bytes.

    The document's CSS should use :data:`juki.certificates.fonts.FONT_STACK` as its
    ``font-family``. Thread-safe: the font configuration is shared, so renders are
    serialised within a process (use processes for parallelism).
    """
    with _lock:
        config, _, html_class = _setup()
        return html_class(string=html).write_pdf(stylesheets=_stylesheets(css), font_config=config)


def render_pages_pdf(pages: Sequence[str], *, css: str | None = None) -> bytes:
    """Render several HTML documents as the pages of one PDF (one font subset for all).

    For batch printing: the per-document costs (font subsetting, PDF assembly) are paid once.
    """
    return render_documents_pdf(pages, css=css)[0]


def render_documents_pdf(pages: Sequence[str], *, css: str | None = None) -> tuple[bytes, list[int]]:
    """Like :func:`render_pages_pdf`, also returning how many PDF pages each document took
    (a certificate page whose content spilled over takes two: its caller refuses it)."""
    if not pages:
        raise ValueError("no pages to render")
    with _lock:
        config, _, html_class = _setup()
        sheets = _stylesheets(css)
        documents = [
            html_class(string=page).render(stylesheets=sheets, font_config=config) for page in pages
        ]
        all_pages = [page for document in documents for page in document.pages]
        return documents[0].copy(all_pages).write_pdf(), [len(d.pages) for d in documents]


def render_pdf_naive(html: str, *, css: str | None = None) -> bytes:
    """WeasyPrint with defaults and the full 46 MB IPAmj明朝: the baseline for the bench."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    sheets = [CSS(string=css, font_config=config)] if css else []
    return HTML(string=html).write_pdf(stylesheets=sheets, font_config=config)
