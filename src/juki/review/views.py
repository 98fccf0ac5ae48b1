"""Access review screens (アクセス記録の点検), mounted under /audit/review/.

Only auditors hold ``AUDIT_REVIEW``. The report page, the CSV download and every mark are
recorded in the audit log (``AUDIT_REVIEW_VIEWED``, ``AUDIT_REVIEW_EXPORTED`` with
``format`` csv or pdf, ``AUDIT_REVIEW_MARKED``) with the period; the log entries carry no resident data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from juki.audit.events import EventType, Outcome
from juki.audit.log import record_request
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security.access import requires
from juki.security.roles import Function
from juki.web.downloads import attachment

from .export import review_csv
from .marks import do_mark_flag_reviewed
from .pdf import review_pdf
from .report import Review, build_review, month_period
from .rules import RULE_LABELS

MAX_DAYS = 366


class PeriodForm(forms.Form):
    """点検期間: a month, or a range of days."""

    month = forms.RegexField(label="対象月", required=False, regex=r"^\d{4}-(0[1-9]|1[0-2])$",
                             widget=forms.TextInput(attrs={"type": "month"}),
                             error_messages={"invalid": "対象月は YYYY-MM の形式で入力してください。"})
    date_from = forms.DateField(label="期間（開始日）", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="期間（終了日）", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("month"):
            year, month = map(int, data["month"].split("-"))
            data["period"] = month_period(year, month)
        elif start or end:
            if not (start and end):
                raise forms.ValidationError("期間は開始日と終了日の両方を指定してください。", code="REVIEW_PERIOD")
            if start > end:
                raise forms.ValidationError("期間の開始日は終了日以前の日付を指定してください。", code="REVIEW_PERIOD")
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(f"期間は{MAX_DAYS}日以内で指定してください。", code="REVIEW_PERIOD")
            data["period"] = (start, end)
        else:
            today = clock.today()
            data["period"] = month_period(today.year, today.month)
        return data


def _period_query(period: tuple[dt.date, dt.date]) -> str:
    return urlencode({"date_from": period[0].isoformat(), "date_to": period[1].isoformat()})


def _summary(review: Review) -> dict[str, Any]:
    return {"staff": len(review.staff), "flags": len(review.flags),
            "unreviewed": sum(1 for f in review.flags if not f.reviewed)}


def _invalid(request: HttpRequest, form: PeriodForm, event: EventType) -> HttpResponse:
    record_request(request, event, action="view" if event == EventType.AUDIT_REVIEW_VIEWED else "export",
                   function=Function.AUDIT_REVIEW, outcome=Outcome.ERROR,
                   criteria={k: request.GET.get(k, "")[:20] for k in ("month", "date_from", "date_to")
                             if request.GET.get(k)},
                   detail={"errors": sorted(form.errors)})
    return render(request, "audit/review_report.html", {"form": form, "review": None}, status=400)


@requires(Function.AUDIT_REVIEW)
def review_report(request: HttpRequest) -> HttpResponse:
    """点検報告: per staff member, the counts and the flags of the period, each markable."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _invalid(request, form, EventType.AUDIT_REVIEW_VIEWED)
    period = form.cleaned_data["period"]
    review = build_review(*period)
    record_request(request, EventType.AUDIT_REVIEW_VIEWED, action="view", function=Function.AUDIT_REVIEW,
                   criteria={"period_start": period[0].isoformat(), "period_end": period[1].isoformat()},
                   detail=_summary(review))
    context = {
        "form": form,
        "review": review,
        "period_query": _period_query(period),
        "rule_labels": RULE_LABELS,
    }
    return render(request, "audit/review_report.html", context)


#: The review's files: how each is made from the review, and its content type.
_REVIEW_FILES: dict[str, tuple[Callable[[Review], bytes], str]] = {
    "csv": (lambda review: ("\ufeff" + review_csv(review)).encode("utf-8"), "text/csv; charset=utf-8"),
    "pdf": (review_pdf, "application/pdf"),
}


def _review_file(request: HttpRequest, fmt: str) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _invalid(request, form, EventType.AUDIT_REVIEW_EXPORTED)
    period = form.cleaned_data["period"]
    review = build_review(*period)
    make, content_type = _REVIEW_FILES[fmt]
    body = make(review)
    record_request(request, EventType.AUDIT_REVIEW_EXPORTED, action="export", function=Function.AUDIT_REVIEW,
                   criteria={"period_start": period[0].isoformat(), "period_end": period[1].isoformat()},
                   detail={**_summary(review), "format": fmt})
    return attachment(body, content_type=content_type,
                      filename=f"access-review-{period[0].isoformat()}-{period[1].isoformat()}.{fmt}")


@requires(Function.AUDIT_REVIEW)
def review_csv_download(request: HttpRequest) -> HttpResponse:
    """点検報告CSV: staff IDs, counts and flags (no resident data)."""
    return _review_file(request, "csv")


@requires(Function.AUDIT_REVIEW)
def review_pdf_download(request: HttpRequest) -> HttpResponse:
    """点検報告書PDF (A4): the counts, the flags and the reviewers' marks, for filing."""
    return _review_file(request, "pdf")


@requires(Function.AUDIT_REVIEW)
def review_mark(request: HttpRequest) -> HttpResponse:
    """確認済みにする: store the auditor's comment on one flag (POST), then back to the report."""
    if request.method != "POST":
        return redirect("audit-review")
    form = PeriodForm(request.POST)
    if not form.is_valid() or not (request.POST.get("date_from") and request.POST.get("date_to")):
        messages.error(request, "点検期間の指定が正しくありません。")
        return redirect("audit-review")
    period: tuple[dt.date, dt.date] = form.cleaned_data["period"]
    back = reverse("audit-review") + "?" + _period_query(period)
    try:
        do_mark_flag_reviewed(*period, request.POST.get("flag_key", ""), request.POST.get("comment", ""),
                              actor=Actor.from_request(request))
    except JukiError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
        return redirect(back)
    messages.success(request, "要確認事項を確認済みにしました。")
    return redirect(back)
