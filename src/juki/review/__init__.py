"""Access review (アクセス記録の点検) for auditors: report, unusual-access rules, marks, CSV.

A layer above the register: it reads the audit log, the register, certificate requests and
protection measures. The marks are kept in the audit app's ``ReviewMark`` table.

- :func:`~juki.review.report.build_review` — counts and flags per staff member.
- :mod:`~juki.review.rules` — one plain function per flag rule.
- :func:`~juki.review.marks.do_mark_flag_reviewed` — the auditor's mark, audited.
- :func:`~juki.review.export.review_csv` — the report as CSV, without resident data.

Screens: juki.review.views (under /audit/review/); command: ``juki audit review --month YYYY-MM``.
See docs/privacy-review.md. (No imports here: Django imports this package while the app
registry is still loading.)
"""
