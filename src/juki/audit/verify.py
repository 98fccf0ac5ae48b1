"""Verifying the audit log (操作記録の検証).

:func:`verify` re-derives every event's hash from its stored content and checks, in one
streaming pass ordered by ``seq``:

- each event's ``hash`` matches its content and ``prev_hash`` (else *modified*);
- ``seq`` runs without gaps or repeats (else *deleted* / *inserted*); when later events
  were renumbered to hide a deletion or insertion, their hashes still commit to their
  original ``seq``, which names what happened;
- each ``prev_hash`` is the previous event's ``hash`` (else *link broken*: an event was
  rewritten and its hash recomputed);
- the person index (``AuditEventTarget``) matches each event's ``targets``;
- every checkpoint's Ed25519 signature verifies, and the event at its ``seq`` has the hash
  it signed (else the chain was rewritten with recomputed hashes); every checkpoint that an
  ``AUDIT_CHECKPOINT`` event records still exists, unchanged;
- the chain head and the latest checkpoint do not point past the last event (else the
  tail was deleted) and the head agrees with the last event;
- every signed head published outside the database (the heads file, :mod:`juki.audit.heads`)
  is still in the chain — an event at its ``seq`` with its hash — and the chain does not end
  before the last of them: a superuser who deleted the newest events *and* their checkpoints
  and moved the head back is caught here.

The result names the *first* broken event. It reads rows in chunks (``iterator``), so memory
stays flat for millions of events; with ``from_checkpoint=True`` it starts at the latest
checkpoint whose signature verifies and only re-hashes the events after it.

After an archive (``juki audit archive``, :mod:`juki.audit.retention`) the earliest retained
event's seq is above 1: verification then starts at the signed boundary checkpoint at the
seq before it (the first retained event's ``prev_hash`` must be the checkpointed hash), which
an ``AUDIT_ARCHIVED`` event must name. Without such a checkpoint the gap is a deletion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from . import heads, triggers
from .chain import GENESIS, HASHED_FIELDS, event_hash, utc_iso
from .checkpoints import signature_valid
from .events import EventType, Outcome
from .models import AuditChainHead, AuditCheckpoint, AuditEvent, AuditEventTarget

BATCH = 2000
MAX_FAULTS = 100


class FaultKind(StrEnum):
    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED = "inserted"
    LINK_BROKEN = "link_broken"
    TRUNCATED = "truncated"
    HEAD_MISMATCH = "head_mismatch"
    TARGETS_MISMATCH = "targets_mismatch"
    CHECKPOINT_SIGNATURE = "checkpoint_signature"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_MISSING = "checkpoint_missing"
    OUTSIDE_HEAD_MISSING = "outside_head_missing"
    OUTSIDE_HEAD_MISMATCH = "outside_head_mismatch"
    OUTSIDE_HEAD_INVALID = "outside_head_invalid"

    @property
    def label(self) -> str:
        return FAULT_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return FAULT_LABELS[self][1]


FAULT_LABELS: dict[FaultKind, tuple[str, str]] = {
    FaultKind.MODIFIED: ("内容の改ざん", "modified"),
    FaultKind.DELETED: ("記録の削除", "deleted"),
    FaultKind.INSERTED: ("記録の挿入", "inserted"),
    FaultKind.LINK_BROKEN: ("連鎖の断絶（書換え後のハッシュ再計算）", "chain link broken (rewritten and re-hashed)"),
    FaultKind.TRUNCATED: ("末尾の記録の削除", "tail truncated"),
    FaultKind.HEAD_MISMATCH: ("チェーン先頭情報の不一致", "chain head mismatch"),
    FaultKind.TARGETS_MISMATCH: ("対象者索引の不一致", "person index mismatch"),
    FaultKind.CHECKPOINT_SIGNATURE: ("チェックポイント署名の不正", "bad checkpoint signature"),
    FaultKind.CHECKPOINT_MISMATCH: ("署名済みチェックポイントとの不一致", "does not match signed checkpoint"),
    FaultKind.CHECKPOINT_MISSING: ("チェックポイントの削除", "checkpoint deleted"),
    FaultKind.OUTSIDE_HEAD_MISSING: ("外部保管のチェーン先頭以前の記録の削除", "events of an outside head deleted"),
    FaultKind.OUTSIDE_HEAD_MISMATCH: ("外部保管のチェーン先頭との不一致", "does not match an outside head"),
    FaultKind.OUTSIDE_HEAD_INVALID: ("外部保管のチェーン先頭の不正", "bad line in the outside heads file"),
}


@dataclass
class Fault:
    """One finding: ``seq`` is the event concerned (for a deletion, the first missing seq)."""

    kind: FaultKind
    seq: int
    event_id: int | None
    message: str
    message_en: str
    checkpoint_id: int | None = None

    def describe(self) -> str:
        where = f"連番 {self.seq}" + (f"（ID {self.event_id}）" if self.event_id is not None else "")
        return f"{where}: {self.kind.label} — {self.message}"

    def describe_en(self) -> str:
        where = f"seq {self.seq}" + (f" (id {self.event_id})" if self.event_id is not None else "")
        return f"{where}: {self.kind.label_en} — {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "seq": self.seq, "event_id": self.event_id,
                "checkpoint_id": self.checkpoint_id, "message": self.message_en}


@dataclass
class VerificationResult:
    """What :func:`verify` found. ``ok`` when nothing is wrong; ``first`` names the first fault."""

    from_checkpoint: bool = False
    start_checkpoint_id: int | None = None
    start_seq: int = 0  # the chain was trusted up to this seq (0 = from the genesis)
    events_checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    head_seq: int | None = None
    checkpoints_checked: int = 0
    faults: list[Fault] = field(default_factory=list)
    fault_count: int = 0
    missing_triggers: list[str] = field(default_factory=list)
    heads_file: str = ""  # the outside heads file read ("" when none was configured)
    heads_file_found: bool = False
    outside_heads_checked: int = 0
    last_outside_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.fault_count == 0

    @property
    def first(self) -> Fault | None:
        return min(self.faults, key=lambda f: f.seq) if self.faults else None

    def add(self, fault: Fault) -> None:
        # A row already reported as modified that turns out to be an inserted one: say so once.
        if fault.kind == FaultKind.INSERTED:
            for i, old in enumerate(self.faults):
                if old.seq == fault.seq and old.kind in (FaultKind.MODIFIED, FaultKind.LINK_BROKEN):
                    self.faults[i] = fault
                    return
        self.fault_count += 1
        if len(self.faults) < MAX_FAULTS:
            self.faults.append(fault)

    def summary(self) -> str:
        """Two-line summary, Japanese then English."""
        span = f"{self.first_seq}–{self.last_seq}" if self.first_seq is not None else "—"
        origin = (f"チェックポイント #{self.start_checkpoint_id}（連番 {self.start_seq}）から"
                  if self.start_checkpoint_id is not None else "最初から")
        origin_en = (f"from checkpoint #{self.start_checkpoint_id} (seq {self.start_seq})"
                     if self.start_checkpoint_id is not None else "from the start")
        if self.ok:
            return (
                f"操作記録は改ざんされていません。{origin} {self.events_checked:,} 件の記録（連番 {span}）と"
                f" {self.checkpoints_checked:,} 件のチェックポイントを検証しました。{self.heads_summary()[0]}\n"
                f"Audit log intact: verified {self.events_checked:,} events (seq {span}) and"
                f" {self.checkpoints_checked:,} checkpoint(s) {origin_en}.{self.heads_summary()[1]}"
            )
        first = self.first
        assert first is not None
        return (
            f"操作記録の改ざんを検出しました（{self.fault_count} 件）。最初の異常 — {first.describe()}\n"
            f"Audit log BROKEN ({self.fault_count} faults). First: {first.describe_en()}"
        )


    def heads_summary(self) -> tuple[str, str]:
        """What the outside heads contributed (Japanese, English)."""
        if not self.heads_file:
            return "", ""
        if not self.heads_file_found:
            return (f"外部保管のチェーン先頭ファイル {self.heads_file} はまだありません。",
                    f" No outside heads file yet at {self.heads_file}.")
        last = f"（最新 連番 {self.last_outside_seq}）" if self.last_outside_seq is not None else ""
        last_en = f" (latest seq {self.last_outside_seq})" if self.last_outside_seq is not None else ""
        return (f"外部保管のチェーン先頭 {self.outside_heads_checked:,} 件{last}と照合しました。",
                f" Matched {self.outside_heads_checked:,} outside head(s){last_en} in {self.heads_file}.")


_COLUMNS = ("id", *HASHED_FIELDS, "prev_hash", "hash")


def _rows(start_seq: int) -> Iterator[tuple[Any, ...]]:
    qs = AuditEvent.objects.filter(seq__gte=start_seq).order_by("seq", "id").values_list(*_COLUMNS)
    return qs.iterator(chunk_size=BATCH)


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _targets_by_event(batch: list[tuple[Any, ...]]) -> dict[int, list[str]]:
    ids = [row[0] for row in batch]
    lo, hi = min(ids), max(ids)
    qs = AuditEventTarget.objects.all()
    # Ids grow with seq, so a range is one index scan; an outlier id (a forged row) falls back.
    qs = qs.filter(event_id__gte=lo, event_id__lte=hi) if hi - lo < 4 * len(ids) else qs.filter(event_id__in=ids)
    out: dict[int, list[str]] = defaultdict(list)
    for event_id, person_id in qs.values_list("event_id", "person_id").iterator(chunk_size=BATCH * 4):
        out[event_id].append(person_id)
    return out


class _Walker:
    """The single pass over the events; it keeps only the previous link and the renumbering offset."""

    def __init__(self, result: VerificationResult, checkpoints: dict[int, list[AuditCheckpoint]],
                 expected: int, prev_hash: str | None, all_checkpoints: dict[int, AuditCheckpoint]):
        self.result = result
        self.checkpoints = checkpoints
        self.all_checkpoints = all_checkpoints  # by id, signature valid or not
        self.expected = expected  # stored seq the next row should have
        self.prev_hash = prev_hash  # hash the next row must name as prev_hash (None: not checked)
        self.prev_id: int | None = None
        self.offset = 0  # original seq = stored seq + offset (after renumbering is detected)
        self.last_good_checkpoint_seq = 0 if prev_hash == GENESIS else expected - 1

    def hash_at(self, fields: dict[str, Any], seq: int, prev_hash: str) -> str:
        return event_hash({**fields, "seq": seq}, prev_hash)

    def row(self, row: tuple[Any, ...], targets: list[str] | None) -> None:
        res = self.result
        event_id, stored_prev, stored_hash = row[0], row[-2], row[-1]
        fields = dict(zip(HASHED_FIELDS, row[1:-2], strict=True))
        seq = fields["seq"]
        fields["occurred_at"] = utc_iso(fields["occurred_at"])

        if seq < self.expected:
            res.add(Fault(FaultKind.INSERTED, seq, event_id,
                          f"連番 {seq} が重複しています（後から挿入された記録）。",
                          f"seq {seq} appears twice (a row was inserted)."))
            return
        link_explained = self.prev_hash is None
        if seq > self.expected:
            missing = (f"{self.expected}" if seq == self.expected + 1 else f"{self.expected}〜{seq - 1}")
            res.add(Fault(FaultKind.DELETED, self.expected, None,
                          f"連番 {missing} の記録がありません（削除）。",
                          f"seq {missing.replace('〜', '-')} missing (deleted)."))
            link_explained = True

        original = seq + self.offset
        if self.hash_at(fields, original, stored_prev) != stored_hash:
            if self.hash_at(fields, original + 1, stored_prev) == stored_hash:
                # The row was moved down one place: the event before it was deleted and the
                # later ones renumbered to close the gap.
                res.add(Fault(FaultKind.DELETED, seq, None,
                              f"連番 {seq} の記録が削除され、以降の連番が詰められています。",
                              f"the event at seq {seq} was deleted and later events renumbered."))
                self.offset += 1
                link_explained = True
            elif self.hash_at(fields, original - 1, stored_prev) == stored_hash:
                # Moved up one place: the row before it was inserted.
                res.add(Fault(FaultKind.INSERTED, seq - 1, self.prev_id,
                              f"連番 {seq - 1} の記録は後から挿入されたものです（以降の連番がずらされています）。",
                              f"the event at seq {seq - 1} was inserted (later events renumbered)."))
                self.offset -= 1
                link_explained = True
            else:
                res.add(Fault(FaultKind.MODIFIED, seq, event_id,
                              "記録の内容がハッシュと一致しません（内容が変更されています）。",
                              "stored hash does not match the event's content."))
                link_explained = True  # the stored hash, not the content, links onwards

        if not link_explained and stored_prev != self.prev_hash:
            if self.prev_id is not None:
                res.add(Fault(FaultKind.LINK_BROKEN, seq - 1, self.prev_id,
                              f"この記録のハッシュが、次の記録（連番 {seq}）の前ハッシュと一致しません。"
                              "内容を書き換えてハッシュを再計算したものです。",
                              f"its hash differs from the prev_hash recorded by seq {seq}: "
                              "rewritten with a recomputed hash."))
            else:
                res.add(Fault(FaultKind.LINK_BROKEN, seq, event_id,
                              "最初の記録の前ハッシュが正しくありません。",
                              "the first event's prev_hash is not the genesis value."))

        if targets is not None and sorted(targets) != sorted(fields["targets"] or []):
            res.add(Fault(FaultKind.TARGETS_MISMATCH, seq, event_id,
                          "対象者索引（宛名番号）が記録の対象者と一致しません。",
                          "the person index rows differ from the event's targets."))

        for cp in self.checkpoints.get(seq + self.offset, ()):
            if cp.hash != stored_hash:
                res.add(Fault(FaultKind.CHECKPOINT_MISMATCH, seq, event_id,
                              f"署名済みチェックポイント #{cp.pk} のハッシュと一致しません。連番 "
                              f"{self.last_good_checkpoint_seq + 1}〜{seq} のいずれかが書き換えられ、"
                              "ハッシュが再計算されています。",
                              f"differs from signed checkpoint #{cp.pk}: an event in seq "
                              f"{self.last_good_checkpoint_seq + 1}-{seq} was rewritten and the chain re-hashed.",
                              checkpoint_id=cp.pk))
            else:
                self.last_good_checkpoint_seq = seq

        if fields["event_type"] == EventType.AUDIT_CHECKPOINT:
            self.checkpoint_event(fields, seq, event_id)

        res.events_checked += 1
        if res.first_seq is None:
            res.first_seq = seq
        res.last_seq = seq
        self.prev_hash = stored_hash
        self.prev_id = event_id
        self.expected = seq + 1


    def checkpoint_event(self, fields: dict[str, Any], seq: int, event_id: int) -> None:
        """The event that recorded a checkpoint must still find it, unchanged: removing a
        checkpoint row (to rewrite what it covered) is caught here."""
        detail = fields["detail"] if isinstance(fields["detail"], dict) else {}
        cp_id = detail.get("checkpoint_id")
        if not isinstance(cp_id, int):
            return
        cp = self.all_checkpoints.get(cp_id)
        if cp is None:  # written after we listed the checkpoints? look again before accusing
            cp = AuditCheckpoint.objects.filter(pk=cp_id).first()
        if cp is None:
            self.result.add(Fault(FaultKind.CHECKPOINT_MISSING, seq, event_id,
                                  f"この記録が作成を記録したチェックポイント #{cp_id} がありません（削除）。",
                                  f"checkpoint #{cp_id}, whose writing this event records, is gone (deleted).",
                                  checkpoint_id=cp_id))
        elif (cp.seq, cp.hash) != (detail.get("seq"), detail.get("hash")):
            self.result.add(Fault(FaultKind.CHECKPOINT_MISMATCH, seq, event_id,
                                  f"チェックポイント #{cp_id} の連番・ハッシュが作成時の記録と一致しません。",
                                  f"checkpoint #{cp_id} no longer has the seq and hash recorded when it was written.",
                                  checkpoint_id=cp_id))


def verify(*, from_checkpoint: bool = False, check_targets: bool = True,
           heads_file: Path | str | None = None) -> VerificationResult:
    """Recompute the chain and return what was found (see the module docstring).

    ``heads_file``: the outside heads to check against (default ``JUKI_AUDIT_HEADS_FILE``;
    e.g. a copy shipped to another system).
    """
    path = Path(heads_file) if heads_file is not None else heads.heads_path()
    if connection.vendor == "postgresql":
        # One transaction lets the server stream the rows through a plain cursor.
        with transaction.atomic():
            return _verify(from_checkpoint, check_targets, path)
    # On SQLite a transaction would take the write lock (IMMEDIATE) for the whole pass.
    return _verify(from_checkpoint, check_targets, path)


def _verify(from_checkpoint: bool, check_targets: bool, heads_file: Path) -> VerificationResult:
    result = VerificationResult(from_checkpoint=from_checkpoint)
    result.missing_triggers = triggers.missing(connection)

    # Checkpoints are read before the events: each names an event committed before it.
    valid: list[AuditCheckpoint] = []
    every: dict[int, AuditCheckpoint] = {}
    for cp in AuditCheckpoint.objects.order_by("seq", "id"):
        every[cp.pk] = cp
        result.checkpoints_checked += 1
        if signature_valid(cp):
            valid.append(cp)
        else:
            result.add(Fault(FaultKind.CHECKPOINT_SIGNATURE, cp.seq, None,
                             f"チェックポイント #{cp.pk} の署名を検証できません（偽造または改ざん）。",
                             f"checkpoint #{cp.pk} signature does not verify (forged or altered).",
                             checkpoint_id=cp.pk))

    expected, prev_hash = 1, GENESIS
    boundary = _archive_boundary(valid)
    if boundary is not None:
        # Events up to the boundary were archived (juki.audit.retention): start there.
        expected, prev_hash = boundary.seq + 1, boundary.hash
        result.start_checkpoint_id, result.start_seq = boundary.pk, boundary.seq
    if from_checkpoint and valid and (boundary is None or valid[-1].seq > boundary.seq):
        start = valid[-1]
        result.start_checkpoint_id, result.start_seq = start.pk, start.seq
        if start.seq > 0:
            # Trust everything up to the checkpoint; its own event is re-checked against it.
            expected, prev_hash = start.seq, None  # type: ignore[assignment]  # no previous hash to compare
    for cp in valid:
        if cp.seq == 0 and cp.hash != GENESIS:
            result.add(Fault(FaultKind.CHECKPOINT_MISMATCH, 0, None, "空の記録のチェックポイントが不正です。",
                             "checkpoint of the empty log has a non-genesis hash.", checkpoint_id=cp.pk))
    by_seq: dict[int, list[AuditCheckpoint]] = defaultdict(list)
    for cp in valid:
        if cp.seq >= expected:
            by_seq[cp.seq].append(cp)

    walker = _Walker(result, by_seq, expected, prev_hash, every)
    for batch in _batches(_rows(expected)):
        targets = _targets_by_event(batch) if check_targets else None
        for row in batch:
            walker.row(row, targets.get(row[0], []) if targets is not None else None)

    _check_tail(result, walker, valid)
    _check_outside_heads(result, heads_file, valid, boundary)
    return result


def _archive_boundary(valid: list[AuditCheckpoint]) -> AuditCheckpoint | None:
    """When the earliest retained event's seq is above 1, the signed checkpoint at the seq
    before it, provided an ``AUDIT_ARCHIVED`` event names that range and checkpoint. Without
    both, verification starts at seq 1 and reports the missing events as deleted."""
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    if first is None or first <= 1:
        return None
    archived = AuditEvent.objects.filter(event_type=EventType.AUDIT_ARCHIVED, outcome=Outcome.OK, seq__gt=first - 1)
    named = {(d.get("last_seq"), d.get("checkpoint_id"))
             for d in archived.values_list("detail", flat=True) if isinstance(d, dict)}
    for cp in valid:
        if cp.seq == first - 1 and (cp.seq, cp.pk) in named:
            return cp
    return None


def _check_tail(result: VerificationResult, walker: _Walker, checkpoints: list[AuditCheckpoint]) -> None:
    """Head and checkpoints must not point past the last event, nor disagree with it."""
    last_seq = (result.last_seq if result.last_seq is not None else walker.expected - 1)
    last_original = last_seq + walker.offset
    latest = checkpoints[-1] if checkpoints else None
    if latest is not None and latest.seq > last_original:
        result.add(Fault(FaultKind.TRUNCATED, last_seq + 1, None,
                         f"署名済みチェックポイント #{latest.pk} は連番 {latest.seq} までありますが、記録は連番 "
                         f"{last_seq} で終わっています（末尾の削除）。",
                         f"signed checkpoint #{latest.pk} covers seq {latest.seq} but the log ends at seq "
                         f"{last_seq} (tail deleted).", checkpoint_id=latest.pk))

    head = AuditChainHead.objects.filter(pk=1).first()  # read after the events: never behind them
    result.head_seq = head.seq if head is not None else None
    if head is None:
        if result.last_seq is not None:
            result.add(Fault(FaultKind.HEAD_MISMATCH, last_seq, None, "チェーン先頭情報がありません。",
                             "the chain head row is missing."))
        return
    if head.seq > last_original:
        if AuditEvent.objects.filter(seq=last_seq + 1).exists():
            return  # appended while we were reading: verified up to last_seq
        result.add(Fault(FaultKind.TRUNCATED, last_seq + 1, None,
                         f"チェーン先頭情報は連番 {head.seq} までありますが、記録は連番 {last_seq} で"
                         "終わっています（末尾の削除）。",
                         f"the chain head is at seq {head.seq} but the log ends at seq {last_seq} (tail deleted)."))
    elif head.seq < last_original:
        extra = AuditEvent.objects.filter(seq__gt=head.seq - walker.offset).order_by("seq").first()
        result.add(Fault(FaultKind.INSERTED, head.seq + 1 - walker.offset, extra.pk if extra else None,
                         f"チェーン先頭（連番 {head.seq}）より後に記録が追加されています（挿入）。",
                         f"events after the chain head (seq {head.seq}) were inserted."))
    elif result.last_seq is not None and head.hash != walker.prev_hash:
        result.add(Fault(FaultKind.HEAD_MISMATCH, last_seq, walker.prev_id,
                         "最後の記録のハッシュがチェーン先頭情報と一致しません（書換え）。",
                         "the last event's hash differs from the chain head (rewritten)."))


def _check_outside_heads(result: VerificationResult, path: Path, valid: list[AuditCheckpoint],
                         boundary: AuditCheckpoint | None) -> None:
    """Every signed head published outside the database must still be in the chain.

    Streams the file in batches. A line whose statement and signature equal a signature-valid
    checkpoint row needs no second Ed25519 check; any other line (its checkpoint row deleted,
    or a line forged) is verified on its own. Heads inside an archived range (before the
    verified archive boundary) are covered by the archive's own verification; with
    ``--from-checkpoint`` heads before the starting checkpoint are trusted like the events they
    sign, except the last one.
    """
    result.heads_file = str(path)
    result.heads_file_found = path.exists()
    known = {(cp.seq, cp.hash, utc_iso(cp.created_at), cp.key_id, cp.signature) for cp in valid}
    floor = boundary.seq if boundary is not None else 0
    if result.from_checkpoint:
        floor = max(floor, result.start_seq)
    end = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    last: heads.OutsideHead | None = None
    batch: list[heads.OutsideHead] = []
    try:
        for item in heads.iter_heads(path):
            if isinstance(item, heads.BadHeadLine):
                result.add(Fault(FaultKind.OUTSIDE_HEAD_INVALID, 0, None,
                                 f"外部保管のチェーン先頭ファイル {path} の {item.line_no} 行目を読めません"
                                 f"（{item.reason}）。",
                                 f"line {item.line_no} of the outside heads file {path} is unreadable ({item.reason})."))
                continue
            if item.statement_key() not in known and not signature_valid(item.as_checkpoint()):
                result.add(Fault(FaultKind.OUTSIDE_HEAD_INVALID, item.seq, None,
                                 f"外部保管のチェーン先頭（{path} の {item.line_no} 行目、連番 {item.seq}）の署名を"
                                 "検証できません（偽造または改ざん）。",
                                 f"the outside head on line {item.line_no} of {path} (seq {item.seq}) has a "
                                 "signature that does not verify (forged or altered)."))
                continue
            if last is None or item.seq > last.seq:
                last = item
            if item.seq >= floor:
                batch.append(item)
                if len(batch) >= BATCH:
                    _match_heads(result, batch, boundary, end)
                    batch = []
    except OSError as exc:
        result.add(Fault(FaultKind.OUTSIDE_HEAD_INVALID, 0, None,
                         f"外部保管のチェーン先頭ファイル {path} を読めません（{exc.strerror or exc}）。",
                         f"cannot read the outside heads file {path}: {exc}"))
        return
    if last is not None and last.seq < floor:
        batch.append(last)  # trusted with the events before the start, but still the latest
    _match_heads(result, batch, boundary, end)
    if last is None:
        return
    result.last_outside_seq = last.seq
    if last.seq > end:
        result.add(Fault(FaultKind.OUTSIDE_HEAD_MISSING, end + 1, None,
                         f"外部保管の署名済みチェーン先頭は連番 {last.seq}（{utc_iso(last.created_at)}）まで"
                         f"ありますが、記録は連番 {end} で終わっています。連番 {end + 1}〜{last.seq} 以降の記録と"
                         "チェックポイントが削除され、チェーン先頭が戻されています（末尾の削除）。",
                         f"an outside signed head names seq {last.seq} ({utc_iso(last.created_at)}) but the log "
                         f"ends at seq {end}: seq {end + 1}-{last.seq} and later were deleted with their "
                         "checkpoints and the chain head moved back (tail deleted)."))


def _match_heads(result: VerificationResult, batch: list[heads.OutsideHead], boundary: AuditCheckpoint | None,
                 end: int) -> None:
    """Each head of ``batch`` must find an event at its seq with its hash (heads beyond the
    chain's end are reported once, as the tail, by the caller)."""
    if not batch:
        return
    hashes: dict[int, set[str]] = defaultdict(set)
    for seq, stored in AuditEvent.objects.filter(seq__in={h.seq for h in batch}).values_list("seq", "hash"):
        hashes[seq].add(stored)
    if boundary is not None:
        hashes[boundary.seq].add(boundary.hash)
    hashes[0].add(GENESIS)
    for head in batch:
        result.outside_heads_checked += 1
        if head.hash in hashes.get(head.seq, ()) or head.seq > end:
            continue
        if not hashes.get(head.seq):
            result.add(Fault(FaultKind.OUTSIDE_HEAD_MISSING, head.seq, None,
                             f"外部保管の署名済みチェーン先頭（連番 {head.seq}）の記録がありません（削除）。",
                             f"the event at seq {head.seq}, signed by an outside head, is gone (deleted)."))
        else:
            result.add(Fault(FaultKind.OUTSIDE_HEAD_MISMATCH, head.seq, None,
                             f"連番 {head.seq} の記録のハッシュが外部保管の署名済みチェーン先頭と一致しません"
                             "（この連番までのいずれかの記録が書き換えられ、ハッシュが再計算されています）。",
                             f"the hash at seq {head.seq} differs from the outside signed head: an event up "
                             "to it was rewritten and the chain re-hashed."))
