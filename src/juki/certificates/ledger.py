"""The daily issuance ledger (交付簿の日報): every certificate issued, reprinted or voided on a day.

:func:`daily_ledger` lists, for one calendar day (Asia/Tokyo), the ledger rows issued that day
and those voided that day (even if issued earlier): issuance number, time, document type, staff,
requester type, the persons as addressee numbers (never names), copies, fee and status; with
totals by document type and the day's fees. :func:`ledger_csv` and :func:`ledger_pdf` render it
for download; auditing is the view's job (``CERTIFICATE_LEDGER_VIEWED`` / ``_EXPORTED``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from juki.core import clock
from juki.core.errors import ValidationFailed
from juki.register.models.person import ADDRESSEE_NO_DIGITS

from .models import Certificate, CertificateStatus, DocumentType, RequesterType


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def parse_day(text: str | None) -> dt.date:
    """``YYYY-MM-DD`` (default: today)."""
    if not text:
        return clock.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("CERTIFICATE_LEDGER_DATE", "日付は YYYY-MM-DD の形式で入力してください。",
                               field="date") from None


@dataclass(frozen=True)
class LedgerRow:
    cert: Certificate
    event: str  # 交付 / 再交付 / 無効
    at: dt.datetime  # local time of the event
    document_label: str
    requester_label: str
    persons: list[str]
    copies: int
    fee_yen: int  # fee charged on this day by this row (0 for a void)
    status_label: str

    @property
    def subject_count(self) -> int:
        return len(self.persons)


@dataclass
class TypeTotal:
    label: str
    issued: int = 0
    reprinted: int = 0
    voided: int = 0
    copies: int = 0
    fee_yen: int = 0


@dataclass
class Ledger:
    day: dt.date
    rows: list[LedgerRow] = field(default_factory=list)
    totals: list[TypeTotal] = field(default_factory=list)

    @property
    def fee_total(self) -> int:
        return sum(t.fee_yen for t in self.totals)

    @property
    def count(self) -> int:
        return len(self.rows)


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def daily_ledger(day: dt.date) -> Ledger:
    """The ledger of ``day``: issues and reprints of the day, then voids of the day, by time."""
    start, end = _bounds(day)
    qs = (Certificate.objects.select_related("request", "reprint_of").defer("pdf_enc", "request__subject_query")
          .filter(Q(issued_at__gte=start, issued_at__lt=end) | Q(voided_at__gte=start, voided_at__lt=end)))
    rows: list[LedgerRow] = []
    totals: OrderedDict[str, TypeTotal] = OrderedDict(
        (str(v), TypeTotal(str(label))) for v, label in DocumentType.choices)
    for cert in qs:
        common: dict[str, Any] = dict(document_label=_label(DocumentType, cert.document_type),
                      requester_label=_label(RequesterType, cert.request.requester_type),
                      persons=[f"{int(p):0{ADDRESSEE_NO_DIGITS}d}" for p in cert.person_ids],
                      status_label=_label(CertificateStatus, cert.status))
        total = totals.setdefault(cert.document_type, TypeTotal(common["document_label"]))
        if start <= cert.issued_at < end:
            reprint = cert.reprint_of_id is not None
            copies = cert.request.copies
            rows.append(LedgerRow(cert=cert, event="再交付" if reprint else "交付",
                                  at=timezone.localtime(cert.issued_at), copies=copies, fee_yen=cert.fee_yen,
                                  **common))
            if reprint:
                total.reprinted += 1
            else:
                total.issued += 1
            total.copies += copies
            total.fee_yen += cert.fee_yen
        if cert.voided_at is not None and start <= cert.voided_at < end:
            rows.append(LedgerRow(cert=cert, event="無効", at=timezone.localtime(cert.voided_at), copies=0,
                                  fee_yen=0, **common))
            total.voided += 1
    rows.sort(key=lambda r: (r.at, r.cert.issuance_number))
    return Ledger(day=day, rows=rows, totals=[t for t in totals.values() if t.issued or t.reprinted or t.voided])


CSV_HEADER = ["交付番号", "日時", "区分", "証明書の種類", "交付職員", "請求者の区分", "対象者数", "対象者の宛名番号",
              "通数", "手数料（円）", "手数料免除事由", "状態", "再交付元", "無効にした職員", "無効の理由"]


def ledger_csv(ledger: Ledger) -> bytes:
    """The day's ledger as CSV (UTF-8 with BOM, CRLF), with the totals after the rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"# 交付簿 {ledger.day.isoformat()} 作成 {timezone.localtime(clock.now()).isoformat(timespec='seconds')}"])
    w.writerow(CSV_HEADER)
    for r in ledger.rows:
        c = r.cert
        w.writerow([c.issuance_number, r.at.strftime("%Y-%m-%d %H:%M:%S"), r.event, r.document_label, c.issued_by,
                    r.requester_label, r.subject_count, " ".join(r.persons), r.copies, r.fee_yen,
                    c.request.fee_exemption if r.event == "交付" else "", r.status_label,
                    c.reprint_of.issuance_number if c.reprint_of is not None else "",
                    c.voided_by if r.event == "無効" else "", c.void_reason if r.event == "無効" else ""])
    w.writerow([])
    w.writerow(["# 種類別集計", "証明書の種類", "交付", "再交付", "無効", "通数", "手数料（円）"])
    for t in ledger.totals:
        w.writerow(["", t.label, t.issued, t.reprinted, t.voided, t.copies, t.fee_yen])
    w.writerow(["", "合計", sum(t.issued for t in ledger.totals), sum(t.reprinted for t in ledger.totals),
                sum(t.voided for t in ledger.totals), sum(t.copies for t in ledger.totals), ledger.fee_total])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")




def ledger_pdf(ledger: Ledger) -> bytes:
    """交付簿 (A4 landscape PDF) for the day, with the certificate renderer."""
    from .render import REPORT_PRINT_CSS, render_pdf

    html = render_to_string("certificates/ledger_print.html", {
        "ledger": ledger, "generated_at": timezone.localtime(clock.now())})
    return render_pdf(html, css=REPORT_PRINT_CSS)
