"""Retention of the audit log and of provision records (記録の保存期間).

The audit log is kept at least ``settings.JUKI_AUDIT_RETENTION_YEARS`` (default 10) years and
provision records — the register's ``OutboxEvent`` rows, what was sent out to other systems —
at least ``settings.JUKI_PROVISION_RETENTION_YEARS`` (default 7) years (Hiroshima digest
D2.9). A cut-off later than that many years before today is refused, whatever the caller.
Provision records are purged by :mod:`juki.register.provision_records` with these checks.

:func:`do_archive_audit_log` is **the only sanctioned deletion of audit events**. In one
transaction, holding the chain-head lock, it

1. checks the whole chain first (a damaged log is never archived: that would destroy evidence);
2. signs a *boundary checkpoint* at the last archived ``seq`` (an ``AUDIT_CHECKPOINT`` event
   records it, as for every checkpoint);
3. writes the archived events, with their person-index rows, to a gzip'd JSON Lines file and
   a manifest (first/last seq, count, SHA-256 of the file, the boundary checkpoint with its
   signature) for offline media (D2.11), flushed to disk before anything is deleted;
4. lifts the ``DELETE`` triggers of ``audit_auditevent`` and ``audit_auditeventtarget`` for
   this transaction only (:func:`_deletion_window`), deletes the range, and puts them back;
5. records ``AUDIT_ARCHIVED`` naming the range, the file's and the manifest's SHA-256.

If anything fails the transaction rolls back — rows and triggers come back together (DDL is
transactional on PostgreSQL and SQLite) — and the files just written are removed.
Afterwards :func:`juki.audit.verify.verify` starts from the boundary checkpoint; the archive
file is checked offline with :func:`verify_archive` (``juki audit verify-archive FILE``).
Checkpoint rows are never deleted (they hold no personal data and still verify the archive).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError, ValidationFailed
from juki.core.keys import provider

from . import triggers
from .chain import GENESIS, HASHED_FIELDS, event_hash, utc_iso
from .checkpoints import PURPOSE, signature_valid, statement
from .events import EventType
from .heads import publish_on_commit
from .log import record
from .models import AuditChainHead, AuditCheckpoint, AuditEvent, AuditEventTarget

FUNCTION = "cli.audit"
ARCHIVE_VERSION = "juki-audit-archive/1"
BATCH = 2000


#: Legal minimums: a setting may lengthen the periods, never shorten them.
MIN_AUDIT_YEARS = 10
MIN_PROVISION_YEARS = 7


def audit_retention_years() -> int:
    return max(int(getattr(settings, "JUKI_AUDIT_RETENTION_YEARS", MIN_AUDIT_YEARS)), MIN_AUDIT_YEARS)


def provision_retention_years() -> int:
    return max(int(getattr(settings, "JUKI_PROVISION_RETENTION_YEARS", MIN_PROVISION_YEARS)), MIN_PROVISION_YEARS)


class RetentionTooShort(ValidationFailed):
    """The cut-off falls inside the legal retention period: refused."""

    def __init__(self, what: str, years: int, before: dt.date, earliest: dt.date) -> None:
        super().__init__(
            code="RETENTION_TOO_SHORT",
            message=f"{what}は{years}年間保存しなければなりません。基準日 {before.isoformat()} は"
                    f"{earliest.isoformat()} より後のため、消去できません。",
            field="before",
        )


class ArchiveRefused(JukiError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code=code, message=message, status=409)


def years_before(day: dt.date, years: int) -> dt.date:
    """``day`` minus ``years`` calendar years (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def check_cutoff(before: dt.date, *, years: int, what: str, today: dt.date | None = None) -> None:
    """Refuse a cut-off later than ``years`` years before today: records dated on or after
    ``before`` are kept, so ``before`` may be at most today minus ``years``."""
    earliest = years_before(today or clock.today(), years)
    if before > earliest:
        raise RetentionTooShort(what, years, before, earliest)


def cutoff_instant(before: dt.date) -> dt.datetime:
    """Start of ``before`` in the municipality's time zone."""
    return timezone.make_aware(dt.datetime.combine(before, dt.time.min))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class ArchiveResult:
    before: dt.date
    dry_run: bool
    first_seq: int | None = None
    last_seq: int | None = None
    count: int = 0
    archive_path: str = ""
    manifest_path: str = ""
    sha256: str = ""
    manifest_sha256: str = ""
    checkpoint_id: int | None = None

    def as_detail(self) -> dict[str, Any]:
        out = asdict(self)
        out["before"] = self.before.isoformat()
        return out


def archive_range(before: dt.date) -> tuple[int, int] | None:
    """(first, last) seq of the events to archive: from the earliest retained up to the event
    just before the first one dated on or after the cut-off (never one dated after it)."""
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    if first is None:
        return None
    cutoff = cutoff_instant(before)
    newer = AuditEvent.objects.filter(occurred_at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    if newer is None:
        newer = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    last = newer - 1
    return (first, last) if last >= first else None


def _event_lines(first: int, last: int) -> Iterator[dict[str, Any]]:
    columns = ("id", *HASHED_FIELDS, "prev_hash", "hash")
    qs = AuditEvent.objects.filter(seq__gte=first, seq__lte=last).order_by("seq").values_list(*columns)
    batch: list[tuple[Any, ...]] = []

    def flush(rows: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
        ids = [r[0] for r in rows]
        index: dict[int, list[str]] = {}
        for event_id, person_id in (AuditEventTarget.objects.filter(event_id__in=ids)
                                    .order_by("id").values_list("event_id", "person_id")):
            index.setdefault(event_id, []).append(person_id)
        for r in rows:
            item = dict(zip(columns, r, strict=True))
            item["occurred_at"] = utc_iso(item["occurred_at"])
            item["target_rows"] = index.get(r[0], [])
            yield item

    for row in qs.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


def _sign_boundary(seq: int, head_hash: str) -> AuditCheckpoint:
    kid = provider().current_kid(PURPOSE)
    created_at = clock.now()
    signature = provider().signing_key(kid).sign(statement(seq, head_hash, created_at, kid))
    return AuditCheckpoint.objects.create(seq=seq, hash=head_hash, created_at=created_at, key_id=kid,
                                          signature=signature.hex())


@contextmanager
def _deletion_window() -> Iterator[None]:
    """Lift the DELETE guard on the event and person-index tables for the enclosed block.

    The only place in production that does so (the test fixture in ``audit/testing.py`` uses
    :func:`juki.audit.triggers.suspended` for Django's flush). Must run inside the archive
    transaction: on PostgreSQL ``DISABLE TRIGGER`` takes an exclusive lock on the table until
    commit, so no other session can write or delete meanwhile; on SQLite the one writer holds
    the database. Either way a rollback restores the triggers, and the triggers are checked to
    be back before the transaction may commit.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("the audit deletion window needs an enclosing transaction")
    tables = ("audit_auditevent", "audit_auditeventtarget")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"')
            saved: list[tuple[str, str]] = []
        else:
            names = [f"{t}_no_delete" for t in tables]
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)", names)
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_append_only"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for _name, sql in saved:
                cursor.execute(sql)
    missing = [n for n in triggers.missing(connection) if n.startswith(tables)]
    if missing:
        raise RuntimeError(f"append-only triggers not restored: {missing}")


def do_archive_audit_log(
    *, before: dt.date, out_dir: Path | str | None = None, dry_run: bool = False,
    actor: Actor, today: dt.date | None = None,
) -> ArchiveResult:
    """操作記録のアーカイブ: archive and delete the events dated before ``before`` (see module)."""
    from .verify import verify

    years = audit_retention_years()
    check_cutoff(before, years=years, what="操作記録", today=today)
    result = ArchiveResult(before=before, dry_run=dry_run)
    span = archive_range(before)
    if span is None:
        return result
    result.first_seq, result.last_seq = span
    result.count = AuditEvent.objects.filter(seq__gte=span[0], seq__lte=span[1]).count()
    if dry_run:
        return result

    check = verify()
    if not check.ok:
        first_fault = check.first
        raise ArchiveRefused("AUDIT_ARCHIVE_LOG_BROKEN",
                             "操作記録の検証に失敗したため、アーカイブできません（証拠を失わないため）。"
                             + (f" {first_fault.describe()}" if first_fault else ""))

    directory = Path(out_dir) if out_dir else Path(settings.JUKI_HOME) / "audit-archive"
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        with transaction.atomic():
            AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            span = archive_range(before)  # again, under the lock
            if span is None:
                return ArchiveResult(before=before, dry_run=False)
            first, last = span
            boundary_hash = AuditEvent.objects.get(seq=last).hash
            checkpoint = _sign_boundary(last, boundary_hash)
            record(EventType.AUDIT_CHECKPOINT, action="checkpoint", function=FUNCTION, terminal_id="cli",
                   detail={**actor.operator_detail(), "checkpoint_id": checkpoint.pk, "seq": last,
                           "hash": boundary_hash, "key_id": checkpoint.key_id, "archive_boundary": True})
            publish_on_commit(checkpoint)

            stem = f"juki-audit-{first:012d}-{last:012d}"
            archive = directory / f"{stem}.jsonl.gz"
            manifest_path = directory / f"{stem}.manifest.json"
            if archive.exists() or manifest_path.exists():
                raise ArchiveRefused("AUDIT_ARCHIVE_EXISTS", f"アーカイブファイル {archive} は既にあります。")
            count = 0
            written.append(archive)
            with archive.open("wb") as raw:
                with gzip.GzipFile(filename=f"{stem}.jsonl", mode="wb", fileobj=raw, mtime=0) as gz:
                    for item in _event_lines(first, last):
                        gz.write(_canonical(item) + b"\n")
                        count += 1
                raw.flush()
                os.fsync(raw.fileno())
            digest = _sha256_file(archive)
            manifest = {
                "v": ARCHIVE_VERSION, "file": archive.name, "sha256": digest, "first_seq": first,
                "last_seq": last, "count": count, "before": before.isoformat(),
                "created_at": utc_iso(clock.now()),
                "checkpoint": {"id": checkpoint.pk, "seq": checkpoint.seq, "hash": checkpoint.hash,
                               "created_at": utc_iso(checkpoint.created_at), "key_id": checkpoint.key_id,
                               "signature": checkpoint.signature},
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
            written.append(manifest_path)
            with manifest_path.open("wb") as f:
                f.write(manifest_bytes)
                f.flush()
                os.fsync(f.fileno())

            with _deletion_window():
                AuditEventTarget.objects.filter(event__seq__gte=first, event__seq__lte=last).delete()
                deleted, _ = AuditEvent.objects.filter(seq__gte=first, seq__lte=last).delete()
            if deleted != count:
                raise RuntimeError(f"archived {count} events but deleted {deleted}")

            result = ArchiveResult(
                before=before, dry_run=False, first_seq=first, last_seq=last, count=count,
                archive_path=str(archive), manifest_path=str(manifest_path), sha256=digest,
                manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(), checkpoint_id=checkpoint.pk,
            )
            record(EventType.AUDIT_ARCHIVED, action="archive", function=FUNCTION, terminal_id="cli",
                   detail={**actor.operator_detail(), **_archived_detail(result)})
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


def _archived_detail(result: ArchiveResult) -> dict[str, Any]:
    return {
        "first_seq": result.first_seq, "last_seq": result.last_seq, "count": result.count,
        "before": result.before.isoformat(), "file": Path(result.archive_path).name,
        "sha256": result.sha256, "manifest_sha256": result.manifest_sha256,
        "checkpoint_id": result.checkpoint_id, "retention_years": audit_retention_years(),
    }


# ---------------------------------------------------------------------------------------------
# Checking an archive file offline (アーカイブファイルの検証)


@dataclass
class ArchiveCheck:
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def manifest_path_for(path: Path | str) -> tuple[Path, Path]:
    """(archive, manifest) for either file's path."""
    p = Path(path)
    if p.name.endswith(".manifest.json"):
        return p.with_name(p.name.removesuffix(".manifest.json") + ".jsonl.gz"), p
    return p, p.with_name(p.name.removesuffix(".jsonl.gz") + ".manifest.json")


def verify_archive(path: Path | str) -> ArchiveCheck:
    """Check an archive against its manifest: file hash, count and range, every event's hash
    and link, the last hash against the boundary checkpoint, and the checkpoint's signature."""
    archive, manifest_file = manifest_path_for(path)
    check = ArchiveCheck()
    try:
        check.manifest = manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        check.problems.append(f"マニフェストを読めません / cannot read the manifest: {exc}")
        return check
    if manifest.get("v") != ARCHIVE_VERSION:
        check.problems.append("マニフェストの形式が違います / unknown manifest version")
        return check
    try:
        digest = _sha256_file(archive)
    except OSError as exc:
        check.problems.append(f"アーカイブファイルを読めません / cannot read the archive: {exc}")
        return check
    if digest != manifest.get("sha256"):
        check.problems.append("ファイルのSHA-256がマニフェストと一致しません（改ざん） / file SHA-256 differs from the manifest")

    cp_data = manifest.get("checkpoint") or {}
    try:
        cp = AuditCheckpoint(seq=int(cp_data["seq"]), hash=str(cp_data["hash"]),
                             created_at=dt.datetime.fromisoformat(cp_data["created_at"]),
                             key_id=str(cp_data["key_id"]), signature=str(cp_data["signature"]))
        cp_ok = signature_valid(cp)
    except (KeyError, TypeError, ValueError):
        cp, cp_ok = None, False
    if not cp_ok:
        check.problems.append("境界チェックポイントの署名を検証できません / boundary checkpoint signature does not verify")

    prev: str | None = None
    expected = manifest.get("first_seq")
    last_hash = None
    try:
        with gzip.open(archive, "rb") as gz:
            for n, line in enumerate(gz, start=1):
                item = json.loads(line)
                fields = {k: item[k] for k in HASHED_FIELDS}
                seq = fields["seq"]
                if seq != expected:
                    check.problems.append(f"連番 {expected} がありません / seq {expected} missing (line {n})")
                    expected = seq
                if event_hash(fields, item["prev_hash"]) != item["hash"]:
                    check.problems.append(f"連番 {seq} の内容がハッシュと一致しません / seq {seq} modified")
                if prev is not None and item["prev_hash"] != prev:
                    check.problems.append(f"連番 {seq} の前ハッシュが連鎖しません / seq {seq} link broken")
                if seq == 1 and item["prev_hash"] != GENESIS:
                    check.problems.append("最初の記録の前ハッシュが不正です / first prev_hash is not genesis")
                if sorted(item.get("target_rows") or []) != sorted(fields["targets"] or []):
                    check.problems.append(f"連番 {seq} の対象者索引が一致しません / seq {seq} person index mismatch")
                prev = last_hash = item["hash"]
                expected = seq + 1
                check.count += 1
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"アーカイブファイルを読めません（破損） / archive unreadable: {exc}")
        return check
    if check.count != manifest.get("count") or (expected or 0) - 1 != manifest.get("last_seq"):
        check.problems.append(
            f"件数・範囲がマニフェストと一致しません（{check.count} 件） / count or range differs from the manifest")
    if cp is not None and (cp.seq != manifest.get("last_seq") or cp.hash != last_hash):
        check.problems.append("最後の記録が境界チェックポイントと一致しません / last event differs from the boundary checkpoint")
    return check
