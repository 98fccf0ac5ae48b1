"""Authentication backend: staff by 職員ID, inactive accounts never authenticate.

Login itself (password, lockout, terminal, second factor) is in :mod:`juki.security.auth`;
this backend only loads the staff member for each request, and returns nobody for a
disabled account, which ends its sessions at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from .models import Staff


class StaffBackend(BaseBackend):
    def authenticate(self, request: Any, staff_id: str | None = None, password: str | None = None, **kw: Any) -> Staff | None:
        if not staff_id or password is None:
            return None
        staff = Staff.objects.filter(staff_id=staff_id).first()
        if staff is None:
            Staff().set_password(password)  # same work as a real check: no timing oracle
            return None
        if staff.check_password(password) and staff.is_active:
            return staff
        return None

    def get_user(self, user_id: Any) -> Staff | None:
        return Staff.objects.filter(pk=user_id, is_active=True).first()
