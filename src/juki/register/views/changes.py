"""異動入力・確認: pick a kind, enter it (仮更新), and the approvers' queue with before/after.

One function per URL: clerks enter and follow their own changes under ``CHANGE_ENTER``
(``/register/changes/new/``, ``/register/changes/mine/``); approvers see the queue and decide
under ``CHANGE_CONFIRM`` (``/register/changes/pending/``, ``/register/changes/<id>/``). The
four-eyes rule itself is the workflow's (:func:`~juki.register.changes.workflow.approver_is_not_enterer`):
the screens only hide buttons that would be refused anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from juki.audit.events import EventType
from juki.audit.log import record_request
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.security.access import logged_in_staff, requires
from juki.security.roles import Function

from ..access import current_versions_for_page
from ..changes.registry import all_handlers, handler_for
from ..changes.workflow import (
    do_cancel_change,
    do_confirm_change,
    do_enter_change,
    do_reject_change,
)
from ..forms import ChangeEntryForm, DecisionForm, prefill
from ..models import ChangeReason, ResidentRecord
from ..models.change import Change, ChangeState
from ..models.person import ADDRESSEE_NO_DIGITS
from .common import EMPTY, actor, display_value, error_page, field_label, refusal

# --- kinds -------------------------------------------------------------------------------------

R = ChangeReason
#: How the kind picker groups kinds (docs/register.md), by the legal reason of each kind.
KIND_GROUPS: list[tuple[str, set[str]]] = [
    ("住所・世帯の届出", {R.MOVE_IN, R.MOVE_IN_FROM_ABROAD, R.MOVE_WITHIN, R.MOVE_OUT, R.MOVE_ABROAD, R.HOUSEHOLD_CHANGE}),
    ("戸籍の届出による異動", {R.BIRTH, R.DEATH, R.NAME_CHANGE, R.DOMICILE_CHANGE, R.FORMER_SURNAME, R.FURIGANA}),
    ("外国人住民", {R.FOREIGN_RESIDENT_ENTRY, R.FOREIGN_STATUS_CHANGE, R.NATIONALITY_CHANGE, R.ALIAS}),
    ("個人番号・住民票コード", {R.MY_NUMBER_CHANGE, R.RESIDENT_CODE_CHANGE}),
    ("職権", {R.EX_OFFICIO_ENTRY, R.EX_OFFICIO_CORRECTION, R.EX_OFFICIO_REMOVAL, R.RESTORATION}),
]
OTHER_GROUP = "その他"


def group_of(handler: Any) -> str:
    explicit = getattr(handler, "group", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    reason = str(handler.reason)
    for title, reasons in KIND_GROUPS:
        if reason in reasons:
            return title
    return "職権" if handler.ex_officio else OTHER_GROUP


def grouped_kinds() -> list[dict[str, Any]]:
    order = [t for t, _ in KIND_GROUPS] + [OTHER_GROUP]
    groups: dict[str, list[Any]] = {}
    for h in all_handlers():
        groups.setdefault(group_of(h), []).append(h)
    titles = sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))
    return [{"title": t, "handlers": sorted(groups[t], key=lambda h: h.kind)} for t in titles]


def kind_label(kind: str) -> str:
    try:
        return handler_for(kind).label
    except JukiError:
        return kind


# --- before / after ----------------------------------------------------------------------------

_FIELD_ORDER = {f.attname: i for i, f in enumerate(ResidentRecord._meta.concrete_fields)}
_FIELD_ORDER["my_number"] = _FIELD_ORDER.get("my_number_enc", len(_FIELD_ORDER))


def describe(change: Change) -> list[dict[str, Any]]:
    """Change.after as the approver reads it: per person, each changed item with its Japanese
    label and the before and after values side by side."""
    ids = [e.get("person_id") for e in change.after if e.get("person_id") is not None]
    current = current_versions_for_page(ids)
    out = []
    names: dict[str, str] = {}  # ref → name, for a later version of a person in the same change
    for entry in change.after:
        pid = entry.get("person_id")
        items = entry.get("changes", {})
        rows = [
            {
                "attname": att,
                "label": field_label(att),
                "before": display_value(att, v.get("before")),
                "after": display_value(att, v.get("after")),
            }
            for att, v in sorted(items.items(), key=lambda kv: _FIELD_ORDER.get(kv[0], 10_000))
        ]
        rows = [r for r in rows if not (r["before"] == EMPTY and r["after"] == EMPTY)]  # a new person's blanks
        rec = current.get(pid) if pid is not None else None
        if rec is not None:
            name = rec.full_name
        else:
            family = items.get("family_name", {}).get("after") or ""
            given = items.get("given_name", {}).get("after") or ""
            name = f"{family}\u3000{given}".strip("\u3000") or names.get(entry.get("ref", ""), "")
        names.setdefault(entry.get("ref", ""), name)
        out.append({
            "person_id": pid,
            "no": f"{pid:0{ADDRESSEE_NO_DIGITS}d}" if pid is not None else "（新規）",
            "name": name,
            "base_version": entry.get("base_version"),
            # A later version written by the same change (the household's later move followed).
            "valid_from": entry.get("valid_from"),
            "rows": rows,
        })
    return out


def _load(change_id: int, **filters: Any) -> Change:
    change = Change.objects.filter(pk=change_id, **filters).first()
    if change is None:
        raise JukiError("CHANGE_NOT_FOUND", f"異動 {change_id} が見つかりません。", status=404, field="change")
    return change


def _detail_context(request: HttpRequest, change: Change, function: Function) -> dict[str, Any]:
    record_request(request, EventType.PAGE_VIEW, action="view", function=function.value,
                   targets=[str(p) for p in change.persons], detail={"change": change.pk, "kind": change.kind})
    own = change.entered_by == logged_in_staff(request).staff_id
    return {
        "change": change,
        "label": kind_label(change.kind),
        "state_label": ChangeState(change.state).label,
        "persons": describe(change),
        "own": own,
        "provisional": change.state == ChangeState.PROVISIONAL,
        "decision_form": DecisionForm(),
    }


# --- entry ----------------------------------------------------------------------------------------

@requires(Function.CHANGE_ENTER)
@require_GET
def change_kinds(request: HttpRequest) -> HttpResponse:
    """異動の種類の選択: a grouped list; the select submits with Enter."""
    kind = request.GET.get("kind", "")
    if kind:
        try:
            handler = handler_for(kind)
        except JukiError as exc:
            return render(request, "register/change_kinds.html",
                          {"groups": grouped_kinds(), "error": refusal(exc, {"kind": "異動の種類"})}, status=exc.status)
        return HttpResponseRedirect(reverse("register-change-new", args=[handler.kind]))
    return render(request, "register/change_kinds.html", {"groups": grouped_kinds()})


def _rows(request: HttpRequest) -> dict[str, int]:
    rows: dict[str, int] = {}
    for key, value in request.POST.items():
        if key.startswith("_rows.") and is_ascii_digits(value):
            rows[key.removeprefix("_rows.")] = int(value)
    add = request.POST.get("_add_row", "")
    if add:
        rows[add] = rows.get(add, 1) + 1
    return rows


@requires(Function.CHANGE_ENTER)
@require_http_methods(["GET", "POST"])
def change_new(request: HttpRequest, kind: str) -> HttpResponse:
    """異動入力: the kind's own items; submitting stores a provisional change (仮更新)."""
    try:
        handler = handler_for(kind)
    except JukiError as exc:
        exc.status = 404
        return error_page(request, exc)
    context: dict[str, Any] = {"handler": handler, "group": group_of(handler)}
    if request.method == "GET":
        probe = ChangeEntryForm(handler)
        form = ChangeEntryForm(handler, initial=prefill(probe.specs, request.GET))
        return render(request, "register/change_form.html", {**context, "form": form})
    form = ChangeEntryForm(handler, request.POST, rows=_rows(request))
    context["form"] = form
    if request.POST.get("_add_row") or not form.is_valid():
        return render(request, "register/change_form.html", context)
    try:
        effective_on, notified_on = form.dates()
        change = do_enter_change(
            handler.kind, form.items(), effective_on=effective_on, notified_on=notified_on,
            actor=actor(request), expected_versions=form.expected(),
        )
    except JukiError as exc:
        form.attach(exc)
        labels = {name: str(f.label) for name, f in form.fields.items() if f.label}
        context["error"] = refusal(exc, labels)
        return render(request, "register/change_form.html", context, status=exc.status)
    messages.success(request, f"仮更新しました（異動番号 {change.pk}）。別の確認者の確定で反映されます。")
    return HttpResponseRedirect(reverse("register-change-mine-detail", args=[change.pk]))


