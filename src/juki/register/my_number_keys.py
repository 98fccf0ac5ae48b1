"""個人番号の暗号鍵の更新 (My Number key rotation): online, resumable, in short batches.

A My Number ciphertext says which key made it (``kid|nonce|ciphertext``, see
:func:`juki.core.keys.encrypt`). Rotation makes a new current key for the ``my-number``
purpose and then re-encrypts, batch by batch, every ciphertext still under an older key ID,
wherever one is stored:

- ``ResidentRecord.my_number_enc`` — every version, not only the current one (associated data
  ``my-number:<宛名番号>``);
- ``OutboxEvent.payload["my_number_enc"]`` — base64 copy of the person's ciphertext (same
  associated data, the event's ``person_id``);
- ``Change.payload`` — items whose name ends in ``my_number``, sealed as ``{"enc": base64}``
  with associated data ``change-payload`` (:func:`juki.register.changes.workflow._seal_payload`).

Properties (docs/privacy-keys.md):

- *online*: new writes already use the new key the moment it is current; each batch is its own
  short transaction that locks only the rows it rewrites (``FOR NO KEY UPDATE SKIP LOCKED`` on
  PostgreSQL: a row a change is writing right now is skipped and taken by the next pass, so
  rotation never makes a clerk wait or deadlock), and only the ciphertext column is written;
- *resumable*: rows already under the current key are skipped, and a run that finds
  ciphertexts under older keys (an interrupted run) finishes that rotation with the current
  key instead of making yet another one — so after an interruption one runs it again;
- *lossless*: a value is decrypted and re-encrypted with the same associated data, so the
  clear value is unchanged; old keys are never deleted (backups and archives stay readable).

The blind index (``my_number_index``, purpose ``my-number-index``) is not touched: an index
key change must recompute every index in one switch, because searches compare indexes under
one key (see docs/privacy-keys.md).
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from juki.audit.events import EventType, Outcome
from juki.audit.log import record
from juki.core import keys
from juki.core.actor import Actor

from .models import Change, OutboxEvent, ResidentRecord
from .my_numbers import ENCRYPTION_PURPOSE, _aad

CHANGE_PAYLOAD_AAD = b"change-payload"
PAYLOAD_SECRET_SUFFIX = "my_number"
DEFAULT_BATCH = 500
SCAN_CHUNK = 2000
MAX_PASSES = 5

PLACES: dict[str, str] = {
    "records": "住民票（全ての版）の個人番号",
    "outbox": "送信待ち事象の個人番号",
    "changes": "異動の入力内容の個人番号",
}


def key_id(blob: bytes | memoryview) -> str:
    """The key ID a ciphertext was made with (no key needed)."""
    blob = bytes(blob)
    return blob[1 : 1 + blob[0]].decode()


def _reencrypt(blob: bytes, aad: bytes, target: str) -> bytes | None:
    """The value re-encrypted under the current key, or None if it already is under ``target``."""
    if key_id(blob) == target:
        return None
    clear = keys.decrypt(blob, aad=aad)
    new = keys.encrypt(clear, purpose=ENCRYPTION_PURPOSE, aad=aad)
    if key_id(new) != target:  # the current key moved during the run: leave it to the next run
        return None
    return new


# --- the three places ------------------------------------------------------------------------

def _payload_kids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).endswith(PAYLOAD_SECRET_SUFFIX) and isinstance(v, dict) and isinstance(v.get("enc"), str):
                yield key_id(base64.b64decode(v["enc"]))
            elif isinstance(v, dict | list):
                yield from _payload_kids(v)
    elif isinstance(value, list):
        for v in value:
            yield from _payload_kids(v)


def _payload_rotated(value: Any, target: str) -> tuple[Any, int]:
    """The change payload with every sealed My Number under ``target``; and how many changed."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        n = 0
        for k, v in value.items():
            if str(k).endswith(PAYLOAD_SECRET_SUFFIX) and isinstance(v, dict) and isinstance(v.get("enc"), str):
                new = _reencrypt(base64.b64decode(v["enc"]), CHANGE_PAYLOAD_AAD, target)
                if new is not None:
                    out[k] = {**v, "enc": keys.b64(new)}
                    n += 1
                    continue
                out[k] = v
            elif isinstance(v, dict | list):
                out[k], m = _payload_rotated(v, target)
                n += m
            else:
                out[k] = v
        return out, n
    if isinstance(value, list):
        items = []
        n = 0
        for v in value:
            new_v, m = _payload_rotated(v, target)
            items.append(new_v)
            n += m
        return items, n
    return value, 0


