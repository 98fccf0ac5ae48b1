"""Helpers for the move and household change tests (転入・転出・世帯変更).

Setup uses tests/register/factories.py; every change goes through the workflow actions, the
clerk entering and the approver confirming (四つの目).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.identifiers import lg_code, my_number, resident_code
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import Change, Household, OutboxEvent, Person, ResidentRecord

TODAY = object()
#: 東京都新宿区 (the municipality people move in from in these tests).
SHINJUKU = "13104" + lg_code.check_digit("13104")
OWN_DOMICILE = "秋田県秋田市山王一丁目10番地"
OTHER_DOMICILE = "東京都千代田区千代田1番地"


def a_code(n: int) -> str:
    """A valid resident code (住民票コード) made from ``n``."""
    body = f"{n:010d}"
    return body + resident_code.check_digit(body)


def a_number(n: int) -> str:
    """A valid My Number (個人番号) made from ``n``."""
    body = f"{n:011d}"
    return body + my_number.check_digit(body)


def wrong_check_digit(valid: str) -> str:
    return valid[:-1] + str((int(valid[-1]) + 1) % 10)


def days_ago(n: int) -> dt.date:
    return clock.today() - dt.timedelta(days=n)


def enter(clerk: Any, kind: str, items: dict[str, Any], *, effective_on: dt.date | None = None,
          notified_on: Any = TODAY) -> Change:
    return do_enter_change(
        kind, items, effective_on=effective_on or days_ago(3),
        notified_on=clock.today() if notified_on is TODAY else notified_on, actor=Actor(clerk, "T-COUNTER-01"),
    )


def confirm(change: Change, approver: Any) -> Change:
    return do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))


def apply(clerk: Any, approver: Any, kind: str, items: dict[str, Any], **dates: Any) -> Change:
    """Enter as the clerk, confirm as the approver."""
    return confirm(enter(clerk, kind, items, **dates), approver)


def current(person_id: int) -> ResidentRecord:
    return ResidentRecord.objects.get(person_id=person_id, is_current=True)


def events(change: Change, kind: str | None = None) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.filter(change=change)
    return list(qs.filter(kind=kind) if kind else qs)


def event_counts(change: Change) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in events(change):
        out[e.kind] = out.get(e.kind, 0) + 1
    return out


def _counts() -> tuple[int, ...]:
    return (ResidentRecord.objects.count(), Person.objects.count(), Household.objects.count(),
            OutboxEvent.objects.count(), Change.objects.filter(state="confirmed").count())


@contextmanager
def refused(code: str, *, field: str | None = None) -> Iterator[None]:
    """The body is refused with ``code``; nothing is written but the audit event."""
    before = _counts()
    changes_before = Change.objects.count()
    audit_before = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED).count()
    with pytest.raises(JukiError) as exc:
        yield
    assert exc.value.code == code, f"expected {code}, got {exc.value.code}: {exc.value.message}"
    if field is not None:
        assert exc.value.field == field
    assert _counts() == before
    assert Change.objects.count() == changes_before  # a refused entry stores no change
    refusals = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED)
    assert refusals.count() == audit_before + 1
    assert refusals.order_by("-id").first().detail["code"] == code


#: Kana items are katakana only (no digits): the n-th person's name is told apart by a kana suffix.
_KANA_DIGITS = "ゼロ イチ ニ サン ヨン ゴ ロク ナナ ハチ キュウ".split()


def kana_number(n: int) -> str:
    return "".join(_KANA_DIGITS[int(d)] for d in str(n))


def incoming(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """One person on a 転出証明書 (a Japanese resident, the householder unless overridden)."""
    person: dict[str, Any] = dict(
        family_name="転入", given_name=f"太郎{n}", family_name_kana="テンニュウ",
        given_name_kana=f"タロウ{kana_number(n)}",
        birth_year=1985, birth_month=6, birth_day=n, sex=1, relationship="householder",
        resident_code=a_code(7000 + n), my_number=a_number(7000 + n),
        domicile=OTHER_DOMICILE, domicile_head="転入\u3000一郎",
    )
    person.update(overrides)
    return person


def move_in_items(city: Any, persons: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    items: dict[str, Any] = dict(
        persons=persons, town_block=city.blocks[2].code, banchi="5番6号",
        previous_address="東京都新宿区西新宿二丁目8番1号", previous_householder="転入\u3000太郎1",
        previous_lg_code=SHINJUKU, planned_move_out_on=days_ago(4).isoformat(),
    )
    items.update(overrides)
    return items


def mid_long_term(**overrides: Any) -> dict[str, Any]:
    """Person items of a mid-to-long-term foreign resident (中長期在留者, 住基法30条の45)."""
    person: dict[str, Any] = dict(
        family_name="NGUYEN", given_name="VAN AN", family_name_kana="グエン", given_name_kana="ヴァン アン",
        birth_year=1995, birth_month=2, birth_day=14, sex=1, relationship="householder",
        resident_kind="foreign", alphabet_name="NGUYEN VAN AN", nationality_code="VN", nationality="ベトナム",
        foreign_category="mid_long_term", residence_status="engineer_humanities", stay_years=3,
        stay_expires_on=(clock.today() + dt.timedelta(days=1000)).isoformat(),
        residence_card_no="AB12345678CD",
    )
    person.update(overrides)
    return person