# --- the clerk's own changes ---------------------------------------------------------------------

@requires(Function.CHANGE_ENTER)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """自分が入力した異動: provisional first, then the latest decisions."""
    changes = list(Change.objects.filter(entered_by=logged_in_staff(request).staff_id).order_by("-entered_at")[:100])
    return render(request, "register/change_list.html", {
        "title": "入力した異動", "rows": _list_rows(changes), "detail_url": "register-change-mine-detail", "mine": True,
    })


@requires(Function.CHANGE_ENTER)
@require_GET
def mine_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    try:
        change = _load(change_id, entered_by=logged_in_staff(request).staff_id)
    except JukiError as exc:
        return error_page(request, exc)
    return render(request, "register/change_detail.html",
                  {**_detail_context(request, change, Function.CHANGE_ENTER), "mode": "enter"})


@requires(Function.CHANGE_ENTER)
@require_POST
def change_cancel(request: HttpRequest, change_id: int) -> HttpResponse:
    """取消: the enterer withdraws their provisional change."""
    url = reverse("register-change-mine-detail", args=[change_id])
    try:
        do_cancel_change(change_id, actor=actor(request), comment=request.POST.get("comment", "").strip())
    except JukiError as exc:
        messages.error(request, refusal(exc, {"change": "異動"}).text)
        return HttpResponseRedirect(url)
    messages.success(request, f"異動 {change_id} を取り消しました。")
    return HttpResponseRedirect(url)


