"""The hash chain (ハッシュチェーン): canonical form and hash of one audit event.

``hash = SHA-256(prev_hash ‖ canonical(event))`` where ``canonical`` is JSON with sorted
keys, no whitespace, UTF-8, and ``occurred_at`` as UTC ISO 8601 with microseconds
(``2026-11-22T09:41:00.123456+00:00``). Values are first brought to the exact form the
database gives back (:func:`json_normal`, :func:`text_normal`), so that verification can
re-derive the same bytes from a stored row on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq", "occurred_at", "event_type", "action", "function", "staff_id", "terminal_id", "ip",
    "targets", "purpose", "outcome", "criteria", "detail",
)


def canonical(fields: dict[str, Any]) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace, UTF-8, ISO timestamps in UTC."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(canonical({k: fields[k] for k in HASHED_FIELDS}))
    return h.hexdigest()


def utc_iso(ts: dt.datetime) -> str:
    """The timestamp as it enters the hash: UTC, ISO 8601, always with microseconds."""
    return ts.astimezone(dt.UTC).isoformat(timespec="microseconds")


def text_normal(value: str, max_length: int | None = None) -> str:
    """A text column's value as both databases store it: no NUL (PostgreSQL refuses it),
    at most ``max_length`` characters (PostgreSQL refuses more; SQLite would keep them)."""
    value = str(value).replace("\x00", "\ufffd")
    return value[:max_length] if max_length is not None else value


def json_normal(value: Any) -> Any:
    """``value`` as a JSON column gives it back on SQLite and PostgreSQL alike.

    Keys become strings, tuples lists, anything not JSON its ``str``; NUL characters are
    replaced (``jsonb`` refuses them); floats that ``jsonb`` would print differently from
    Python (non-finite, ≥ 1e16 where it drops the exponent, negative zero) become strings
    or plain zero. Idempotent: ``json_normal(json_normal(v)) == json_normal(v)``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return text_normal(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e16:
            return str(value)
        return 0.0 if value == 0 else value
    if isinstance(value, dict):
        return {text_normal(str(k)): json_normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_normal(v) for v in value]
    return text_normal(str(value))
