"""Helpers for the ex officio change tests (職権記載・修正・消除・回復)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from juki.core import clock
from juki.core.actor import Actor
from juki.identifiers import my_number, resident_code
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import Change


def enter(clerk: Any, kind: str, items: dict[str, Any], *, effective_on: dt.date | None = None,
          notified_on: dt.date | None = None) -> Change:
    return do_enter_change(kind, items, effective_on=effective_on or clock.today(), notified_on=notified_on,
                           actor=Actor(clerk, "T-COUNTER-01"))


def apply(clerk: Any, approver: Any, kind: str, items: dict[str, Any], **dates: Any) -> Change:
    """Enter a change as the clerk and confirm it as the approver (四つの目)."""
    change = enter(clerk, kind, items, **dates)
    return do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))


def a_resident_code(body: str = "1234567890") -> str:
    return body + resident_code.check_digit(body)


def a_my_number(body: str = "12345678901") -> str:
    return body + my_number.check_digit(body)
