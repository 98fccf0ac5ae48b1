"""The end of each version's validity (効力の終わり, ``ResidentRecord.valid_to``), kept by the database.

The version of a person's record in force on a day D is the one with the latest ``valid_from``
(異動日) on or before D, ties broken by the higher ``version`` (:mod:`juki.register.history`).
``valid_to`` stores the consequence of that rule on each row: it is the ``valid_from`` of the
*next* version of the same person in the order (``valid_from``, ``version``), and NULL for the
last one. Then

    the version in force on D  ⇔  valid_from ≤ D AND (valid_to IS NULL OR valid_to > D)

— one row per person, found without comparing a version with its siblings (docs/performance.md: the
population statistics read only the rows in force instead of anti-joining every version).
Because the order is by ``valid_from`` first, the next version's ``valid_from`` is the minimum
over all later versions; two versions with the same ``valid_from`` give the earlier one an
empty interval (``valid_to = valid_from``), which is the tie rule.

``valid_to`` is derived data and the database keeps it, whoever writes the table (the change
workflow, corrections, restorations, the benchmark's raw statements, a database prompt):

- on INSERT, the new row gets the ``valid_from`` of the versions after it (normally none:
  NULL), and the versions before it whose ``valid_to`` was later (or NULL) now end on its
  ``valid_from`` — a back-dated version (遡及した異動) slots into the history;
- on DELETE of a single version (the benchmark undoes its raw changes so), the person's
  versions are recomputed;
- on an UPDATE that changes ``person_id``, ``valid_from``, ``version`` or ``valid_to`` itself,
  the person's versions are recomputed, so a stale value written back from a model instance
  is corrected at once.

The triggers are plpgsql on PostgreSQL and SQL triggers on SQLite, installed by migration
``register.0006_record_valid_to`` (the SQL is here so that a later migration that rebuilds
the record table on SQLite — Django's "remake table" — can put them back with
:func:`install`; ``tests/register/test_validity.py`` checks they exist after all migrations).

A model instance does not see the value the database computed for its own row until it is
read again (``refresh_from_db``); nothing in the change path reads ``valid_to``.

Bulk loads (``juki demo``) write rows by COPY / executemany with the record table's indexes
dropped; a per-row trigger would then search the whole table for each row. The loader
should write ``valid_to`` itself (:func:`valid_to_of` gives it from a person's versions) with
the triggers :func:`suspended`, or suspend them and call :func:`set_valid_to_after_bulk_load`
once the rows are in (on PostgreSQL that UPDATE rewrites two thirds of the table: VACUUM
afterwards). :func:`mismatches` counts the versions whose ``valid_to`` is not the rule's (one
scan; 0 after a correct load).

Cost on the write path (measured on PostgreSQL, 200,000 residents): the raw 転居 of the
benchmark (UPDATE + INSERT … SELECT) went from ≈ 5.5 to ≈ 7.2 ms — one index probe before the
insert and one UPDATE of the previous version after it (docs/performance.md, "Session 3:
population statistics").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db import transaction

TABLE = "register_residentrecord"

#: PostgreSQL trigger names (all on :data:`TABLE`).
PG_TRIGGERS = ("record_valid_to_before_insert", "record_valid_to_after_insert",
               "record_valid_to_after_delete", "record_valid_to_after_update")
#: SQLite trigger names.
SQLITE_TRIGGERS = ("record_valid_to_after_insert", "record_valid_to_after_delete", "record_valid_to_after_update")

_PG_FN_REFRESH = "juki_record_valid_to_refresh"
_PG_FN_BEFORE_INSERT = "juki_record_valid_to_before_insert"
_PG_FN_AFTER_INSERT = "juki_record_valid_to_after_insert"
_PG_FN_AFTER_DELETE = "juki_record_valid_to_after_delete"
_PG_FN_AFTER_UPDATE = "juki_record_valid_to_after_update"

#: The version ``r`` is before ``u`` in the order (valid_from, version).
_LATER = "(u.valid_from > {r}.valid_from OR (u.valid_from = {r}.valid_from AND u.version > {r}.version))"

#: The changes that make a row's ``valid_to`` (or its siblings') to be recomputed.
_KEY_CHANGED = ("OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.valid_from IS DISTINCT FROM NEW.valid_from "
                "OR OLD.version IS DISTINCT FROM NEW.version OR OLD.valid_to IS DISTINCT FROM NEW.valid_to")


def trigger_names(vendor: str) -> tuple[str, ...]:
    return PG_TRIGGERS if vendor == "postgresql" else SQLITE_TRIGGERS


def _postgresql_sql() -> list[str]:
    return [
        # Recompute one person's valid_to from its versions; writes only rows that differ.
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FN_REFRESH}(p bigint) RETURNS void LANGUAGE sql AS $$
            UPDATE {TABLE} AS r SET valid_to = s.next_from
            FROM (SELECT id, LEAD(valid_from) OVER (ORDER BY valid_from, version) AS next_from
                  FROM {TABLE} WHERE person_id = p) AS s
            WHERE r.id = s.id AND r.valid_to IS DISTINCT FROM s.next_from;
        $$;
        """,  # noqa: S608 - table and function names are constants of this module
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FN_BEFORE_INSERT}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.valid_to := (SELECT MIN(u.valid_from) FROM {TABLE} AS u
                             WHERE u.person_id = NEW.person_id AND {_LATER.format(r="NEW")});
            RETURN NEW;
        END
        $$;
        """,  # noqa: S608 - constants of this module
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FN_AFTER_INSERT}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {TABLE} AS r SET valid_to = NEW.valid_from
            WHERE r.person_id = NEW.person_id AND r.id <> NEW.id
              AND (r.valid_from < NEW.valid_from OR (r.valid_from = NEW.valid_from AND r.version < NEW.version))
              AND (r.valid_to IS NULL OR r.valid_to > NEW.valid_from);
            RETURN NULL;
        END
        $$;
        """,  # noqa: S608 - constants of this module
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FN_AFTER_DELETE}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {_PG_FN_REFRESH}(OLD.person_id);
            RETURN NULL;
        END
        $$;
        """,
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FN_AFTER_UPDATE}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {_PG_FN_REFRESH}(OLD.person_id);
            IF NEW.person_id IS DISTINCT FROM OLD.person_id THEN
                PERFORM {_PG_FN_REFRESH}(NEW.person_id);
            END IF;
            RETURN NULL;
        END
        $$;
        """,
        *[f'DROP TRIGGER IF EXISTS "{name}" ON "{TABLE}";' for name in PG_TRIGGERS],
        f'CREATE TRIGGER "record_valid_to_before_insert" BEFORE INSERT ON "{TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_FN_BEFORE_INSERT}();",
        f'CREATE TRIGGER "record_valid_to_after_insert" AFTER INSERT ON "{TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_FN_AFTER_INSERT}();",
        f'CREATE TRIGGER "record_valid_to_after_delete" AFTER DELETE ON "{TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_FN_AFTER_DELETE}();",
        # Not for the UPDATEs these functions make themselves (trigger depth > 0): they leave
        # the person's versions right, and re-checking them cost a window query per change.
        f'CREATE TRIGGER "record_valid_to_after_update" AFTER UPDATE ON "{TABLE}" '
        f"FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND ({_KEY_CHANGED})) EXECUTE FUNCTION {_PG_FN_AFTER_UPDATE}();",
    ]


