"""API tokens of external systems (外部システムのAPIトークン): their shape, issuance and hash.

Security owns the ``ApiClient`` row and issues its token (:mod:`juki.security.actions.apiclients`);
the API's bearer authentication (:mod:`juki.api.auth`) parses and checks it. Only the SHA-256
of a token is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from .models import ApiClient

TOKEN_PREFIX = "juki_"
_SECRET_RE = re.compile(r"^[0-9a-f]{64}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(client_id: str) -> str:
    """A fresh clear token for ``client_id`` (256-bit secret)."""
    if not client_id or any(c.isspace() for c in client_id):
        raise ValueError("client_id must be a non-empty identifier")
    return f"{TOKEN_PREFIX}{client_id}_{secrets.token_hex(32)}"


def issue_api_token(client_id: str) -> str:
    """Issue a new token for ``client_id`` and return it in clear — the only time it exists.

    If the client is already registered, its stored hash is replaced at once (the old token
    stops working). When the client is being created, the caller stores
    ``hash_token(token)`` with the new row. The caller audits the issuance.
    """
    token = new_api_token(client_id)
    ApiClient.objects.filter(client_id=client_id).update(token_hash=hash_token(token))
    return token


def parse_token(token: str) -> tuple[str, str] | None:
    """``(client_id, secret)`` of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    client_id, sep, secret = token[len(TOKEN_PREFIX):].rpartition("_")
    if not sep or not client_id or not _SECRET_RE.match(secret):
        return None
    return client_id, secret
