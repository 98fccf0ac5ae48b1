"""Domain errors with a stable code and a Japanese message (エラーコード・メッセージ).

Every refusal juki gives — to a clerk, an API client or the CLI — is one of these, so the
same fault always carries the same code and wording. Codes are never reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass
class JukiError(Exception):
    """A refusal: ``code`` is stable (e.g. ``AUTH_FAILED``), ``message`` is Japanese."""

    code: str
    message: str
    status: int = 400
    field: str | None = None
    extra: dict[str, Any] = dc_field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_problem(self) -> dict[str, Any]:
        """RFC 9457 problem details."""
        body: dict[str, Any] = {
            "type": f"urn:juki:error:{self.code}",
            "title": self.message,
            "status": self.status,
            "code": self.code,
        }
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class PermissionDenied(JukiError):
    def __init__(self, code: str = "FORBIDDEN", message: str = "この機能を利用する権限がありません。", **kw: Any):
        super().__init__(code=code, message=message, status=403, **kw)


class AuthenticationFailed(JukiError):
    def __init__(self, code: str = "AUTH_FAILED", message: str = "認証に失敗しました。", **kw: Any):
        super().__init__(code=code, message=message, status=401, **kw)


class ValidationFailed(JukiError):
    def __init__(self, code: str, message: str, field: str | None = None, **kw: Any):
        super().__init__(code=code, message=message, status=400, field=field, **kw)
