"""The bulk path of the demo load (一括書込み): ``COPY`` / ``executemany`` of ready rows, and
the secondary indexes dropped before a large load and rebuilt after it, then ``ANALYZE``."""

from __future__ import annotations

from typing import Any

from django.db import connection

from juki.register.models import (
    District,
    Household,
    Municipality,
    Person,
    ResidentRecord,
    TownBlock,
)


def write_rows(table: str, columns: Any, rows: list[Any], *, freeze: bool = False) -> None:
    """The raw bulk write: ``COPY`` on PostgreSQL, ``executemany`` on SQLite (in the caller's
    transaction). Also the baseline ``juki bench`` compares the loader with. On PostgreSQL
    ``rows`` may be lines already in ``COPY`` text format (bytes) (:mod:`juki.tools.demo.rows`);
    ``freeze`` (``COPY … FREEZE``) only for a table truncated in the current transaction."""
    if not rows:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        options = " WITH (FREEZE)" if freeze else ""
        with raw.cursor() as cur, cur.copy(f"COPY {qn(table)} ({cols}) FROM STDIN{options}") as copy:
            if isinstance(rows[0], bytes | bytearray):
                copy.write(b"".join(rows))
            else:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)  # noqa: S608 - names from model meta
        finally:
            cur.close()


# --- indexes: dropped before a large load, rebuilt after (faster than maintaining them) ----

def drop_secondary_indexes(table: str) -> list[str]:
    """Drop ``table``'s indexes, unique and foreign-key constraints except the primary key;
    return the SQL that recreates them (in order). Runs inside the load transaction, so a
    failed load restores them with the rollback."""
    restore: list[str] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u') ORDER BY c.contype DESC, c.conname",
                [table])
            constraints = cur.fetchall()
            cur.execute(
                "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class ci ON ci.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                [table])
            indexes = cur.fetchall()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block ALTER TABLE
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for name, _ in constraints:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            restore += [definition for _, definition in indexes]
            restore += [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                        for name, definition in reversed(constraints)]  # unique first, then FKs
        else:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL ORDER BY name", [table])
            for name, sql in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                restore.append(sql)
    return restore


def rebuild_indexes(restore: list[str]) -> None:
    """Recreate what :func:`drop_secondary_indexes` dropped, then refresh planner statistics
    of the tables the load wrote (:func:`analyze_loaded_tables`)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Sorts of millions of keys in memory; the parallel btree build uses both cores.
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        for sql in restore:
            cur.execute(sql)
    analyze_loaded_tables()


#: What the demo load writes (and so what it analyses).
LOADED_MODELS = (Municipality, District, TownBlock, Household, Person, ResidentRecord)


def analyze_loaded_tables() -> None:
    """``ANALYZE`` the tables the load wrote (not the whole database).

    On PostgreSQL a table with raised per-column statistics targets (the record table's name
    keys, 1000: migration register.0005) is analysed in two passes: every column and
    expression index at the default target, then those columns alone at theirs. One plain
    ``ANALYZE`` would sample 300 × 1000 rows for *every* one of its ~80 columns; this gives
    the raised columns the same statistics for a tenth of the time, and the others those of
    the default target. The targets are restored in the same transaction."""
    with connection.cursor() as cur:
        for model in LOADED_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            raised: list[tuple[str, int]] = []
            if connection.vendor == "postgresql":
                cur.execute("SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = %s::regclass "
                            "AND attnum > 0 AND NOT attisdropped AND attstattarget > 0 ORDER BY attnum",
                            [model._meta.db_table])
                raised = [(name, int(target)) for name, target in cur.fetchall()]
            if not raised:
                cur.execute(f"ANALYZE {table}")
                continue
            cols = [connection.ops.quote_name(name) for name, _ in raised]
            cur.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET STATISTICS -1" for c in cols))
            cur.execute(f"ANALYZE {table}")
            cur.execute(f"ALTER TABLE {table} " + ", ".join(
                f"ALTER COLUMN {c} SET STATISTICS {target}" for c, (_, target) in zip(cols, raised, strict=True)))
            cur.execute(f"ANALYZE {table} ({', '.join(cols)})")


def truncate_for_freeze(table: str) -> bool:
    """PostgreSQL: ``TRUNCATE`` the (empty) ``table`` so that ``COPY … FREEZE`` may write it
    in this transaction: rows frozen and pages all-visible at once, so no later VACUUM is
    needed for index-only scans. False (nothing done) when another table references it."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass "
                    "AND conrelid <> confrelid", [table])
        if cur.fetchone() is not None:
            return False
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block TRUNCATE
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute(f"TRUNCATE {connection.ops.quote_name(table)}")
    return True
