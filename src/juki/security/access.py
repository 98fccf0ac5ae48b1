"""Declaring and checking what each view needs (deny by default).

Every view declares exactly one :class:`~juki.security.roles.Function` with ``@requires``.
:class:`~juki.security.middleware.PermissionMiddleware` refuses any view that declares none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .roles import OPEN_FUNCTIONS, Function

F = TypeVar("F", bound=Callable[..., Any])

# Marker for the django-ninja dispatcher: each API operation declares its own function and
# the API's authentication layer checks it (see juki.api.auth).
API_DISPATCH = "api-dispatch"


def requires(function: Function | str) -> Callable[[F], F]:
    """Declare the function (機能) a view belongs to."""

    def mark(view: F) -> F:
        view.juki_function = function  # type: ignore[attr-defined]
        return view

    return mark


def declared_function(view: Any) -> Function | str | None:
    """The function a resolved view declared, looking through class-based views."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        fn = getattr(candidate, "juki_function", None)
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