# --- the approvers' queue --------------------------------------------------------------------------

def _list_rows(changes: list[Change]) -> list[dict[str, Any]]:
    return [{
        "change": c,
        "label": kind_label(c.kind),
        "state_label": ChangeState(c.state).label,
        "persons": ", ".join(f"{int(p):0{ADDRESSEE_NO_DIGITS}d}" for p in c.persons) or "（新規）",
    } for c in changes]


@requires(Function.CHANGE_CONFIRM)
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    """確認待ち一覧: provisional changes, oldest first."""
    changes = list(Change.objects.filter(state=ChangeState.PROVISIONAL).order_by("entered_at", "id"))
    return render(request, "register/change_list.html", {
        "title": "確認待ち一覧", "rows": _list_rows(changes), "detail_url": "register-change-detail", "mine": False,
        "me": logged_in_staff(request).staff_id,
    })


@requires(Function.CHANGE_CONFIRM)
@require_GET
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    """異動の確認: before and after side by side, warnings, confirm or reject."""
    try:
        change = _load(change_id)
    except JukiError as exc:
        return error_page(request, exc)
    return render(request, "register/change_detail.html",
                  {**_detail_context(request, change, Function.CHANGE_CONFIRM), "mode": "confirm"})


@requires(Function.CHANGE_CONFIRM)
@require_POST
def change_confirm(request: HttpRequest, change_id: int) -> HttpResponse:
    """確定 (by a staff member other than the enterer — the workflow refuses otherwise)."""
    try:
        do_confirm_change(change_id, actor=actor(request), comment=request.POST.get("comment", "").strip())
    except JukiError as exc:
        messages.error(request, refusal(exc, {"change": "異動"}).text)
        return HttpResponseRedirect(reverse("register-change-detail", args=[change_id]))
    messages.success(request, f"異動 {change_id} を確定しました。")
    return HttpResponseRedirect(reverse("register-change-pending"))


@requires(Function.CHANGE_CONFIRM)
@require_POST
def change_reject(request: HttpRequest, change_id: int) -> HttpResponse:
    """却下 (a reason is required)."""
    try:
        do_reject_change(change_id, actor=actor(request), comment=request.POST.get("comment", "").strip())
    except JukiError as exc:
        messages.error(request, refusal(exc, {"change": "異動", "comment": "却下の理由"}).text)
        return HttpResponseRedirect(reverse("register-change-detail", args=[change_id]))
    messages.success(request, f"異動 {change_id} を却下しました。")
    return HttpResponseRedirect(reverse("register-change-pending"))
