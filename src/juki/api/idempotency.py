"""Idempotent change entry (冪等キー): ``Idempotency-Key`` on ``POST /api/v1/changes``.

A client that lost the response to an entry cannot tell whether the change was entered; sending
the same request again with the same key returns the change the first request entered (201,
``Idempotent-Replayed: true``) instead of entering it twice. The key is the client's own (scoped
per API client); the same key with a different request is refused with
``IDEMPOTENCY_KEY_REUSED`` (409). Keys are kept for :data:`RETENTION`, then removed: after that a
key is new again. Only a keyed fingerprint of the request is stored (it may carry a My Number).

The key is stored in the same transaction as the change, under a unique constraint, so two
concurrent requests with one key enter one change: the second waits for the first and then
replays it. A refused entry stores no key (nothing was entered; a retry is judged afresh).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from juki.core import clock, keys
from juki.core.errors import JukiError
from juki.register.models.change import Change
from juki.security.models import ApiClient, ApiIdempotencyKey

#: How long a key is remembered (long enough for any client's retries; see docs/security.md).
RETENTION = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as HTTP header values are safely carried


def fingerprint(body: dict[str, Any]) -> str:
    """A keyed hash of the request as parsed (key order and spacing do not matter)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return keys.keyed_hash(text, purpose="api-idempotency")


def key_reused() -> JukiError:
    return JukiError("IDEMPOTENCY_KEY_REUSED", "この冪等キーは別の内容の異動に使われています。新しいキーを指定してください。",
                     status=409, field=HEADER)


def _replay(found: ApiIdempotencyKey, print_: str) -> Change:
    if found.fingerprint != print_:
        raise key_reused()
    change = Change.objects.filter(pk=found.change_id).first()
    if change is None:  # purged with its change; the key cannot stand for anything else
        raise key_reused()
    return change


def enter_once(client: ApiClient, key: str, body: dict[str, Any], enter: Callable[[], Change]) -> tuple[Change, bool]:
    """``(change, replayed)``: the change ``enter()`` makes, or the one entered before under
    ``key`` with the same body."""
    now = clock.now()
    ApiIdempotencyKey.objects.filter(client=client, created_at__lt=now - RETENTION).delete()
    print_ = fingerprint(body)
    found = ApiIdempotencyKey.objects.filter(client=client, key=key).first()
    if found is not None:
        return _replay(found, print_), True
    refusal: JukiError | None = None
    try:
        with transaction.atomic():
            # the row first: a concurrent request with this key waits here until we commit
            slot = ApiIdempotencyKey.objects.create(client=client, key=key, fingerprint=print_, change_id=0,
                                                    created_at=now)
            try:
                change = enter()
            except JukiError as exc:
                # the entry rolled back by itself and its refusal is audited; keep that event
                refusal = exc
                slot.delete()
            else:
                slot.change_id = change.pk
                slot.save(update_fields=["change_id"])
    except IntegrityError:
        found = ApiIdempotencyKey.objects.filter(client=client, key=key).first()
        if found is None:
            raise
        return _replay(found, print_), True
    if refusal is not None:
        raise refusal
    return change, False
