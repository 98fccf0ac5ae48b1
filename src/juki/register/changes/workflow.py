"""The change workflow (仮更新 → 確定): the actions every channel (UI, API, CLI) calls.

- :func:`do_enter_change` validates the items and the rules against the current records and
  stores a provisional change with the before/after the approver will see;
- :func:`do_confirm_change` (by a *different* staff member holding 確認者) re-plans against the
  locked current records, refuses if they changed since entry (stale), writes the new record
  versions and the outbox events, all in one transaction;
- :func:`do_reject_change`, :func:`do_cancel_change` close a provisional change unapplied.

Refusals raise :class:`~juki.core.errors.JukiError`; they are audited after the rollback, so a
failed change leaves no trace but its audit event.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from pydantic import ValidationError

from juki.audit.events import EventType
from juki.audit.log import record, refusals_audited
from juki.core import clock, keys
from juki.core.actor import Actor
from juki.core.compiled import CompiledInsert, CompiledQuery, update_fields
from juki.core.digits import INT64_MAX, INT64_MIN, fits_int64, is_ascii_digits
from juki.core.errors import JukiError, PermissionDenied, ValidationFailed
from juki.identifiers import my_number as my_number_id
from juki.identifiers.errors import IdentifierError
from juki.security.roles import Function

from .. import entry_rules, numbering
from .. import events as outbound
from ..models import Household, Person, RecordStatus, ResidentRecord
from ..models.change import Change, ChangeState, OutboxEvent
from ..models.person import ADDRESSEE_NO_DIGITS
from ..my_numbers import seal
from ..names import kana_search_key, kanji_search_key
from .base import ChangeContext, ChangeHandler, ChangeItems, Plan
from .item_types import ItemInvalid, path_label, plain_text
from .registry import handler_for

T = TypeVar("T")

PAYLOAD_SECRET_SUFFIX = "my_number"
_PYDANTIC_MESSAGES = {
    "missing": "必須項目です。",
    "extra_forbidden": "この異動では入力できない項目です。",
    "date_from_datetime_parsing": "日付の形式が正しくありません。",
    "date_parsing": "日付の形式が正しくありません。",
    "date_type": "日付の形式が正しくありません。",
    "int_parsing": "数字で入力してください。",
    "string_too_long": "文字数が多すぎます。",
    "string_too_short": "入力してください。",
    "enum": "選択肢から選んでください。",
    "literal_error": "選択肢から選んでください。",
}


def _audited_refusal(actor: Actor, function: Function, action: str, detail: dict[str, Any]) -> Any:
    """Audit a refused change (outside the rolled-back transaction); persons become targets."""
    return refusals_audited(
        EventType.CHANGE_REFUSED, action=action, function=function.value, staff_id=actor.staff_id,
        terminal_id=actor.terminal_id, ip=actor.ip, targets=[str(p) for p in detail.get("persons", [])],
        detail={k: v for k, v in detail.items() if k != "persons"},
    )


# --- items -------------------------------------------------------------------------------

def _integer_beyond_range(value: Any, loc: str = "") -> str | None:
    """Where in parsed items an integer lies outside the database's 64-bit integers, if anywhere."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None if fits_int64(value) else loc or "items"
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found = _integer_beyond_range(child, f"{loc}.{key}" if loc else str(key))
        if found:
            return found
    return None


def parse_items(handler: ChangeHandler, raw: dict[str, Any]) -> ChangeItems:
    """Validate the raw items against the kind's schema; the first fault names its field.

    Every integer must also fit the 64-bit columns it will be compared with or stored in (a
    number no record can carry is a typing error, not a query for the database).

    The message names the item as clerks know it (「2人目の生年: 数字で入力してください。」,
    :func:`.item_types.path_label`); ``field`` keeps the item path (``persons.1.birth_year``)
    for forms and API clients. A rule's own error keeps its code (e.g. ``TEXT_CHARACTER_NOT_ALLOWED``).
    """
    try:
        parsed = handler.items.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "items"
        code = "CHANGE_ITEM_NOT_ALLOWED" if err["type"] == "extra_forbidden" else "CHANGE_ITEM_INVALID"
        msg = _PYDANTIC_MESSAGES.get(err["type"])
        if msg is None:
            ctx_error = err.get("ctx", {}).get("error")
            if isinstance(ctx_error, JukiError | IdentifierError):
                msg, code = ctx_error.message, ctx_error.code
            else:
                msg = "入力内容が正しくありません。"
        label = path_label(tuple(err["loc"]), handler.items)
        raise ValidationFailed(code, f"{label}: {msg}", field=loc) from None
    beyond = _integer_beyond_range(parsed.model_dump())
    if beyond:
        raise ValidationFailed("CHANGE_ITEM_INVALID", f"{path_label(beyond, handler.items)}: 数値が範囲外です（{INT64_MIN}〜{INT64_MAX}）。",
                               field=beyond)
    return parsed


