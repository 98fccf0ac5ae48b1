"""Append-only guard in the database itself (追記専用トリガー).

The audit tables refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) through triggers,
so neither an application bug nor a casual ``UPDATE`` at a database prompt can change the
log. Someone who may run DDL can still drop the triggers; that is what the hash chain and
the signed checkpoints are for (see docs/decisions/0002-audit-log.md).

The chain head (``audit_auditchainhead``) is deliberately *not* protected: every append
updates it.

Installed by migration ``audit.0002_append_only_triggers``. On SQLite a migration that
rebuilds one of these tables (Django's "remake table" for most ALTERs) drops its triggers;
such a migration must call :func:`install` again — ``tests/audit`` checks the triggers exist
after all migrations, and ``juki audit verify`` exits with code 3 when one is missing.
``juki audit triggers --install`` (:func:`do_reinstall_audit_triggers`) puts missing triggers back, audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from juki.core.actor import Actor

MESSAGE = "audit log is append-only (操作記録は追記のみで、変更・削除はできません)"

#: Tables whose rows may never change or disappear.
PROTECTED_TABLES = ("audit_auditevent", "audit_auditeventtarget", "audit_auditcheckpoint")

_PG_FUNCTION = "juki_audit_append_only"


def trigger_names(vendor: str) -> list[str]:
    """The triggers :func:`install` creates on ``vendor``, in a stable order."""
    names = []
    for table in PROTECTED_TABLES:
        if vendor == "postgresql":
            names += [f"{table}_append_only", f"{table}_no_truncate"]
        else:
            names += [f"{table}_no_update", f"{table}_no_delete"]
    return names


def _sqlite_sql() -> list[str]:
    out = []
    for table in PROTECTED_TABLES:
        for op in ("UPDATE", "DELETE"):
            msg = f"{MESSAGE}: {op} on {table} refused".replace("'", "''")
            out.append(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{msg}'); END;"
            )
    return out


def _postgresql_sql() -> list[str]:
    msg = MESSAGE.replace("'", "''")
    out = [
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{msg}: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END
        $$;
        """
    ]
    for table in PROTECTED_TABLES:
        out += [
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";',
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}();",
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}();",
        ]
    return out


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql_sql()
    if vendor == "sqlite":
        return _sqlite_sql()
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def remove_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        out = [
            f'DROP TRIGGER IF EXISTS "{table}_{suffix}" ON "{table}";'
            for table in PROTECTED_TABLES
            for suffix in ("append_only", "no_truncate")
        ]
        return [*out, f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}();"]
    return [f'DROP TRIGGER IF EXISTS "{n}";' for n in trigger_names(vendor)]


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``."""
    with connection.cursor() as cursor:
        for sql in install_sql(connection.vendor):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in remove_sql(connection.vendor):
            cursor.execute(sql)


def missing(connection: Any) -> list[str]:
    """Names of expected triggers that are absent (or disabled, on PostgreSQL)."""
    expected = trigger_names(connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgname = ANY(%s)",
                [expected],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in expected if n not in present]


@contextmanager
def suspended(connection: Any) -> Iterator[None]:
    """Lift the guard for the enclosed block, in one transaction, and put it back.

    For test databases only (Django's ``flush`` between transactional tests empties every
    table); it needs the same rights as dropping the triggers, so it grants nothing an
    attacker with DDL rights does not already have.
    """
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in PROTECTED_TABLES:
                    cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s, %s)",
                    list(PROTECTED_TABLES),
                )
                saved = cursor.fetchall()
                for name, _sql in saved:
                    cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in PROTECTED_TABLES:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            else:
                for _name, sql in saved:
                    cursor.execute(sql)


def do_reinstall_audit_triggers(connection: Any, *, actor: Actor, function: str) -> list[str]:
    """追記専用トリガーの再設定: re-create the triggers and record who did it and what was missing.

    One transaction: the triggers and the AUDIT_TRIGGERS_REINSTALLED event land together. Run it
    only after finding out why the triggers went missing (``juki audit verify`` first: the hash
    chain says whether the log was changed while it was unguarded). Returns the names that
    were missing.
    """
    from .events import EventType
    from .log import record

    with transaction.atomic(using=connection.alias):
        before = missing(connection)
        install(connection)
        after = missing(connection)
        if after:
            raise RuntimeError(f"append-only triggers could not be installed: {after}")
        record(EventType.AUDIT_TRIGGERS_REINSTALLED, action="install", function=function, terminal_id="cli",
               detail={**actor.operator_detail(), "missing_before": before, "triggers": trigger_names(connection.vendor)})
    return before
