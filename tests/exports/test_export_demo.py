"""The demo has a 管理責任者 (demo-manager) to approve exports, also in an existing installation."""

from __future__ import annotations

import io

import pytest

from juki.security import demo
from juki.security.models import Staff
from juki.security.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.JUKI_HOME = tmp_path


def test_the_demo_has_a_manager_account():
    acc = next(a for a in demo.DEMO_ACCOUNTS if a.staff_id == "demo-manager")
    assert acc.roles == (Role.MANAGER,)


def test_ensure_demo_staff_adds_the_manager_to_an_existing_demo_and_keeps_known_passwords(monkeypatch):
    older = tuple(a for a in demo.DEMO_ACCOUNTS if a.staff_id != "demo-manager")
    monkeypatch.setattr(demo, "DEMO_ACCOUNTS", older)
    before = demo.ensure_demo_staff(io.StringIO())
    assert not Staff.objects.filter(staff_id="demo-manager").exists()
    monkeypatch.undo()

    after = demo.ensure_demo_staff(io.StringIO())
    manager = Staff.objects.get(staff_id="demo-manager")
    assert manager.roles() == {Role.MANAGER}
    assert "demo-manager" in after and all(after[k] == v for k, v in before.items())
    text = demo.credentials_path().read_text(encoding="utf-8")
    assert "demo-manager\t" in text and f"demo-clerk\t{before['demo-clerk']}" in text
