"""The disclosure document (開示文書) as an A4 PDF, rendered with the certificate renderer.

:func:`document_pdf` fills the print template ``disclosure/document_print.html`` with a
:class:`~juki.disclosure.document.DisclosureDocument` and renders it with
:func:`juki.certificates.render.render_pdf`, so names print glyph for glyph in IPAmj明朝
(docs/decisions/0004-pdf-rendering.md). It does not audit: the document comes from
:func:`juki.disclosure.document.disclosure_document`, which records ``DISCLOSURE_DOCUMENT``.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from juki.certificates.fonts import FONT_STACK
from juki.certificates.render import render_pdf

from .document import DisclosureDocument

#: Print stylesheet: A4 portrait, the certificate font stack, fixed table layout.
DOCUMENT_PRINT_CSS = """
@page { size: A4 portrait; margin: 15mm 12mm 16mm 12mm;
        @bottom-center { content: "開示請求番号 " string(request-no) "　" counter(page) " / " counter(pages);
                         font-size: 8pt; } }
html { font-family: @FONT_STACK@; font-size: 8.5pt; line-height: 1.45; color: #000; }
body { margin: 0; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 4mm 0; font-weight: normal; letter-spacing: 0.1em; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm 0; border-bottom: 0.6pt solid #000; }
h3 { font-size: 9.5pt; margin: 2.5mm 0 1mm 0; }
p { margin: 1mm 0; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; margin-bottom: 2mm; }
th, td { border: 0.5pt solid #000; padding: 0.8mm 1.2mm; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { font-weight: normal; background: #eee; }
table.items th { width: 36mm; }
tr { break-inside: avoid; }
.request-no { string-set: request-no content(); }
.note { font-size: 7.5pt; }
""".replace("@FONT_STACK@", FONT_STACK)


def document_pdf(doc: DisclosureDocument) -> bytes:
    """開示文書 (PDF bytes) for an already assembled and audited document."""
    html = render_to_string("disclosure/document_print.html", {"doc": doc})
    return render_pdf(html, css=DOCUMENT_PRINT_CSS)
