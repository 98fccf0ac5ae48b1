"""Actions on protection measures (支援措置の登録・確認・延長・終了). Every write goes through here.

Each action checks ``Function.PROTECTION_MANAGE``, runs in one transaction, locks the measure,
and writes its audit event with the protected persons as targets. A refusal is audited as
``PROTECTION_ACTION_REFUSED`` after the transaction rolled back (juki.audit.log.refusals_audited).
Offender details never go into the audit log: events name the measure, not the offender.

Four-eyes (二者確認): a measure — and an extension — is registered by one protection officer and
has no effect until a *different* protection officer confirms it (事務処理要領 第5-10: the
municipality confirms the need for support before it starts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from juki.audit.events import EventType
from juki.audit.log import person_target, record, refusals_audited
from juki.core import clock
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, PermissionDenied, ValidationFailed
from juki.register.models import Person
from juki.register.models.person import ADDRESSEE_NO_DIGITS
from juki.security.roles import Function

from . import offender_names, periods
from .models import (
    MeasureKind,
    MeasureState,
    Offender,
    OpinionSource,
    ProtectionAttempt,
    ProtectionMeasure,
)

FUNCTION = Function.PROTECTION_MANAGE


def measure_not_found(measure_id: Any) -> JukiError:
    return JukiError(code="PROTECTION_NOT_FOUND", message=f"支援措置 {measure_id} が見つかりません。", status=404)


def _audited_refusal(actor: Actor, action: str, detail: dict[str, Any], targets: list[int]) -> Any:
    return refusals_audited(
        EventType.PROTECTION_ACTION_REFUSED, action=action, function=FUNCTION.value, staff_id=actor.staff_id,
        terminal_id=actor.terminal_id, ip=actor.ip, targets=targets, detail=detail,
    )


def _targets(measure: ProtectionMeasure) -> list[str]:
    return [person_target(p) for p in sorted(measure.persons.values_list("pk", flat=True))]


def parse_addressee(value: Any, field: str = "person") -> int:
    text = str(value).strip()
    if not is_ascii_digits(text) or len(text) > ADDRESSEE_NO_DIGITS:
        raise ValidationFailed("PROTECTION_PERSON_INVALID", "宛名番号は10桁以内の数字で入力してください。", field=field)
    pid = int(text)
    if not Person.objects.filter(pk=pid).exists():
        raise ValidationFailed("PROTECTION_PERSON_NOT_FOUND", "該当する宛名番号の住民が見つかりません。", field=field)
    return pid


def _clean_offenders(offenders: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for o in offenders:
        name = str(o.get("name") or "").strip()
        kana = str(o.get("name_kana") or "").strip()
        birth = o.get("birth_date") or None
        address = str(o.get("address") or "").strip()
        person = o.get("person") or None
        if not (name or kana or birth or address or person):
            continue  # an empty row of the form
        if not name:
            raise ValidationFailed("PROTECTION_OFFENDER_NAME_REQUIRED", "加害者の氏名を入力してください。",
                                   field="offender_name")
        if birth is not None and not isinstance(birth, dt.date):
            raise ValidationFailed("PROTECTION_OFFENDER_BIRTH_INVALID", "加害者の生年月日が正しくありません。",
                                   field="offender_birth_date")
        out.append({"name": name, "name_kana": kana, "birth_date": birth, "address": address,
                    "person_id": parse_addressee(person, "offender_person") if person else None})
    return out


def do_register_measure(
    addressee_no: int | str, *, kind: str, applied_on: dt.date, opinion_source: str, offenders: Iterable[dict[str, Any]],
    members: Iterable[int | str] = (), opinion_note: str = "", note: str = "", actor: Actor,
) -> ProtectionMeasure:
    """支援措置申出の登録（仮）: the application as received; no effect until confirmed by another officer.

    ``members`` are the household members named in the application (併せて支援を求める者);
    ``offenders`` dicts carry name, name_kana, birth_date, address and optionally person (宛名番号).
    """
    detail: dict[str, Any] = {"kind": kind}
    targets: list[int] = []
    with _audited_refusal(actor, "register", detail, targets):
        actor.require(FUNCTION)
        pid = parse_addressee(addressee_no)
        targets.append(pid)
        member_ids = sorted({parse_addressee(m, "members") for m in members} - {pid})
        targets.extend(member_ids)
        if kind not in MeasureKind.values:
            raise ValidationFailed("PROTECTION_KIND_INVALID", "支援措置の区分を選んでください。", field="kind")
        if opinion_source not in OpinionSource.values:
            raise ValidationFailed("PROTECTION_OPINION_REQUIRED", "意見聴取先を選んでください。", field="opinion_source")
        today = clock.today()
        if applied_on > today:
            raise ValidationFailed("PROTECTION_APPLIED_IN_FUTURE", "申出日に未来の日付は入力できません。",
                                   field="applied_on")
        cleaned = _clean_offenders(offenders)
        if not cleaned:
            raise ValidationFailed("PROTECTION_OFFENDER_REQUIRED", "申出書に記載された加害者を入力してください。",
                                   field="offender_name")
        with transaction.atomic():
            measure = _create(pid, member_ids, kind=kind, applied_on=applied_on, opinion_source=opinion_source,
                              opinion_note=opinion_note, note=note, renewed_from=None, actor=actor)
            for o in cleaned:
                _add_offender(measure, o)
            record(EventType.PROTECTION_MEASURE_REGISTERED, action="register", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(measure),
                   detail={"measure": measure.pk, "kind": kind, "offenders": len(cleaned)})
    return measure


def _create(pid: int, member_ids: list[int], *, kind: str, applied_on: dt.date, opinion_source: str,
            opinion_note: str, note: str, renewed_from: ProtectionMeasure | None, actor: Actor) -> ProtectionMeasure:
    # Provisional period: fixed again when confirmed (支援開始日 is the day support is decided).
    start = applied_on if renewed_from is None else renewed_from.end_on + dt.timedelta(days=1)
    measure = ProtectionMeasure.objects.create(
        person_id=pid, kind=kind, applied_on=applied_on, opinion_source=opinion_source,
        opinion_note=opinion_note.strip(), note=note.strip(), start_on=start, end_on=periods.period_end(start),
        renewed_from=renewed_from, state=MeasureState.PROVISIONAL, registered_by=actor.staff_id,
        registered_at=clock.now(),
    )
    measure.persons.set([pid, *member_ids])
    return measure


def _add_offender(measure: ProtectionMeasure, o: dict[str, Any]) -> Offender:
    return Offender.objects.create(
        measure=measure, name=o["name"], name_kana=o["name_kana"], birth_date=o["birth_date"], address=o["address"],
        person_id=o["person_id"], name_key=offender_names.name_key(o["name"]), kana_key=offender_names.kana_key(o["name_kana"]),
    )


def _locked(measure_id: int, detail: dict[str, Any], targets: list[int]) -> ProtectionMeasure:
    measure = ProtectionMeasure.objects.select_for_update().filter(pk=measure_id).first()
    if measure is None:
        raise measure_not_found(measure_id)
    targets.extend(sorted(measure.persons.values_list("pk", flat=True)))
    detail["measure"] = measure.pk
    return measure


def do_confirm_measure(measure_id: int, *, actor: Actor) -> ProtectionMeasure:
    """支援の必要性の確認: a second protection officer confirms; support starts today (an
    extension: the day after the old period ends) and lasts one year."""
    detail: dict[str, Any] = {"measure": measure_id}
    targets: list[int] = []
    with _audited_refusal(actor, "confirm", detail, targets):
        actor.require(FUNCTION)
        with transaction.atomic():
            m = _locked(measure_id, detail, targets)
            if m.state != MeasureState.PROVISIONAL:
                raise ValidationFailed("PROTECTION_NOT_PROVISIONAL", "確認待ちの支援措置ではありません。", field="state")
            if m.registered_by == actor.staff_id:
                # Four-eyes (二者確認) is a limit on who may act: a refusal of authority (403).
                raise PermissionDenied("PROTECTION_SELF_CONFIRM",
                                       "登録した職員は自分で確認できません。別の支援措置担当が確認してください。",
                                       field="confirmed_by")
            today = clock.today()
            if m.renewed_from_id is not None:
                old = ProtectionMeasure.objects.get(pk=m.renewed_from_id)
                start = periods.renewal_start(old.end_on, today)
            else:
                start = today
            m.start_on, m.end_on = start, periods.period_end(start)
            m.state = MeasureState.ACTIVE
            m.confirmed_by = actor.staff_id
            m.confirmed_at = clock.now()
            m.save()
            record(EventType.PROTECTION_MEASURE_CONFIRMED, action="confirm", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(m),
                   detail={"measure": m.pk, "start_on": m.start_on.isoformat(), "end_on": m.end_on.isoformat(),
                           **({"renewed_from": m.renewed_from_id} if m.renewed_from_id else {})})
    return m


def do_renew_measure(measure_id: int, *, applied_on: dt.date, opinion_source: str, opinion_note: str = "",
                     note: str = "", actor: Actor) -> ProtectionMeasure:
    """延長の申出: a new provisional measure for the same persons and offenders, for the year
    after the old one ends; it takes effect when another officer confirms it."""
    detail: dict[str, Any] = {"measure": measure_id}
    targets: list[int] = []
    with _audited_refusal(actor, "renew", detail, targets):
        actor.require(FUNCTION)
        if opinion_source not in OpinionSource.values:
            raise ValidationFailed("PROTECTION_OPINION_REQUIRED", "意見聴取先を選んでください。", field="opinion_source")
        if applied_on > clock.today():
            raise ValidationFailed("PROTECTION_APPLIED_IN_FUTURE", "申出日に未来の日付は入力できません。",
                                   field="applied_on")
        with transaction.atomic():
            old = _locked(measure_id, detail, targets)
            if old.state != MeasureState.ACTIVE:
                raise ValidationFailed("PROTECTION_NOT_RENEWABLE", "延長できるのは支援中の支援措置のみです。",
                                       field="state")
            if ProtectionMeasure.objects.filter(renewed_from=old).exists():
                raise ValidationFailed("PROTECTION_ALREADY_RENEWED", "この支援措置には既に延長の申出が登録されています。",
                                       field="state")
            persons = sorted(old.persons.values_list("pk", flat=True))
            new = _create(old.person_id, [p for p in persons if p != old.person_id], kind=old.kind,
                          applied_on=applied_on, opinion_source=opinion_source, opinion_note=opinion_note,
                          note=note, renewed_from=old, actor=actor)
            for o in old.offenders.all():
                _add_offender(new, {"name": o.name, "name_kana": o.name_kana, "birth_date": o.birth_date,
                                    "address": o.address, "person_id": o.person_id})
            record(EventType.PROTECTION_MEASURE_RENEWAL_REGISTERED, action="renew", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(new),
                   detail={"measure": new.pk, "renewed_from": old.pk})
    return new


def do_end_measure(measure_id: int, *, reason: str, actor: Actor) -> ProtectionMeasure:
    """支援措置の終了 (申出の取下げ、支援の必要がなくなった等), with the reason; in force no more from today.
    A provisional application can be ended too (取下げ・不承認)."""
    reason = (reason or "").strip()
    detail: dict[str, Any] = {"measure": measure_id}
    targets: list[int] = []
    with _audited_refusal(actor, "end", detail, targets):
        actor.require(FUNCTION)
        if not reason:
            raise ValidationFailed("PROTECTION_REASON_REQUIRED", "終了の理由を入力してください。", field="reason")
        with transaction.atomic():
            m = _locked(measure_id, detail, targets)
            if m.state == MeasureState.ENDED:
                raise ValidationFailed("PROTECTION_ALREADY_ENDED", "この支援措置は既に終了しています。", field="state")
            before = m.state
            m.state = MeasureState.ENDED
            m.ended_by = actor.staff_id
            m.ended_at = clock.now()
            m.ended_on = clock.today()
            m.ended_reason = reason
            m.save()
            record(EventType.PROTECTION_MEASURE_ENDED, action="end", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, targets=_targets(m),
                   detail={"measure": m.pk, "from": before})
    return m


def do_acknowledge_attempt(attempt_id: int, *, comment: str = "", actor: Actor) -> ProtectionAttempt:
    """交付請求の記録の確認: the protection officer has seen the report of an attempt."""
    detail: dict[str, Any] = {"attempt": attempt_id}
    targets: list[int] = []
    with _audited_refusal(actor, "acknowledge", detail, targets):
        actor.require(FUNCTION)
        with transaction.atomic():
            attempt = ProtectionAttempt.objects.select_for_update().filter(pk=attempt_id).first()
            if attempt is None:
                raise JukiError(code="PROTECTION_ATTEMPT_NOT_FOUND",
                                message=f"交付請求の記録 {attempt_id} が見つかりません。", status=404)
            targets.extend(int(p) for p in attempt.person_ids)
            if attempt.acknowledged_at is not None:
                raise ValidationFailed("PROTECTION_ATTEMPT_ALREADY_ACKNOWLEDGED", "この記録は既に確認済みです。", field="state")
            attempt.acknowledged_by = actor.staff_id
            attempt.acknowledged_at = clock.now()
            attempt.acknowledge_comment = (comment or "").strip()
            attempt.save()
            record(EventType.PROTECTION_ATTEMPT_ACKNOWLEDGED, action="acknowledge", function=FUNCTION.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
                   targets=[person_target(p) for p in attempt.person_ids], detail={"attempt": attempt.pk})
    return attempt
