"""Helpers for the family-register, foreign-resident and number change tests (出生・死亡・氏名・
旧氏・振り仮名・外国人住民・番号). Setup uses tests/register/factories.py; every change goes through
the workflow actions with the clerk entering and the approver confirming (四つの目)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.identifiers import my_number, resident_code
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import Change, IssuedNumber, OutboxEvent, Person, ResidentRecord

TODAY_NOTIFIED = object()
OWN_DOMICILE = "秋田県秋田市山王一丁目10番地"
OTHER_DOMICILE = "東京都千代田区千代田1番地"


def enter(clerk: Any, kind: str, items: dict[str, Any], *, effective_on: dt.date | None = None,
          notified_on: Any = TODAY_NOTIFIED) -> Change:
    today = clock.today()
    return do_enter_change(
        kind, items, effective_on=effective_on or today - dt.timedelta(days=2),
        notified_on=today if notified_on is TODAY_NOTIFIED else notified_on, actor=Actor(clerk, "T-COUNTER-01"),
    )


def confirm(change: Change, approver: Any) -> Change:
    return do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))


def apply(clerk: Any, approver: Any, kind: str, items: dict[str, Any], **dates: Any) -> Change:
    """Enter as the clerk, confirm as the approver."""
    return confirm(enter(clerk, kind, items, **dates), approver)


def current(person_id: int) -> ResidentRecord:
    return ResidentRecord.objects.get(person_id=person_id, is_current=True)


def events(change: Change, kind: str | None = None, person_id: int | None = None) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.filter(change=change)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    return list(qs)


def kinds_of(change: Change, person_id: int | None = None) -> list[str]:
    return sorted(e.kind for e in events(change, person_id=person_id))


def a_resident_code(body: str = "1234567890") -> str:
    return body + resident_code.check_digit(body)


def a_my_number(body: str = "12345678901") -> str:
    return body + my_number.check_digit(body)


def foreign(**overrides: Any) -> dict[str, Any]:
    """Record fields of a mid-to-long-term foreign resident (中長期在留者)."""
    fields: dict[str, Any] = dict(
        resident_kind="foreign", family_name="NGUYEN", given_name="VAN AN", family_name_kana="グエン",
        given_name_kana="ヴァン\u3000アン", alphabet_name="NGUYEN VAN AN", nationality_code="VN", nationality="ベトナム",
        foreign_category="mid_long_term", residence_status="engineer_humanities", stay_years=3,
        stay_expires_on=clock.today() + dt.timedelta(days=400), residence_card_no="AB12345678CD",
        residence_card_kind="residence_card",
    )
    fields.update(overrides)
    return fields


def _snapshot() -> tuple[int, ...]:
    return (Change.objects.count(), ResidentRecord.objects.count(), OutboxEvent.objects.count(),
            Person.objects.count(), IssuedNumber.objects.count())


@contextmanager
def refused(code: str) -> Iterator[pytest.ExceptionInfo[JukiError]]:
    """Expect a refusal with ``code``: nothing is written but the audit event of the refusal."""
    before = _snapshot()
    with pytest.raises(JukiError) as exc:
        yield exc
    assert exc.value.code == code, exc.value
    assert _snapshot() == before
    last = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED).order_by("seq").last()
    assert last is not None and last.detail["code"] == code


def everything_stored_as_text() -> str:
    """Every place a clear My Number must never appear: record versions (all items but the
    ciphertext), change payloads and before/after, outbox payloads, audit events."""
    parts: list[str] = []
    for row in ResidentRecord.objects.values():
        row.pop("my_number_enc", None)
        parts.append(json.dumps(row, default=str, ensure_ascii=False))
    for c in Change.objects.all():
        parts.append(json.dumps([c.payload, c.after, c.before, c.warnings], default=str, ensure_ascii=False))
    for e in OutboxEvent.objects.all():
        parts.append(json.dumps(e.payload, default=str, ensure_ascii=False))
    for a in AuditEvent.objects.all():
        parts.append(json.dumps([a.detail, a.criteria, a.targets], default=str, ensure_ascii=False))
    return "\n".join(parts)