def _sqlite_refresh(person: str) -> str:
    """One person's versions recomputed (SQLite trigger body statement)."""
    nxt = f"(SELECT MIN(u.valid_from) FROM {TABLE} AS u WHERE u.person_id = {TABLE}.person_id AND {_LATER.format(r=TABLE)})"  # noqa: S608
    return f"UPDATE {TABLE} SET valid_to = {nxt} WHERE person_id = {person} AND valid_to IS NOT {nxt};"  # noqa: S608


def _sqlite_sql() -> list[str]:
    key_changed = _KEY_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    return [
        # SQLite has no BEFORE trigger that can change NEW: the new row is written, then set.
        f'CREATE TRIGGER IF NOT EXISTS "record_valid_to_after_insert" AFTER INSERT ON "{TABLE}" '
        f"BEGIN {_sqlite_refresh('NEW.person_id')} END;",
        f'CREATE TRIGGER IF NOT EXISTS "record_valid_to_after_delete" AFTER DELETE ON "{TABLE}" '
        f"BEGIN {_sqlite_refresh('OLD.person_id')} END;",
        # recursive_triggers is off (SQLite's default): the trigger's own UPDATE does not fire it.
        f'CREATE TRIGGER IF NOT EXISTS "record_valid_to_after_update" AFTER UPDATE ON "{TABLE}" '
        f"WHEN {key_changed} "
        f"BEGIN {_sqlite_refresh('OLD.person_id')} {_sqlite_refresh('NEW.person_id')} END;",
    ]


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql_sql()
    if vendor == "sqlite":
        return _sqlite_sql()
    raise NotImplementedError(f"valid_to triggers are not written for {vendor}")


def remove_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [*[f'DROP TRIGGER IF EXISTS "{name}" ON "{TABLE}";' for name in PG_TRIGGERS],
                *[f"DROP FUNCTION IF EXISTS {fn}();" for fn in (_PG_FN_BEFORE_INSERT, _PG_FN_AFTER_INSERT,
                                                                 _PG_FN_AFTER_DELETE, _PG_FN_AFTER_UPDATE)],
                f"DROP FUNCTION IF EXISTS {_PG_FN_REFRESH}(bigint);"]
    return [f'DROP TRIGGER IF EXISTS "{name}";' for name in SQLITE_TRIGGERS]


