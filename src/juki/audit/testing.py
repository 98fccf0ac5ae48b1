"""Test support for the audit log (not used at run time).

Django empties every table between transactional tests (``flush``: ``DELETE`` on SQLite,
``TRUNCATE`` on PostgreSQL), which the append-only triggers rightly refuse. While
:func:`flushable_audit_log` is active, a flush that touches the audit tables lifts the
triggers for that one transaction and puts them back (:func:`juki.audit.triggers.suspended`).
``tests/conftest.py`` activates it for the whole test session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations

from . import triggers


@contextmanager
def flushable_audit_log() -> Iterator[None]:
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Any) -> None:
        if any(table in sql for sql in sql_list for table in triggers.PROTECTED_TABLES):
            with triggers.suspended(self.connection):
                return original(self, sql_list)
        return original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]  # test-only patch
    try:
        yield
    finally:
        BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]  # test-only patch
