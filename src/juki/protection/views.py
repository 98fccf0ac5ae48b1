"""Protection screens (支援措置), mounted at /protection/. Only ``PROTECTION_MANAGE`` (支援措置担当).

Views parse the form, call one action (:mod:`.actions`) and show refusals with their code;
they never write themselves. Showing measure details (victims, offenders) is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from juki.audit.events import EventType
from juki.audit.log import person_target, record_request
from juki.certificates.models import DocumentType
from juki.core import clock
from juki.core.errors import JukiError
from juki.register.access import current_names_for_page
from juki.register.views.common import actor, error_page
from juki.security.access import logged_in_staff, requires
from juki.security.roles import Function

from . import actions, periods
from .checks import REQUESTER_TYPE_LABELS
from .forms import AcknowledgeForm, EndForm, RegisterForm, RenewForm
from .models import MeasureState, ProtectionAttempt, ProtectionMeasure

LIST_SIZE = 200
DOCUMENT_LABELS: dict[str, str] = dict(DocumentType.choices)
FUNCTION = Function.PROTECTION_MANAGE


def _error_text(exc: JukiError) -> str:
    return f"{exc.message}（エラーコード: {exc.code}）"


def _names(person_ids: set[int]) -> dict[int, str]:
    return current_names_for_page(sorted(person_ids))


def _row(m: ProtectionMeasure, names: dict[int, str], today: Any) -> dict[str, Any]:
    state = periods.display_state(state=m.state, end_on=m.end_on, ended_on=m.ended_on, today=today)
    return {"measure": m, "state": state, "state_label": periods.DISPLAY_STATE_LABELS[state],
            "no": person_target(m.person_id), "name": names.get(m.person_id, ""),
            "days_left": (m.end_on - today).days}


def _audit_view(request: HttpRequest, action: str, persons: list[int], detail: dict[str, Any]) -> None:
    record_request(request, EventType.PROTECTION_MEASURE_VIEWED, action=action, function=FUNCTION.value,
                   targets=[person_target(p) for p in sorted(set(persons))][:100], detail=detail)


@requires(Function.PROTECTION_MANAGE)
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """支援措置の一覧: 確認待ち, 期限間近 (30日以内), 支援中, 期限切れ・終了."""
    today = clock.today()
    measures = list(ProtectionMeasure.objects.all()[:LIST_SIZE])
    names = _names({m.person_id for m in measures})
    rows = [_row(m, names, today) for m in measures]
    groups = [
        ("provisional", "確認待ち", [r for r in rows if r["state"] == "provisional"]),
        ("expiring", f"期限間近（{periods.EXPIRY_NOTICE_DAYS}日以内に終了）", [r for r in rows if r["state"] == "expiring"]),
        ("active", "支援中", [r for r in rows if r["state"] == "active"]),
        ("closed", "期限切れ・終了", [r for r in rows if r["state"] in ("expired", "ended")]),
    ]
    _audit_view(request, "list", [m.person_id for m in measures], {"count": len(measures)})
    unacknowledged = ProtectionAttempt.objects.filter(acknowledged_at__isnull=True).count()
    return render(request, "protection/list.html", {"groups": groups, "today": today,
                                                    "unacknowledged": unacknowledged})


@requires(Function.PROTECTION_MANAGE)
@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest) -> HttpResponse:
    """支援措置申出の登録（仮）. ``?person=<宛名番号>`` fills in the applicant."""
    initial = {"addressee_no": request.GET.get("person", "")[:10]}
    form = RegisterForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            m = actions.do_register_measure(
                d["addressee_no"], kind=d["kind"], applied_on=d["applied_on"], opinion_source=d["opinion_source"],
                opinion_note=d["opinion_note"], note=d["note"], members=form.member_list(),
                offenders=form.offenders(), actor=actor(request),
            )
        except JukiError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, f"支援措置 {m.pk} を登録しました。別の支援措置担当の確認により支援が始まります。")
            return redirect("protection-detail", measure_id=m.pk)
    return render(request, "protection/new.html", {"form": form, "error": error},
                  status=400 if (error or (request.method == "POST" and not form.is_valid())) else 200)


def _load(measure_id: int) -> ProtectionMeasure:
    m = ProtectionMeasure.objects.filter(pk=measure_id).first()
    if m is None:
        raise actions.measure_not_found(measure_id)
    return m


def _detail(request: HttpRequest, m: ProtectionMeasure, *, error: str = "", status: int = 200,
            renew_form: Any = None, end_form: Any = None) -> HttpResponse:
    today = clock.today()
    persons = sorted(m.persons.values_list("pk", flat=True))
    names = _names(set(persons))
    row = _row(m, {**names}, today)
    renewal = ProtectionMeasure.objects.filter(renewed_from=m).first()
    _audit_view(request, "view", persons, {"measure": m.pk})
    return render(request, "protection/detail.html", {
        "row": row, "m": m, "error": error,
        "persons": [{"no": person_target(p), "name": names.get(p, ""), "pk": p} for p in persons],
        "offenders": list(m.offenders.all()),
        "renewal": renewal,
        "can_confirm": m.state == MeasureState.PROVISIONAL and m.registered_by != logged_in_staff(request).staff_id,
        "can_renew": m.state == MeasureState.ACTIVE and renewal is None,
        "can_end": m.state != MeasureState.ENDED,
        "renew_form": renew_form or RenewForm(), "end_form": end_form or EndForm(),
        "attempts": list(m.attempts.all()[:50]),
    }, status=status)


@requires(Function.PROTECTION_MANAGE)
@require_GET
def measure_detail(request: HttpRequest, measure_id: int) -> HttpResponse:
    """支援措置の詳細（支援対象者・加害者・期間）と確認・延長・終了."""
    try:
        return _detail(request, _load(measure_id))
    except JukiError as exc:
        return error_page(request, exc)


def _after(request: HttpRequest, measure_id: int, call: Any, done: str, **forms_: Any) -> HttpResponse:
    try:
        result = call()
    except JukiError as exc:
        try:
            m = _load(measure_id)
        except JukiError as missing:
            return error_page(request, missing)
        return _detail(request, m, error=_error_text(exc), status=exc.status, **forms_)
    messages.success(request, done)
    return redirect("protection-detail", measure_id=result.pk)


@requires(Function.PROTECTION_MANAGE)
@require_POST
def measure_confirm(request: HttpRequest, measure_id: int) -> HttpResponse:
    return _after(request, measure_id, lambda: actions.do_confirm_measure(measure_id, actor=actor(request)),
                  "支援の必要性を確認しました。支援を開始します。")


@requires(Function.PROTECTION_MANAGE)
@require_POST
def measure_renew(request: HttpRequest, measure_id: int) -> HttpResponse:
    form = RenewForm(request.POST)
    d = form.cleaned_data if form.is_valid() else {}
    return _after(request, measure_id, lambda: actions.do_renew_measure(
        measure_id, applied_on=d.get("applied_on") or clock.today(), opinion_source=d.get("opinion_source", ""),
        opinion_note=d.get("opinion_note", ""), actor=actor(request),
    ), "延長の申出を登録しました。別の支援措置担当の確認により延長されます。", renew_form=form)


@requires(Function.PROTECTION_MANAGE)
@require_POST
def measure_end(request: HttpRequest, measure_id: int) -> HttpResponse:
    form = EndForm(request.POST)
    d = form.cleaned_data if form.is_valid() else {}
    return _after(request, measure_id, lambda: actions.do_end_measure(
        measure_id, reason=d.get("reason", ""), actor=actor(request)), "支援措置を終了しました。", end_form=form)


@requires(Function.PROTECTION_MANAGE)
@require_GET
def attempt_list(request: HttpRequest) -> HttpResponse:
    """支援対象者に係る交付請求の報告: 未確認を先に、確認済みを後に."""
    pending = list(ProtectionAttempt.objects.filter(acknowledged_at__isnull=True).order_by("occurred_at", "pk")
                   [:LIST_SIZE])
    done = list(ProtectionAttempt.objects.filter(acknowledged_at__isnull=False).order_by("-occurred_at", "-pk")
                [:LIST_SIZE])
    persons = {int(p) for a in pending + done for p in a.person_ids}
    names = _names(persons)
    _audit_view(request, "attempts", sorted(persons), {"count": len(pending) + len(done)})

    def rows(items: list[ProtectionAttempt]) -> list[dict[str, Any]]:
        return [{"a": a, "requester_type": REQUESTER_TYPE_LABELS.get(a.requester_type, a.requester_type),
                 "document_type": DOCUMENT_LABELS.get(a.document_type, a.document_type),
                 "persons": [{"no": person_target(p), "name": names.get(int(p), "")} for p in a.person_ids]}
                for a in items]

    return render(request, "protection/attempts.html", {
        "pending": rows(pending), "done": rows(done), "form": AcknowledgeForm()
    })


@requires(Function.PROTECTION_MANAGE)
@require_POST
def attempt_acknowledge(request: HttpRequest, attempt_id: int) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    comment = form.cleaned_data.get("comment", "") if form.is_valid() else ""
    try:
        actions.do_acknowledge_attempt(attempt_id, comment=comment, actor=actor(request))
    except JukiError as exc:
        messages.error(request, _error_text(exc))
        return redirect("protection-attempts")
    messages.success(request, f"交付請求の記録 {attempt_id} を確認済みにしました。")
    return redirect("protection-attempts")
