"""Auditor pages (操作記録の閲覧): a filterable list of events and one event's detail.

Only the auditor role holds ``AUDIT_READ``; clerks and administrators are refused by
``PermissionMiddleware``. Every page shown is itself recorded, with the filters used.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from juki.security.access import requires
from juki.security.roles import Function

from .chain import event_hash, utc_iso
from .events import (
    EVENT_TYPE_LABELS,
    OUTCOME_LABELS,
    EventType,
    Outcome,
    event_type_label,
    outcome_label,
)
from .log import person_target, record_request
from .models import AuditEvent, AuditEventTarget

PAGE_SIZE = 50
FILTERS = ("staff_id", "terminal_id", "function", "event_type", "outcome", "person_id", "date_from", "date_to")


class EventFilterForm(forms.Form):
    """操作記録の絞り込み条件."""

    staff_id = forms.CharField(label="職員ID", required=False, max_length=64)
    terminal_id = forms.CharField(label="端末ID", required=False, max_length=64)
    function = forms.CharField(label="機能・画面", required=False, max_length=64)
    event_type = forms.TypedChoiceField(label="種別", required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(
        label="結果", required=False, choices=[("", "すべて"), *OUTCOME_LABELS.items()],
    )
    person_id = forms.CharField(label="対象者（宛名番号）", required=False, max_length=32)
    date_from = forms.DateField(label="期間（開始日）", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="期間（終了日）", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "すべて")] + [  # type: ignore[attr-defined]  # a ChoiceField
            (int(t), f"{t.value} {EVENT_TYPE_LABELS.get(t, t.name)}") for t in EventType
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("期間の開始日は終了日以前の日付を指定してください。", code="AUDIT_DATE_RANGE")
        for name in ("staff_id", "terminal_id", "function", "person_id"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the municipality's time zone (Asia/Tokyo)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _filtered(data: dict[str, Any]) -> Any:
    qs = AuditEvent.objects.all()
    for name in ("staff_id", "terminal_id", "function", "outcome"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    if data.get("event_type") is not None:
        qs = qs.filter(event_type=data["event_type"])
    if data.get("person_id"):
        qs = qs.filter(pk__in=AuditEventTarget.objects.filter(person_id=person_target(data["person_id"])).values("event_id"))
    if data.get("date_from"):
        qs = qs.filter(occurred_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(occurred_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
    return qs


def _criteria(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in FILTERS if data.get(k) not in (None, "")}
    for k in ("date_from", "date_to"):
        if k in out:
            out[k] = out[k].isoformat()
    return out


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "type_label": event_type_label(event.event_type),
        "outcome_label": outcome_label(event.outcome),
        "targets": event.targets or [],
    }


@requires(Function.AUDIT_READ)
def event_list(request: HttpRequest) -> HttpResponse:
    """操作記録の一覧: newest first, 50 a page, paged by sequence number (fast on any size)."""
    form = EventFilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "rows": [], "searched": False}
    if request.GET and not form.is_valid():
        record_request(request, EventType.AUDIT_LOG_SEARCHED, action="search", function=Function.AUDIT_READ,
                       outcome=Outcome.ERROR, criteria={k: request.GET.get(k, "") for k in FILTERS if request.GET.get(k)},
                       detail={"errors": sorted(form.errors)})
        return render(request, "audit/event_list.html", context, status=400)

    data = form.cleaned_data if request.GET else {}
    qs = _filtered(data)
    if data.get("after") is not None:
        page = list(qs.filter(seq__gt=data["after"]).order_by("seq")[: PAGE_SIZE + 1])
        has_newer = len(page) > PAGE_SIZE
        page = list(reversed(page[:PAGE_SIZE]))
        has_older = qs.filter(seq__lt=page[-1].seq).exists() if page else False
    else:
        if data.get("before") is not None:
            qs_page = qs.filter(seq__lt=data["before"])
        else:
            qs_page = qs
        page = list(qs_page.order_by("-seq")[: PAGE_SIZE + 1])
        has_older = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        has_newer = data.get("before") is not None and bool(page) and qs.filter(seq__gt=page[0].seq).exists()

    base = _criteria(data)  # the filters, carried from page to page
    criteria = {**base, **{k: data[k] for k in ("before", "after") if data.get(k) is not None}}
    context.update({
        "rows": [_row(e) for e in page],
        "searched": bool(base),
        "older_url": "?" + urlencode({**base, "before": page[-1].seq}) if page and has_older else None,
        "newer_url": "?" + urlencode({**base, "after": page[0].seq}) if page and has_newer else None,
        "latest_url": "?" + urlencode(base) if data.get("before") is not None or data.get("after") is not None else None,
    })
    record_request(
        request, EventType.AUDIT_LOG_SEARCHED, action="search", function=Function.AUDIT_READ,
        targets=[data["person_id"]] if data.get("person_id") else (), criteria=criteria or None,
        detail={"shown": len(page), "seq_from": page[-1].seq if page else None, "seq_to": page[0].seq if page else None},
    )
    return render(request, "audit/event_list.html", context)


@requires(Function.AUDIT_READ)
def event_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """操作記録の詳細: every field, the hashes, and whether this one link verifies."""
    event = AuditEvent.objects.filter(seq=seq).order_by("id").first()
    if event is None:
        raise Http404("該当する操作記録はありません。")
    fields = {
        "seq": event.seq, "occurred_at": utc_iso(event.occurred_at), "event_type": event.event_type,
        "action": event.action, "function": event.function, "staff_id": event.staff_id,
        "terminal_id": event.terminal_id, "ip": event.ip, "targets": event.targets, "purpose": event.purpose,
        "outcome": event.outcome, "criteria": event.criteria, "detail": event.detail,
    }
    previous = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    context = {
        "event": event,
        "type_label": event_type_label(event.event_type),
        "outcome_label": outcome_label(event.outcome),
        "hash_ok": event_hash(fields, event.prev_hash) == event.hash,
        "link_ok": (previous == event.prev_hash) if seq > 1 else event.prev_hash == "0" * 64,
        "criteria_json": json.dumps(event.criteria, ensure_ascii=False, indent=2) if event.criteria is not None else "",
        "detail_json": json.dumps(event.detail, ensure_ascii=False, indent=2) if event.detail is not None else "",
        "has_next": AuditEvent.objects.filter(seq=seq + 1).exists(),
    }
    record_request(request, EventType.AUDIT_EVENT_VIEWED, action="view", function=Function.AUDIT_READ,
                   detail={"seq": event.seq, "event_id": event.pk})
    return render(request, "audit/event_detail.html", context)
