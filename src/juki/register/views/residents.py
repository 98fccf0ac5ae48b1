"""住民票照会・世帯照会: a person's record (current or as of a date), its history and household.

Residents are loaded only through :mod:`juki.register.access`, which checks the role, logs the
access, and answers "not found" and "not allowed" alike.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from juki.core.errors import JukiError
from juki.protection.checks import warnings_for
from juki.security.access import requires
from juki.security.roles import Function

from ..access import access_household, access_resident, my_number_purposes
from ..forms import AsOfForm, person_item
from ..models.person import ADDRESSEE_NO_DIGITS
from .changes import grouped_kinds
from .common import (
    actor,
    address_text,
    birth_text,
    display_value,
    error_page,
    has_function,
    record_groups,
)


def _as_of(request: HttpRequest) -> tuple[AsOfForm, dt.date | None]:
    form = AsOfForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("as_of")
    return form, None


def person_kinds() -> list[dict[str, str]]:
    """Kinds of change whose items name existing persons (the person screen links to them),
    grouped as on the kind picker."""
    out = []
    for group in grouped_kinds():
        for h in group["handlers"]:
            key = person_item(h.items)
            if key is not None:
                out.append({"kind": h.kind, "label": h.label, "key": key, "group": group["title"]})
    return out


def member_rows(members: list) -> list[dict[str, object]]:
    return [{
        "record": m,
        "no": f"{m.person_id:0{ADDRESSEE_NO_DIGITS}d}",
        "birth": birth_text(m),
        "sex": display_value("sex", m.sex),
        "relationship": display_value("relationship", m.relationship),
        "status": display_value("status", m.status),
    } for m in members]


@requires(Function.RESIDENT_VIEW)
@require_GET
def person_detail(request: HttpRequest, addressee_no: int) -> HttpResponse:
    """住民票照会: every item grouped, the household, the history, and change links."""
    form, as_of = _as_of(request)
    try:
        view = access_resident(actor(request), addressee_no, as_of=as_of)
    except JukiError as exc:
        return error_page(request, exc)
    rec = view.record
    current = next((v for v in view.history if v.is_current), None)
    change_links = []
    if has_function(request, Function.CHANGE_ENTER) and current is not None:
        # The form carries the version shown here: if the record changes before the clerk
        # submits, the entry is refused as stale (CHANGE_STALE_FORM) instead of overwriting.
        expected = f"{current.person_id}:{current.version}"
        for k in person_kinds():
            query = urlencode({k["key"]: current.person_id, "expected": expected})
            change_links.append({**k, "url": f"{reverse('register-change-new', args=[k['kind']])}?{query}"})
    history = [{
        "record": v,
        "reason": display_value("change_reason", v.change_reason),
        "valid_from": display_value("valid_from", v.valid_from),
        "notified_on": display_value("notified_on", v.notified_on),
        "recorded_at": display_value("recorded_at", v.recorded_at),
        "address": address_text(v),
        "shown": v.pk == rec.pk,
    } for v in view.history]
    return render(request, "register/person.html", {
        "view": view,
        "rec": rec,
        "no": f"{rec.person_id:0{ADDRESSEE_NO_DIGITS}d}",
        "groups": record_groups(rec, my_number_masked=view.my_number_masked),
        "members": member_rows(view.household_members),
        "history": history,
        "as_of_form": form,
        "as_of": view.as_of,
        "change_links": change_links,
        # 支援措置: the counter always sees who is protected (kind only; juki.protection.checks).
        "protection_warnings": warnings_for([rec.person_id, *(m.person_id for m in view.household_members)]),
        # 個人番号を表示: only for the My Number officer, only when a number is held.
        "my_number_purposes": my_number_purposes() if (
            view.my_number_masked and has_function(request, Function.MY_NUMBER_REVEAL)) else [],
    })


@requires(Function.RESIDENT_VIEW)
@require_GET
def household_detail(request: HttpRequest, household_no: int) -> HttpResponse:
    """世帯照会: the members in listing order, with their relationship to the householder."""
    form, as_of = _as_of(request)
    try:
        view = access_household(actor(request), household_no, as_of=as_of)
    except JukiError as exc:
        return error_page(request, exc)
    members = member_rows(view.members)
    return render(request, "register/household.html", {
        "view": view,
        "members": members,
        "address": address_text(view.members[0]) if view.members else "",
        "protection_warnings": warnings_for([m.person_id for m in view.members]),
        "as_of_form": form,
        "as_of": view.as_of,
    })
