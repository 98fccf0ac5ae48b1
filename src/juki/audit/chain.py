"""The hash chain (ハッシュチェーン): canonical form and hash of one audit event."""

from __future__ import annotations

import hashlib
import json
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