#: Each version with the ``valid_from`` of its successor (the rule), and the rows where the stored
#: ``valid_to`` is not that (NULL-safe on both databases).
_NEXT = ("SELECT id, valid_to, LEAD(valid_from) OVER (PARTITION BY person_id ORDER BY valid_from, version) "  # noqa: S608
         f"AS next_from FROM {TABLE}")  # the table name is a constant
_OFF_RULE = ("({v} <> s.next_from OR ({v} IS NULL AND s.next_from IS NOT NULL) "
             "OR ({v} IS NOT NULL AND s.next_from IS NULL))")

#: Every version's valid_to from its successor, in one statement (migration backfill, after a
#: bulk load). Writes only the rows whose value differs. Portable (SQLite ≥ 3.33: UPDATE … FROM).
BACKFILL_SQL = (f"UPDATE {TABLE} SET valid_to = s.next_from FROM ({_NEXT}) AS s "  # noqa: S608
                f"WHERE {TABLE}.id = s.id AND {_OFF_RULE.format(v=f'{TABLE}.valid_to')}")


def install(connection: Any = None) -> None:
    """Create (or re-create) the triggers on ``connection``."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        for sql in install_sql(connection.vendor):
            cursor.execute(sql)


def remove(connection: Any = None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        for sql in remove_sql(connection.vendor):
            cursor.execute(sql)


def missing(connection: Any = None) -> list[str]:
    """Names of expected triggers that are absent (or disabled, on PostgreSQL)."""
    connection = connection or default_connection
    expected = trigger_names(connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                           "AND tgrelid = %s::regclass", [TABLE])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in expected if n not in present]


#: How many versions have a ``valid_to`` other than the rule's (0 when the triggers did their work).
MISMATCH_SQL = f"SELECT COUNT(*) FROM ({_NEXT}) AS s WHERE {_OFF_RULE.format(v='s.valid_to')}"  # noqa: S608


def mismatches(connection: Any = None) -> int:
    """The number of versions whose ``valid_to`` is not the rule's — a check after a bulk load or
    a maintenance with the triggers off (one scan of the record table)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(MISMATCH_SQL)
        return int(cursor.fetchone()[0])


def set_valid_to_after_bulk_load(cursor: Any) -> int:
    """Set every version's ``valid_to`` from its successor (one statement); returns rows written.

    For a loader that wrote rows with the triggers :func:`suspended` and without ``valid_to``.
    Run it *before* the indexes are rebuilt (the UPDATE then maintains none). On PostgreSQL it
    rewrites every non-last version (dead tuples: VACUUM afterwards); writing ``valid_to`` in
    the COPY rows (:func:`valid_to_of`) avoids that.
    """
    cursor.execute(BACKFILL_SQL)
    return max(cursor.rowcount, 0)


def valid_to_of(valid_froms: Sequence[dt.date]) -> list[dt.date | None]:
    """``valid_to`` of each version, given the ``valid_from`` of a person's versions in version order.

    ``valid_froms[i]`` is version ``i + 1``'s 異動日; the result is aligned with it. The same
    rule as the triggers: the ``valid_from`` of the next version in the order
    (``valid_from``, ``version``), None for the last.
    """
    order = sorted(range(len(valid_froms)), key=lambda i: (valid_froms[i], i))
    out: list[dt.date | None] = [None] * len(valid_froms)
    for here, after in zip(order, order[1:], strict=False):
        out[here] = valid_froms[after]
    return out


def _no_pending_checks(cursor: Any) -> None:
    """Run the deferred foreign-key checks now: PostgreSQL refuses ``ALTER TABLE`` on a table
    with pending trigger events (the loader does the same before dropping its constraints)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def suspended(connection: Any = None) -> Iterator[None]:
    """The triggers off for the enclosed block (a bulk load), in the caller's transaction.

    They are dropped and re-created (:func:`remove`, :func:`install`), not disabled: on
    PostgreSQL a table with a BEFORE ROW trigger, even a disabled one, makes COPY insert row by
    row (no multi-insert, and COPY FREEZE then leaves pages without their all-visible bits —
    found by helper L). DDL is transactional on both databases: a rollback restores them. It
    takes an ACCESS EXCLUSIVE lock on the record table until commit on PostgreSQL. The block
    must leave ``valid_to`` right (write it, or call :func:`set_valid_to_after_bulk_load`).
    """
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _no_pending_checks(cursor)
        remove(connection)
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _no_pending_checks(cursor)
        install(connection)
