"""The API's error responses in the OpenAPI document (エラー応答の定義).

Every refusal is RFC 9457 ``application/problem+json`` with a stable ``code``; each operation
declares the statuses it can answer with and, where the set is closed, the codes of each. The
codes of a change kind's own rules are many and grow with the kinds, so a 400 of the change
operations declares the shape (an upper-case code) rather than a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Choices

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details（エラー応答）",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "description": "urn:juki:error:<code>"},
        "title": {"type": "string", "description": "日本語のメッセージ"},
        "status": {"type": "integer"},
        "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "description": "安定したエラーコード"},
        "field": {"type": "string", "description": "原因の項目（分かる場合）"},
    },
}

#: Refusals of every operation (authentication, addresses, functions) — juki.api.auth.
AUTH = {
    401: ("認証の失敗", ["API_TOKEN_MISSING", "API_TOKEN_MALFORMED", "API_TOKEN_INVALID"]),
    403: ("接続元・機能の拒否", ["API_ADDRESS_NOT_ALLOWED", "FORBIDDEN"]),
}
#: Parameters or a body that do not fit the operation's schema — juki.api.app.
INPUT = {422: ("入力の形式の誤り", ["API_INPUT_INVALID"])}
#: Operations that read a JSON body.
BODY = {
    400: ("本文を読み取れない", ["API_BODY_UNREADABLE"]),
    413: ("本文が大きすぎる", ["API_BODY_TOO_LARGE"]),
}


def closed(choices: type[Choices], *, blank: bool = False) -> dict[str, Any]:
    """``json_schema_extra`` declaring a field's closed set of codes (the model's choices)."""
    return {"enum": [*([""] if blank else []), *choices.values]}


def problem_responses(*groups: Mapping[int, tuple[str, Sequence[str] | None]]) -> dict[str, Any]:
    """``openapi_extra`` declaring the problem+json responses of ``groups`` (merged by status;
    ``None`` as codes: any code of the documented shape)."""
    merged: dict[int, tuple[list[str], list[str] | None]] = {}
    for group in groups:
        for status, (label, codes) in group.items():
            labels, known = merged.get(status, ([], []))
            merged[status] = ([*labels, label], None if codes is None or known is None else [*known, *codes])
    responses: dict[int, Any] = {}
    for status, (labels, codes) in sorted(merged.items()):
        schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
        if codes is not None:
            schema = {"allOf": [schema, {"type": "object", "properties": {"code": {"enum": sorted(set(codes))}}}]}
        described = "・".join(labels) + (f"（{', '.join(sorted(set(codes)))}）" if codes else "")
        responses[status] = {"description": described,
                                  "content": {"application/problem+json": {"schema": schema}}}
    return {"responses": responses}


def add_problem_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the ``Problem`` component the responses refer to."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    return schema
