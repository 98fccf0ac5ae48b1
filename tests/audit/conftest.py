"""Fixtures for the audit tests (helpers live in tests/audit/helpers.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from juki.audit import triggers
from juki.audit.models import AuditEvent

from .helpers import append_events


@pytest.fixture
def log(db: None) -> list[AuditEvent]:
    """Ten untouched events, seq 1–10."""
    return append_events(10)


@pytest.fixture
def drop_triggers(db: None) -> Callable[[], None]:
    """What an attacker with DDL rights does first. Inside the test's transaction, so the
    triggers come back when it rolls back."""
    return lambda: triggers.remove(connection)
