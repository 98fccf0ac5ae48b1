"""Refusals of ``juki bench`` (性能測定のエラー): a stable code and a Japanese message."""

from __future__ import annotations

from juki.core.errors import JukiError


class BenchError(JukiError):
    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=400)
