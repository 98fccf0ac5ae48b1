"""The review report as CSV (点検報告CSV): staff IDs, counts and flags — no resident data.

One row per staff member. Columns: the period, the staff ID and roles, the counts, the search
key types with their counts (``氏名:3;生年月日:2``), then for each rule the number of flags, and
the number of flags not yet marked reviewed. Names of staff and residents and addressee numbers
are left out: the file is meant to travel to an interview or a committee.
"""

from __future__ import annotations

import csv
import io

from .report import Review, search_key_label
from .rules import RULE_LABELS

HEADER = ["期間開始", "期間終了", "職員ID", "役割", "検索", "照会", "印刷", "出力", "個人番号表示", "拒否", "検索条件の種類と件数",
          *[f"要確認:{label}" for label in RULE_LABELS.values()], "未点検の要確認事項"]


def review_csv(review: Review) -> str:
    """The CSV text (UTF-8 with BOM is added by the caller that writes bytes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in review.staff:
        per_rule = {rule: 0 for rule in RULE_LABELS}
        for f in line.flags:
            per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
        writer.writerow([
            review.period_start.isoformat(), review.period_end.isoformat(), line.staff_id, " ".join(line.roles),
            line.searches, line.views, line.prints, line.exports, line.reveals, line.denials,
            ";".join(f"{search_key_label(k)}:{n}" for k, n in sorted(line.search_keys.items())),
            *[per_rule[rule] for rule in RULE_LABELS], line.unreviewed,
        ])
    return out.getvalue()
