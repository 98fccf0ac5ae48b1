"""Template context shared by every staff page."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def juki_context(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    functions = user.functions() if user is not None and user.is_authenticated else frozenset()
    return {
        "juki_functions": {f.value for f in functions},
        "juki_terminal": getattr(request, "terminal", None),
        "juki_idle_lock_seconds": settings.JUKI_IDLE_LOCK_SECONDS,
        "juki_municipality": settings.JUKI_MUNICIPALITY_NAME,
    }
