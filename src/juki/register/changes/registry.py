"""Kind → handler (異動の種類一覧). Handlers register themselves with :func:`register`."""

from __future__ import annotations

from juki.core.errors import ValidationFailed

from .base import ChangeHandler

_HANDLERS: dict[str, ChangeHandler] = {}


def register(cls: type[ChangeHandler]) -> type[ChangeHandler]:
    if cls.kind in _HANDLERS:
        raise RuntimeError(f"duplicate change kind {cls.kind}")
    _HANDLERS[cls.kind] = cls()
    return cls


def _load() -> None:
    from . import kinds  # noqa: F401  (imports every handler module)


def handler_for(kind: str) -> ChangeHandler:
    _load()
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ValidationFailed("CHANGE_KIND_UNKNOWN", f"異動の種類「{kind}」はありません。", field="kind")
    return handler


def all_handlers() -> list[ChangeHandler]:
    _load()
    return list(_HANDLERS.values())
