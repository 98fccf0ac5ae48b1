"""Access review (アクセス記録の点検) for auditors: report, unusual-access rules, marks, CSV.

- :func:`~juki.audit.review.report.build_review` — counts and flags per staff member.
- :mod:`~juki.audit.review.rules` — one plain function per flag rule.
- :func:`~juki.audit.review.marks.do_mark_flag_reviewed` — the auditor's mark, audited.
- :func:`~juki.audit.review.export.review_csv` — the report as CSV, without resident data.

Screens: juki.audit.views_review; command: ``juki audit review --month YYYY-MM``.
See docs/privacy-review.md.
"""

from .report import Flag, Review, StaffReview, build_review, month_period

__all__ = ["Flag", "Review", "StaffReview", "build_review", "month_period"]
