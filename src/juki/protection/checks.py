"""The protection check every issuance calls (支援措置の確認) — the interface for certificates.

Source: 住民基本台帳事務処理要領 第5-10. While a measure is in force for a person:

- a request by the offender named in the application (加害者) is refused, whatever article of
  the Act it invokes (住基法12条6項 / 12条の3第7項: 不当な目的による請求は拒むことができる);
- a request by a third party (12条の3, 本人等以外の者) is refused;
- a request by a public body (12条の2) is accepted with a warning: the counter must confirm it is
  not made on the offender's behalf;
- a request by the person or a household member (12条) is accepted with a warning: identity is
  checked strictly (a proxy may be the offender).

Every such request — refused or accepted — is recorded as a :class:`ProtectionAttempt` and an
audit event in its *own* transaction, and reported to the protection officer (支援措置担当).

Contract for callers (certificate issuance): call :func:`check_issuance` **before** opening the
issuance transaction. A refusal raises :class:`ProtectionRefused`; the attempt must outlive the
caller's rollback, so calling it inside an open transaction is a programming error and raises
``RuntimeError``. Counter staff never learn offender details: warnings carry the person, the
kind of measure and what to do; the refusal message does not say why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from juki.audit.events import EventType, Outcome
from juki.audit.log import person_target, record
from juki.core import clock
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.security.roles import Function

from . import offender_names
from .models import (
    AttemptOutcome,
    AttemptReason,
    MeasureKind,
    MeasureState,
    ProtectionAttempt,
    ProtectionMeasure,
)

#: Requester types (juki.certificates.models.RequesterType values), repeated here so that the
#: protection app does not depend on the certificates app.
SELF_OR_HOUSEHOLD = "self"
PUBLIC_BODY = "public_body"
THIRD_PARTY = "third_party"

REQUESTER_TYPE_LABELS = {
    SELF_OR_HOUSEHOLD: "本人又は同一世帯の者（12条）",
    PUBLIC_BODY: "国又は地方公共団体の機関（12条の2）",
    THIRD_PARTY: "本人等以外の者（12条の3）",
}

REFUSAL_MESSAGE = "この請求には応じられません。支援措置担当にお問い合わせください。"


class ProtectionRefused(JukiError):
    """支援措置による交付拒否. The message says nothing about where the person lives or why."""

    def __init__(self, attempt_id: int | None = None) -> None:
        super().__init__(code="protection.refused", message=REFUSAL_MESSAGE, status=403,
                         extra={"attempt": attempt_id} if attempt_id is not None else {})


@dataclass(frozen=True)
class ProtectionWarning:
    """What the counter may know: who is protected, the kind of measure, and what to do."""

    person_id: int
    message: str
    kind: str  # MeasureKind value
    kind_label: str

    @property
    def addressee_no(self) -> str:
        return person_target(self.person_id)


def _in_force_q(on: dt.date, prefix: str = "") -> Q:
    p = prefix
    return (Q(**{f"{p}state__in": [MeasureState.ACTIVE, MeasureState.ENDED],
                 f"{p}confirmed_at__isnull": False, f"{p}start_on__lte": on, f"{p}end_on__gte": on})
            & (Q(**{f"{p}ended_on__isnull": True}) | Q(**{f"{p}ended_on__gt": on})))


def _ids(person_ids: Iterable[int | str]) -> list[int]:
    out = []
    for p in person_ids:
        text = str(p).strip()
        if is_ascii_digits(text):
            out.append(int(text))
    return sorted(set(out))


def measures_in_force(person_ids: Iterable[int | str], on: dt.date | None = None) -> list[ProtectionMeasure]:
    """Measures in force on ``on`` (default today) protecting any of the persons."""
    on = on or clock.today()
    ids = _ids(person_ids)
    if not ids:
        return []
    return list(ProtectionMeasure.objects.filter(_in_force_q(on), persons__in=ids).distinct().order_by("pk"))


def protected_person_ids(on: dt.date | None = None) -> set[int]:
    """Everyone under a measure in force on ``on`` (one query; for review and exports)."""
    on = on or clock.today()
    through = ProtectionMeasure.persons.through
    return set(through.objects.filter(_in_force_q(on, "protectionmeasure__"))
               .values_list("person_id", flat=True).distinct())


def _protected_map(person_ids: list[int], on: dt.date) -> dict[int, list[ProtectionMeasure]]:
    through = ProtectionMeasure.persons.through
    rows = (through.objects.filter(_in_force_q(on, "protectionmeasure__"), person_id__in=person_ids)
            .select_related("protectionmeasure").order_by("person_id", "protectionmeasure_id"))
    out: dict[int, list[ProtectionMeasure]] = {}
    for row in rows:
        out.setdefault(row.person_id, []).append(row.protectionmeasure)
    return out


def _warning(pid: int, measure: ProtectionMeasure, advice: str) -> ProtectionWarning:
    label = MeasureKind(measure.kind).label
    return ProtectionWarning(
        person_id=pid, kind=measure.kind, kind_label=label,
        message=f"宛名番号 {person_target(pid)} は支援措置（{label}）の対象者です。{advice}",
    )


COUNTER_ADVICE = "住民票の写し等の交付・閲覧の請求は、本人確認を厳格に行い、支援措置担当に連絡してください。"
PUBLIC_BODY_ADVICE = "公用請求は、加害者の依頼によるものでないことを請求機関に確認してから交付してください。"
SELF_ADVICE = "本人又は同一世帯の者であることを厳格に確認してください（代理人による請求は支援措置担当に連絡）。"


def warnings_for(person_ids: Iterable[int | str], on: dt.date | None = None) -> list[ProtectionWarning]:
    """Warnings for the counter: one per protected person (no offender details)."""
    on = on or clock.today()
    found = _protected_map(_ids(person_ids), on)
    return [_warning(pid, ms[0], COUNTER_ADVICE) for pid, ms in sorted(found.items())]


def _outside_transaction() -> None:
    """The attempt must survive the caller's rollback: refuse to run inside an open transaction
    (test-case wrappers excepted)."""
    conn = transaction.get_connection()
    if any(not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks):
        raise RuntimeError("check_issuance() must be called before the issuance transaction is opened")


def _is_offender(measures: list[ProtectionMeasure], requester_name: str, requester_person_id: int | None) -> bool:
    for m in measures:
        for o in m.offenders.all():
            if requester_person_id is not None and o.person_id == requester_person_id:
                return True
            if offender_names.names_match(requester_name, o.name_key, o.kana_key):
                return True
    return False


def check_issuance(
    person_ids: Iterable[int | str], *, requester_type: str, requester_name: str,
    requester_person_id: int | None = None, document_type: str, actor: Actor, on: dt.date | None = None,
) -> list[ProtectionWarning]:
    """Check a request for ``person_ids`` before issuing (事務処理要領 第5-10).

    Returns ``[]`` when nobody is protected; warnings when the request is allowed (本人等, 公用);
    raises :class:`ProtectionRefused` for the named offender or a third party. Either way a
    protected request is recorded (ProtectionAttempt + audit event) in its own transaction.
    """
    on = on or clock.today()
    ids = _ids(person_ids)
    found = _protected_map(ids, on)
    if not found:
        return []
    _outside_transaction()
    measures = sorted({m.pk: m for ms in found.values() for m in ms}.values(), key=lambda m: m.pk)
    if _is_offender(measures, requester_name, requester_person_id):
        reason, outcome = AttemptReason.OFFENDER, AttemptOutcome.REFUSED
    elif requester_type == THIRD_PARTY:
        reason, outcome = AttemptReason.THIRD_PARTY, AttemptOutcome.REFUSED
    elif requester_type == PUBLIC_BODY:
        reason, outcome = AttemptReason.PUBLIC_BODY, AttemptOutcome.WARNED
    elif requester_type == SELF_OR_HOUSEHOLD:
        reason, outcome = AttemptReason.SELF, AttemptOutcome.WARNED
    else:
        # An unknown requester type is treated as a third party (deny by default).
        reason, outcome = AttemptReason.THIRD_PARTY, AttemptOutcome.REFUSED
    protected = sorted(found)
    with transaction.atomic():
        attempt = ProtectionAttempt.objects.create(
            occurred_at=clock.now(), staff_id=actor.staff_id, terminal_id=actor.terminal_id,
            requester_type=str(requester_type)[:16], requester_name=(requester_name or "").strip()[:200],
            requester_person_id=requester_person_id, document_type=str(document_type)[:32],
            person_ids=protected, outcome=outcome, reason=reason,
        )
        attempt.measures.set(measures)
        refused = outcome == AttemptOutcome.REFUSED
        record(EventType.PROTECTION_ISSUANCE_REFUSED if refused else EventType.PROTECTION_ISSUANCE_WARNED,
               action="issue_check", function=Function.CERTIFICATE_ISSUE.value,
               outcome=Outcome.DENIED if refused else Outcome.OK, staff_id=actor.staff_id,
               terminal_id=actor.terminal_id, ip=getattr(actor, "ip", ""), targets=[person_target(p) for p in protected],
               detail={"attempt": attempt.pk, "requester_type": str(requester_type)[:16],
                       "document_type": str(document_type)[:32],
                       **({"code": "protection.refused"} if refused else {})})
    if outcome == AttemptOutcome.REFUSED:
        raise ProtectionRefused(attempt.pk)
    advice = PUBLIC_BODY_ADVICE if reason == AttemptReason.PUBLIC_BODY else SELF_ADVICE
    return [_warning(pid, found[pid][0], advice) for pid in protected]


def in_force_periods(start: dt.date, end: dt.date) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """Person → (first, last) days a measure was in force, clipped to ``start``–``end``
    (the access review reads this once per report)."""
    through = ProtectionMeasure.persons.through
    rows = (through.objects
            .filter(protectionmeasure__state__in=[MeasureState.ACTIVE, MeasureState.ENDED],
                    protectionmeasure__confirmed_at__isnull=False,
                    protectionmeasure__start_on__lte=end, protectionmeasure__end_on__gte=start)
            .values_list("person_id", "protectionmeasure__start_on", "protectionmeasure__end_on",
                         "protectionmeasure__ended_on"))
    out: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for pid, s, e, ended_on in rows:
        last = min(e, ended_on - dt.timedelta(days=1)) if ended_on is not None else e
        if last >= s:
            out.setdefault(pid, []).append((max(s, start), min(last, end)))
    return out
