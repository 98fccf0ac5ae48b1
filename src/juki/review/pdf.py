"""The access review report as an A4 PDF (点検報告書), rendered with the certificate renderer.

:func:`review_pdf` fills the print template ``audit/review_print.html`` (not the screen
template: no forms, no links) and renders it with :func:`juki.certificates.render.render_pdf`
(IPAmj明朝, see docs/decisions/0004-pdf-rendering.md). Like the CSV it holds staff IDs, counts,
flags and the reviewers' marks; the only resident data are the addressee numbers a flag names
(as on the screen), never names. Auditing is the caller's job (the view records
``AUDIT_REVIEW_EXPORTED`` with ``format: pdf``).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from juki.certificates.render import REPORT_PRINT_CSS, render_pdf
from juki.core import clock

from .report import Review

#: Print stylesheet: A4, the certificate font stack, fixed table layout (docs/decisions/0004).
REVIEW_PRINT_CSS = REPORT_PRINT_CSS + """
table { table-layout: fixed; }
table.head th { width: 30mm; text-align: left; }
.open { font-weight: bold; }
.note { font-size: 7.5pt; }
"""


def review_print_context(review: Review) -> dict[str, Any]:
    """What the print template shows: the period, the staff lines (shared table partial
    ``audit/_review_staff_table.html``), and every flag with its staff member's name."""
    flags = [{"flag": f, "scope": f.scope.replace("..", "〜"),
              "name": next((s.name for s in review.staff if s.staff_id == f.staff_id), "")}
             for f in review.flags]
    return {"review": review, "flags": flags,
            "unreviewed": sum(1 for f in review.flags if not f.reviewed),
            "generated_at": timezone.localtime(clock.now())}


def review_pdf(review: Review) -> bytes:
    """点検報告書 (PDF bytes) for ``review``."""
    html = render_to_string("audit/review_print.html", review_print_context(review))
    return render_pdf(html, css=REVIEW_PRINT_CSS)
