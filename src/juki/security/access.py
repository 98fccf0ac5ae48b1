"""Declaring and checking what each view needs (deny by default).

Every view declares exactly one :class:`~juki.security.roles.Function` with ``@requires``.
:class:`~juki.security.middleware.PermissionMiddleware` refuses any view that declares none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .roles import OPEN_FUNCTIONS, Function

if TYPE_CHECKING:
    from .models import Staff

F = TypeVar("F", bound=Callable[..., Any])

# Marker for the django-ninja dispatcher: each API operation declares its own function and
# the API's authentication layer checks it (see juki.api.auth).
API_DISPATCH = "api-dispatch"


def requires(function: Function | str) -> Callable[[F], F]:
    """Declare the function (機能) a view belongs to."""

    def mark(view: F) -> F:
        view.juki_function = function  # type: ignore[attr-defined]  # marker read by declared_function
        return view

    return mark


def declared_function(view: Any) -> Function | str | None:
    """The function a resolved view declared, looking through class-based views."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        fn: Function | str | None = getattr(candidate, "juki_function", None)
        if fn is not None:
            return fn
    return None


def staff_may(staff: Any, terminal: Any, function: Function) -> bool:
    """Whether ``staff`` working at ``terminal`` may use ``function`` (role ∧ terminal)."""
    if function == Function.PUBLIC:
        return True
    if staff is None or not staff.is_authenticated or not staff.is_active:
        return False
    if function in OPEN_FUNCTIONS:
        return True
    if terminal is None or not terminal.allows(function):
        return False
    return function in staff.functions()


def logged_in_staff(request: HttpRequest) -> Staff:
    """The staff member of a request the permission middleware let through to a staff view."""
    from .models import Staff

    if not isinstance(request.user, Staff):
        raise PermissionDenied()
    return request.user