def parse_expected_versions(expected: dict[str, Any] | None) -> dict[int, int]:
    """``expected_versions`` (addressee no → version the form showed) as numbers; a key that is
    not an addressee number or a version that is not a count is refused."""
    out: dict[int, int] = {}
    for key, version in (expected or {}).items():
        text = str(key).strip()
        if (not is_ascii_digits(text) or len(text) > ADDRESSEE_NO_DIGITS or isinstance(version, bool)
                or not isinstance(version, int) or not 0 <= version <= INT64_MAX):
            raise ValidationFailed(
                "CHANGE_EXPECTED_VERSION_INVALID",
                f"参照した版の指定が正しくありません（{text[:20]}: 宛名番号{ADDRESSEE_NO_DIGITS}桁以内と版の番号）。",
                field="expected_versions",
            )
        out[int(text)] = version
    return out


def _seal_payload(data: dict[str, Any]) -> dict[str, Any]:
    """My Numbers in stored items are encrypted; everything else is kept as entered."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k.endswith(PAYLOAD_SECRET_SUFFIX) and isinstance(v, str) and v:
            out[k] = {"enc": base64.b64encode(keys.encrypt(v.encode(), purpose="my-number", aad=b"change-payload")).decode()}
        elif isinstance(v, dict):
            out[k] = _seal_payload(v)
        elif isinstance(v, list):
            out[k] = [_seal_payload(x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def _unseal_payload(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k.endswith(PAYLOAD_SECRET_SUFFIX) and isinstance(v, dict) and "enc" in v:
            out[k] = keys.decrypt(base64.b64decode(v["enc"]), aad=b"change-payload").decode()
        elif isinstance(v, dict):
            out[k] = _unseal_payload(v)
        elif isinstance(v, list):
            out[k] = [_unseal_payload(x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


# --- before / after for the approver -------------------------------------------------------

HIDDEN_FIELDS = {"my_number_enc", "my_number_index", "name_kana_key", "name_key"}


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, bytes | memoryview):
        return None
    return v


def _snapshot(before: ResidentRecord | None, nv_fields: dict[str, Any], my_number_changes: bool) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for attname, new in nv_fields.items():
        if attname in HIDDEN_FIELDS:
            continue
        old = getattr(before, attname) if before is not None else None
        if before is None or old != new:
            changed[attname] = {"before": _jsonable(old), "after": _jsonable(new)}
    if my_number_changes:
        changed["my_number"] = {"before": "＊＊＊＊" if before is not None and before.my_number_index else "",
                                "after": "（変更あり・非表示）"}
    return changed


class _Planned:
    """A version planned earlier in the same change, read like a record for :func:`_snapshot`."""

    def __init__(self, fields: dict[str, Any]):
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        return self._fields.get(name)


def _diff(plan: Plan, ctx: ChangeContext) -> list[dict[str, Any]]:
    out = []
    planned: dict[str, dict[str, Any]] = {}
    for nv in plan.versions:
        if nv.ref in planned:  # a later version of the same person (join_versions): against the one before
            before: Any = _Planned(planned[nv.ref])
            base_version = None
        else:
            before = ctx.current(nv.person_id) if nv.person_id is not None else None
            base_version = before.version if before is not None else None
        entry = {"ref": nv.ref, "person_id": nv.person_id, "base_version": base_version,
                 "changes": _snapshot(before, nv.fields, nv.my_number is not None and nv.ref not in planned)}
        if nv.valid_from is not None:
            entry["valid_from"] = nv.valid_from.isoformat()
        out.append(entry)
        planned[nv.ref] = nv.fields
    return out


# --- planning -------------------------------------------------------------------------------

def _plan(handler: ChangeHandler, items: ChangeItems, ctx: ChangeContext) -> Plan:
    plan = handler.plan(items, ctx)
    for nv in plan.versions:
        # decision 0004: an unprintable character is refused when entered (text carried over
        # unchanged from the current version is not re-judged).
        before = ctx.current(nv.person_id) if nv.person_id is not None else None
        entered = {k: v for k, v in nv.fields.items() if before is None or getattr(before, k, None) != v}
        for name, units in entry_rules.unprintable_items(entered):
            shown = "、".join(" ".join(f"U+{ord(c):04X}" for c in u) for u in units)
            raise ValidationFailed("register.unprintable_character",
                                   f"{entry_rules.PRINTED_ITEMS[name]}に証明書で印字できない文字があります（{shown}）。"
                                   "登録されている字形（外字・異体字）を確認してください。", field=name)
        if nv.my_number is not None:
            try:
                nv.my_number = my_number_id.validate(nv.my_number)
            except IdentifierError as exc:
                raise ValidationFailed(exc.code, exc.message, field="my_number") from None
    return plan


def _context(effective_on: dt.date, notified_on: dt.date | None, *, lock: bool) -> ChangeContext:
    return ChangeContext(effective_on=effective_on, notified_on=notified_on, today=clock.today(), lock=lock)


# --- actions ----------------------------------------------------------------------------------

# Compiled once per process (decision 0005): the statements of every change, without Django
# building them anew each time.
_INSERT_CHANGE = CompiledInsert(Change)
_INSERT_RECORD = CompiledInsert(ResidentRecord)
_INSERT_OUTBOX = CompiledInsert(OutboxEvent)
_PROVISIONAL = CompiledQuery(lambda change: Change.objects.select_for_update().filter(pk=change), change=int)


def do_enter_change(
    kind: str,
    items: dict[str, Any],
    *,
    effective_on: dt.date,
    notified_on: dt.date | None,
    actor: Actor,
    expected_versions: dict[str, int] | None = None,
) -> Change:
    """仮更新: validate and store a provisional change. ``expected_versions`` (addressee no →
    version the form showed) makes a stale form fail instead of overwriting a newer record."""
    detail: dict[str, Any] = {"kind": kind}
    with _audited_refusal(actor, Function.CHANGE_ENTER, "enter", detail):
        actor.require(Function.CHANGE_ENTER)
        handler = handler_for(kind)
        parsed = parse_items(handler, items)
        expected = parse_expected_versions(expected_versions)
        with transaction.atomic():
            ctx = _context(effective_on, notified_on, lock=False)
            plan = _plan(handler, parsed, ctx)
            persons = sorted({nv.person_id for nv in plan.versions if nv.person_id is not None})
            detail["persons"] = persons
            if expected:
                for pid, version in expected.items():
                    if ctx.current(pid).version != version:
                        raise ValidationFailed(
                            "CHANGE_STALE_FORM",
                            "入力中に住民票が更新されました。最新の内容を確認して入力し直してください。",
                            field="person",
                        )
            change = _INSERT_CHANGE.insert(Change(
                kind=handler.kind, reason=str(handler.reason), state=ChangeState.PROVISIONAL,
                notified_on=ctx.notified_on, effective_on=effective_on, late_notification=plan.late_notification,
                payload=_seal_payload(parsed.model_dump(mode="json")), persons=persons,
                base_versions=ctx.base_versions, after=_diff(plan, ctx), warnings=plan.warnings,
                entered_by=actor.staff_id, entered_terminal=actor.terminal_id, entered_at=clock.now(),
            ))
            record(
                EventType.CHANGE_ENTERED, action="create", function=Function.CHANGE_ENTER.value,
                staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=persons,
                detail={"change": change.pk, "kind": handler.kind, "late": plan.late_notification},
            )
    return change


def _load_provisional(change_id: int) -> Change:
    change = _PROVISIONAL.first(change=change_id)
    if change is None:
        raise JukiError("CHANGE_NOT_FOUND", f"異動 {change_id} が見つかりません。", status=404, field="change")
    if change.state != ChangeState.PROVISIONAL:
        raise ValidationFailed(
            "CHANGE_NOT_PROVISIONAL", f"異動 {change_id} は既に「{ChangeState(change.state).label}」です。", field="change"
        )
    return change


def approver_is_not_enterer(change: Change, actor: Actor) -> None:
    """Guard: nobody confirms or rejects their own change (四つの目の原則)."""
    if change.entered_by == actor.staff_id:
        raise PermissionDenied(
            code="CHANGE_SELF_CONFIRM", message="自分が入力した異動は確定・却下できません。別の確認者が処理してください。"
        )


def decision_comment(comment: str) -> str:
    """A confirmer's or clerk's comment on a decision, under the text rule of every item
    (no control characters or unassigned code points: ``TEXT_CHARACTER_NOT_ALLOWED``)."""
    try:
        return plain_text(comment)
    except ItemInvalid as exc:
        raise ValidationFailed(exc.code, f"コメント: {exc.message}", field="comment") from None


def do_confirm_change(change_id: int, *, actor: Actor, comment: str = "") -> Change:
    """確定: apply a provisional change entered by someone else."""
    comment = decision_comment(comment)
    detail: dict[str, Any] = {"change": change_id}
    with _audited_refusal(actor, Function.CHANGE_CONFIRM, "confirm", detail):
        actor.require(Function.CHANGE_CONFIRM)
        with transaction.atomic():
            change = _load_provisional(change_id)
            detail["persons"] = change.persons
            approver_is_not_enterer(change, actor)
            handler = handler_for(change.kind)
            items = parse_items(handler, _unseal_payload(change.payload))
            ctx = _context(change.effective_on, change.notified_on, lock=True)
            for pid, version in change.base_versions.items():
                if ctx.current(int(pid)).version != version:
                    raise ValidationFailed(
                        "CHANGE_STALE",
                        "入力後に対象者の住民票が更新されています。この異動を取り消して入力し直してください。",
                        field="change",
                    )
            plan = _plan(handler, items, ctx)
            now = clock.now()
            persons = _apply(change, handler, plan, ctx, actor, now)
            change.state = ChangeState.CONFIRMED
            change.persons = persons
            change.decided_by = actor.staff_id
            change.decided_terminal = actor.terminal_id
            change.decided_at = now
            change.decision_comment = comment
            update_fields(change, ("state", "persons", "decided_by", "decided_terminal", "decided_at",
                                   "decision_comment"))
            record(
                EventType.CHANGE_CONFIRMED, action="confirm", function=Function.CHANGE_CONFIRM.value,
                staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=persons,
                detail={"change": change.pk, "kind": change.kind},
            )
    return change


def _close(change_id: int, *, actor: Actor, state: ChangeState, comment: str,
           guard: Callable[[Change, Actor], None], function: Function, event: EventType, action: str) -> Change:
    comment = decision_comment(comment)
    detail: dict[str, Any] = {"change": change_id}
    with _audited_refusal(actor, function, action, detail):
        actor.require(function)
        with transaction.atomic():
            change = _load_provisional(change_id)
            detail["persons"] = change.persons
            guard(change, actor)
            change.state = state
            change.decided_by = actor.staff_id
            change.decided_terminal = actor.terminal_id
            change.decided_at = clock.now()
            change.decision_comment = comment
            change.save()
            record(event, action=action, function=function.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=change.persons,
                   detail={"change": change.pk, "kind": change.kind})
    return change


def do_reject_change(change_id: int, *, actor: Actor, comment: str) -> Change:
    """却下: an approver sends a provisional change back unapplied (a reason is required)."""
    if not comment.strip():
        raise ValidationFailed("CHANGE_REJECT_REASON_REQUIRED", "却下の理由を入力してください。", field="comment")
    return _close(change_id, actor=actor, state=ChangeState.REJECTED, comment=comment, guard=approver_is_not_enterer,
                  function=Function.CHANGE_CONFIRM, event=EventType.CHANGE_REJECTED, action="reject")


def enterer_only(change: Change, actor: Actor) -> None:
    """Guard: only the staff member who entered a provisional change may withdraw it."""
    if change.entered_by != actor.staff_id:
        raise PermissionDenied(code="CHANGE_CANCEL_NOT_ENTERER", message="異動の取消は入力した職員のみが行えます。")


def do_cancel_change(change_id: int, *, actor: Actor, comment: str = "") -> Change:
    """取消: the clerk withdraws their own provisional change."""
    return _close(change_id, actor=actor, state=ChangeState.CANCELLED, comment=comment, guard=enterer_only,
                  function=Function.CHANGE_ENTER, event=EventType.CHANGE_CANCELLED, action="cancel")


# --- applying a plan ------------------------------------------------------------------------

def _supersede(old: ResidentRecord, now: dt.datetime) -> None:
    """The version a new one replaces stops being current (``superseded_at``: when)."""
    old.is_current, old.superseded_at = False, now
    update_fields(old, ("is_current", "superseded_at"))


def _apply(change: Change, handler: ChangeHandler, plan: Plan, ctx: ChangeContext, actor: Actor, now: dt.datetime) -> list[int]:
    """Write the plan: new households, new persons, superseded and new versions, outbox events."""
    households: dict[str, int] = {}
    refs: dict[str, int] = {}
    written: dict[int, dict[str, Any]] = {}  # person → the fields of the version just written (now current)
    versions: dict[int, int] = {}  # person → the version number just written
    # A person may get several versions in one change (join_versions: the household's later
    # moves followed); only the last of them is current.
    last = {nv.ref: i for i, nv in enumerate(plan.versions)}
    for nv in plan.versions:
        hh = nv.fields.get("household_id")
        if isinstance(hh, str) and hh not in households:
            (no,) = numbering.allocate(numbering.HOUSEHOLD)
            Household.objects.create(household_no=no, created_at=now, established_on=change.effective_on)
            households[hh] = no
    for i, nv in enumerate(plan.versions):
        fields = dict(nv.fields)
        if isinstance(fields.get("household_id"), str):
            fields["household_id"] = households[fields["household_id"]]
        if nv.ref in refs:
            pid = refs[nv.ref]
            version = versions[pid] + 1
        elif nv.person_id is None:
            (pid,) = numbering.allocate(numbering.ADDRESSEE)
            Person.objects.create(addressee_no=pid, created_at=now)
            version = 1
        else:
            pid = nv.person_id
            old = ctx.current(pid)
            _supersede(old, now)
            version = old.version + 1
        refs[nv.ref] = pid
        if nv.my_number is not None:
            fields["my_number_enc"], fields["my_number_index"] = seal(nv.my_number, pid)
        fields["name_kana_key"] = kana_search_key(fields.get("family_name_kana", "") + fields.get("given_name_kana", ""))
        fields["name_key"] = kanji_search_key(fields.get("family_name", "") + fields.get("given_name", ""))
        current = last[nv.ref] == i
        _INSERT_RECORD.insert(ResidentRecord(
            person_id=pid, version=version, is_current=current, superseded_at=None if current else now,
            valid_from=nv.valid_from or change.effective_on, notified_on=change.notified_on, recorded_at=now,
            change_reason=nv.reason or handler.reason, recorded_by=actor.staff_id, terminal_id=actor.terminal_id,
            **fields,
        ))
        written[pid] = fields
        versions[pid] = version
    outbox = []
    for ev in plan.events:
        event_pid = refs.get(ev.ref)
        event = ev.event
        if "my_number_enc" in type(event).model_fields and event_pid is not None:
            # The sealed number of the person's current version: the one just written.
            enc = written[event_pid].get("my_number_enc")
            if enc:
                event = event.model_copy(update={"my_number_enc": base64.b64encode(bytes(enc)).decode()})
        outbox.append(OutboxEvent(kind=event.kind, schema_version=event.version, change=change, person_id=event_pid,
                                  payload=outbound.to_payload(event), created_at=now))
    _INSERT_OUTBOX.insert_many(outbox)  # in plan order, as the outbox is read (by id)
    # A household that has resident members again (回復 into a household that had ended) is in being again.
    # One that had a resident member before this change has not ended: nothing to ask.
    regained = {f["household_id"] for f in written.values() if f.get("status", RecordStatus.RESIDENT) == RecordStatus.RESIDENT}
    had_residents = {ctx.current(nv.person_id).household_id for nv in plan.versions
                     if nv.person_id is not None and ctx.current(nv.person_id).status == RecordStatus.RESIDENT}
    if regained - had_residents:
        Household.objects.filter(pk__in=regained - had_residents, dissolved_on__isnull=False).update(dissolved_on=None)
    # Households left without resident members end (世帯消滅). A household a resident version was
    # just written into has one; the others are asked.
    touched = {ctx.current(nv.person_id).household_id for nv in plan.versions if nv.person_id is not None}
    for hh_no in touched - regained:
        if not ResidentRecord.objects.filter(household_id=hh_no, is_current=True, status="resident").exists():
            Household.objects.filter(pk=hh_no, dissolved_on__isnull=True).update(dissolved_on=change.effective_on)
    return sorted(refs.values())
