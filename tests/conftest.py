"""Shared fixtures: named personas (clerk, approver, auditor, ...) at a registered terminal.

Keep this small: area-specific helpers live next to their tests.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from juki.core import clock
from juki.security import terminals
from juki.security.models import RoleGrant, Staff, Terminal
from juki.security.roles import TERMINAL_FUNCTIONS, Role

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(autouse=True)
def _isolated_keys(tmp_path_factory: pytest.TempPathFactory, settings: object) -> None:
    """Each test session gets its own key directory (keys are never shared with var/)."""
    from juki.core import keys

    settings.JUKI_KEY_DIR = tmp_path_factory.getbasetemp() / "keys"  # type: ignore[attr-defined]
    keys.reset_provider_cache()


@pytest.fixture(autouse=True)
def _isolated_audit_heads(tmp_path_factory: pytest.TempPathFactory, settings: object,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own outside heads file (juki.audit.heads; the environment too, for
    ``juki`` subprocesses): the database is emptied between tests, the heads of an earlier
    test's chain must not be checked against the next one's. Automatic checkpoints forget what
    they knew of the previous test's chain."""
    from juki.audit import autocheckpoint

    path = tmp_path_factory.getbasetemp() / "audit-heads" / f"{secrets.token_hex(8)}.jsonl"
    settings.JUKI_AUDIT_HEADS_FILE = path  # type: ignore[attr-defined]
    monkeypatch.setenv("JUKI_AUDIT_HEADS_FILE", str(path))
    autocheckpoint.reset()


@pytest.fixture(scope="session", autouse=True)
def _flushable_audit_log() -> Iterator[None]:
    """Transactional tests end with a flush, which the audit log's append-only triggers
    refuse; lift them for that flush only (see juki.audit.testing)."""
    from juki.audit.testing import flushable_audit_log

    with flushable_audit_log():
        yield


@pytest.fixture
def make_terminal(db: None) -> Callable[..., Terminal]:
    def make(terminal_id: str = "T-COUNTER-01", functions: Iterable[str] | None = None) -> Terminal:
        fns = sorted(f.value for f in TERMINAL_FUNCTIONS) if functions is None else list(functions)
        return Terminal.objects.create(
            terminal_id=terminal_id, name=f"端末 {terminal_id}", functions=fns,
            registered_at=clock.now(), binding_nonce=secrets.token_urlsafe(24),
        )

    return make


@pytest.fixture
def terminal(make_terminal: Callable[..., Terminal]) -> Terminal:
    return make_terminal()


@pytest.fixture
def make_staff(db: None, terminal: Terminal) -> Callable[..., Staff]:
    def make(staff_id: str, *roles: Role, name: str | None = None, terminals_: Iterable[Terminal] | None = None) -> Staff:
        staff = Staff(staff_id=staff_id, name=name or f"試験 {staff_id}", must_change_password=False)
        staff.set_password(PASSWORD)
        staff.save()
        for role in roles:
            RoleGrant.objects.create(staff=staff, role=role.value, granted_at=clock.now())
        staff.terminals.set(list(terminals_) if terminals_ is not None else [terminal])
        return staff

    return make


@pytest.fixture
def clerk(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("clerk01", Role.CLERK, name="窓口 花子")


@pytest.fixture
def approver(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("approver01", Role.APPROVER, name="確認 太郎")


@pytest.fixture
def auditor(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("auditor01", Role.AUDITOR, name="監査 一郎")


@pytest.fixture
def admin(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("admin01", Role.SYSADMIN, name="管理 次郎")


@pytest.fixture
def admin2(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("admin02", Role.SYSADMIN, name="管理 三郎")


def at_terminal(client: Client, terminal: Terminal) -> Client:
    """Put the terminal's signed cookie in the client's browser."""
    client.cookies[settings.JUKI_TERMINAL_COOKIE] = terminals.cookie_value(terminal)
    return client


def logged_in(client: Client, staff: Staff, terminal: Terminal) -> Client:
    """A session as if ``staff`` had completed password + second factor at ``terminal``."""
    at_terminal(client, terminal)
    client.force_login(staff, backend="juki.security.backends.StaffBackend")
    session = client.session
    session["terminal_id"] = terminal.terminal_id
    session.save()
    return client


@pytest.fixture
def as_staff(client: Client, terminal: Terminal) -> Callable[[Staff], Client]:
    """``as_staff(clerk)`` returns a test client logged in as that persona at the terminal."""
    return lambda staff: logged_in(client, staff, terminal)


# --- a real browser (Debian's Chromium driven by Playwright) --------------------------------

#: Screenshots and downloads of the browser tests, kept for people to look at.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's Chromium, launched headless for one test."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # ORM calls made while Playwright's event loop runs get their own connections
            # (asgiref keys them by context); close them, or PostgreSQL cannot drop the test DB.
            connections.close_all()