class _Place:
    name: str

    def scan(self) -> Iterator[tuple[int, list[str]]]:
        """``(pk, key IDs of its ciphertexts)`` for every row holding one, by pk, in chunks."""
        last = 0
        while True:
            rows = list(self._chunk(last))
            if not rows:
                return
            for pk, kids in rows:
                if kids:
                    yield pk, kids
            last = rows[-1][0]

    def _chunk(self, after: int) -> Iterator[tuple[int, list[str]]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def rewrite(self, pks: list[int], target: str) -> tuple[int, int]:
        """Re-encrypt the rows' ciphertexts not under ``target``; ``(ciphertexts done, rows skipped)``."""
        raise NotImplementedError  # pragma: no cover - abstract


def _locked(qs: Any) -> Any:
    # Rows a writer holds are skipped (next pass), never waited for; NO KEY keeps inserts that
    # reference the row (outbox events of a change) unblocked. SQLite ignores both: its
    # IMMEDIATE transactions already serialise writers.
    return qs.select_for_update(skip_locked=True, no_key=True)


class _Records(_Place):
    name = "records"

    def _chunk(self, after: int) -> Iterator[tuple[int, list[str]]]:
        qs = (ResidentRecord.objects.filter(pk__gt=after, my_number_enc__isnull=False)
              .order_by("pk").values_list("pk", "my_number_enc")[:SCAN_CHUNK])
        for pk, blob in qs:
            yield pk, [key_id(blob)] if blob else []

    def rewrite(self, pks: list[int], target: str) -> tuple[int, int]:
        done = 0
        rows = list(_locked(ResidentRecord.objects.filter(pk__in=pks)).values_list("pk", "person_id", "my_number_enc"))
        for pk, person_id, blob in rows:
            if not blob:
                continue
            new = _reencrypt(bytes(blob), _aad(person_id), target)
            if new is not None:
                ResidentRecord.objects.filter(pk=pk).update(my_number_enc=new)
                done += 1
        return done, len(pks) - len(rows)


class _Outbox(_Place):
    name = "outbox"

    def _chunk(self, after: int) -> Iterator[tuple[int, list[str]]]:
        qs = (OutboxEvent.objects.filter(pk__gt=after).order_by("pk")
              .values_list("pk", "payload")[:SCAN_CHUNK])
        for pk, payload in qs:
            enc = payload.get("my_number_enc") if isinstance(payload, dict) else None
            yield pk, [key_id(base64.b64decode(enc))] if isinstance(enc, str) and enc else []

    def rewrite(self, pks: list[int], target: str) -> tuple[int, int]:
        done = 0
        rows = list(_locked(OutboxEvent.objects.filter(pk__in=pks)).values_list("pk", "person_id", "payload"))
        for pk, person_id, payload in rows:
            enc = payload.get("my_number_enc") if isinstance(payload, dict) else None
            if not (isinstance(enc, str) and enc) or person_id is None:
                continue
            new = _reencrypt(base64.b64decode(enc), _aad(person_id), target)
            if new is not None:
                OutboxEvent.objects.filter(pk=pk).update(payload={**payload, "my_number_enc": keys.b64(new)})
                done += 1
        return done, len(pks) - len(rows)


class _Changes(_Place):
    name = "changes"

    def _chunk(self, after: int) -> Iterator[tuple[int, list[str]]]:
        qs = Change.objects.filter(pk__gt=after).order_by("pk").values_list("pk", "payload")[:SCAN_CHUNK]
        for pk, payload in qs:
            yield pk, list(_payload_kids(payload))

    def rewrite(self, pks: list[int], target: str) -> tuple[int, int]:
        done = 0
        rows = list(_locked(Change.objects.filter(pk__in=pks)).values_list("pk", "payload"))
        for pk, payload in rows:
            new_payload, n = _payload_rotated(payload, target)
            if n:
                Change.objects.filter(pk=pk).update(payload=new_payload)
                done += n
        return done, len(pks) - len(rows)


_PLACES: list[_Place] = [_Records(), _Outbox(), _Changes()]


# --- status ----------------------------------------------------------------------------------

@dataclass
class Census:
    """How many My Number ciphertexts each key ID holds, per place (鍵ごとの件数)."""

    current_kid: str
    by_place: dict[str, Counter[str]]

    @property
    def by_kid(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for c in self.by_place.values():
            total.update(c)
        return total

    @property
    def total(self) -> int:
        return sum(self.by_kid.values())

    @property
    def under_current(self) -> int:
        return self.by_kid.get(self.current_kid, 0)

    @property
    def remaining(self) -> int:
        return self.total - self.under_current


def census() -> Census:
    """Count ciphertexts per key ID in every place (reads only)."""
    current = keys.provider().current_kid(ENCRYPTION_PURPOSE)
    by_place: dict[str, Counter[str]] = {}
    for place in _PLACES:
        counter: Counter[str] = Counter()
        for _pk, kids in place.scan():
            counter.update(kids)
        by_place[place.name] = counter
    return Census(current, by_place)


# --- rotation --------------------------------------------------------------------------------

@dataclass
class Progress:
    done: int
    total: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class RotationResult:
    key_id: str
    new_key: bool
    previous_kids: list[str]
    total: int
    done: dict[str, int] = field(default_factory=lambda: {p: 0 for p in PLACES})
    batches: int = 0
    passes: int = 0
    remaining: int = 0
    skipped_rows: int = 0
    interrupted: bool = False

    @property
    def done_total(self) -> int:
        return sum(self.done.values())

    @property
    def complete(self) -> bool:
        return self.remaining == 0 and not self.interrupted


def _pending(place: _Place, target: str) -> list[int]:
    return [pk for pk, kids in place.scan() if any(k != target for k in kids)]


def do_rotate_my_number_key(
    *,
    batch: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_start: Callable[[RotationResult], None] | None = None,
    actor: Actor,
    function: str = "cli.keys",
) -> RotationResult:
    """Rotate the My Number encryption key and re-encrypt everything under older keys.

    A new current key is made unless ciphertexts under older keys remain (an interrupted run,
    or a key made by hand): then the run finishes the rotation to the current key. With
    ``max_batches`` the run stops after that many batches (``interrupted``; run again to
    resume). Every run — complete, stopped or failed — writes one ``KEYS_ROTATED`` audit event
    with key IDs and counts (never a number); a failed run re-raises after recording.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    seen: list[RotationResult] = []

    def started(result: RotationResult) -> None:
        seen.append(result)
        if on_start is not None:
            on_start(result)

    try:
        result = _rotate(batch=batch, max_batches=max_batches, on_progress=on_progress, on_start=started)
    except BaseException as exc:
        _audit(seen[0] if seen else None, Outcome.ERROR, actor, function, error=type(exc).__name__)
        raise
    _audit(result, Outcome.OK, actor, function)
    return result


def _audit(result: RotationResult | None, outcome: str, actor: Actor, function: str,
           *, error: str = "") -> None:
    detail: dict[str, Any] = {"purpose": ENCRYPTION_PURPOSE, **actor.operator_detail()}
    if result is not None:
        detail.update({
            "key_id": result.key_id, "new_key": result.new_key, "previous_key_ids": result.previous_kids,
            "total": result.total, "reencrypted": dict(result.done), "batches": result.batches,
            "passes": result.passes, "skipped_rows": result.skipped_rows,
            "complete": result.complete and not error, "interrupted": result.interrupted,
        })
        if not error:
            detail["remaining"] = result.remaining
    if error:
        detail["error"] = error
    record(EventType.KEYS_ROTATED, action="rotate", function=function, outcome=outcome, terminal_id="cli",
           detail=detail)


def _rotate(
    *,
    batch: int,
    max_batches: int | None,
    on_progress: Callable[[Progress], None] | None,
    on_start: Callable[[RotationResult], None],
) -> RotationResult:
    if batch < 1:
        raise ValueError("batch must be at least 1")
    before = census()
    new_key = before.remaining == 0
    target = keys.provider().new_key(ENCRYPTION_PURPOSE) if new_key else before.current_kid
    previous = sorted(k for k in before.by_kid if k != target)
    result = RotationResult(key_id=target, new_key=new_key, previous_kids=previous,
                            total=before.total if new_key else before.remaining)
    on_start(result)
    started = time.monotonic()
    for _ in range(MAX_PASSES):
        result.passes += 1
        found = 0
        for place in _PLACES:
            pending = _pending(place, target)
            found += len(pending)
            for i in range(0, len(pending), batch):
                if max_batches is not None and result.batches >= max_batches:
                    result.interrupted = True
                    result.remaining = _remaining(target)
                    return result
                with transaction.atomic():
                    done, skip = place.rewrite(pending[i : i + batch], target)
                result.batches += 1
                result.done[place.name] += done
                result.skipped_rows += skip
                if on_progress is not None:
                    on_progress(Progress(result.done_total, max(result.total, result.done_total),
                                         time.monotonic() - started))
        if found == 0:
            break
    result.remaining = _remaining(target)
    return result


def _remaining(target: str) -> int:
    """Ciphertexts still under another key than ``target``."""
    return sum(sum(k != target for k in kids) for place in _PLACES for _pk, kids in place.scan())
