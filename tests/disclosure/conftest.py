"""Fixtures for the disclosure tests: a small synthetic city, clerks with offices, the
statistics persona, and actors as the actions take them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.register.factories import City, small_city

from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.security.models import Staff
from juki.security.roles import Role


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def clerk_with_office(make_staff: Callable[..., Staff]) -> Callable[..., Staff]:
    def make(staff_id: str, office: str, name: str) -> Staff:
        staff = make_staff(staff_id, Role.CLERK, name=name)
        Staff.objects.filter(pk=staff.pk).update(office=office)
        staff.refresh_from_db()
        return staff

    return make


@pytest.fixture
def statistician(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("stats01", Role.STATISTICS, name="統計 四郎")


@pytest.fixture
def act(terminal: Any) -> Callable[[Staff], Actor]:
    return lambda staff: Actor(staff, terminal.terminal_id, "127.0.0.1")


def last_seq() -> int:
    """The sequence number of the newest audit event (the one the last operation wrote)."""
    return AuditEvent.objects.latest("seq").seq
