"""juki's layers (docs/architecture.md, Layers).

The import contracts are declared in ``.importlinter`` and checked here and by ``make lint``:
each app imports only the layers below it — among them, nothing in the domain imports
``juki.tools`` (the demo city, ``juki bench``). A second rule, which import-linter cannot
express, keeps the register's records behind the register: only its access, search, history
and query modules, and its own change workflow, write ``ResidentRecord.objects``.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

from importlinter.cli import lint_imports

import juki

SRC = Path(juki.__file__).parent
CONTRACTS = SRC.parent.parent / ".importlinter"

#: Modules that may query (``*`` spans folders) resident records directly. Everything else asks
#: juki.register.queries, juki.register.access (a staff member's audited look), search or history.
RECORD_QUERY_MODULES = {
    "juki/register/access.py",  # reads for screens and the API, audited
    "juki/register/search.py",
    "juki/register/history.py",  # as-of and set-based reads of the versions
    "juki/register/queries.py",  # named queries for the apps above the register
    "juki/register/changes/*",  # the change workflow writes the versions
    "juki/register/move_out.py",  # 転出証明書 data of a confirmed change
    "juki/register/my_number_keys.py",  # re-encryption of My Numbers (a write)
    "juki/register/retention.py",  # the 150-year purge (a write)
    "juki/*/migrations/*",
}


def direct_record_queries(source: str) -> list[int]:
    """Lines of ``source`` that write ``ResidentRecord.objects``."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Attribute) and node.attr == "objects"
                  and isinstance(node.value, ast.Name) and node.value.id == "ResidentRecord")


def allowed(path: Path) -> bool:
    relative = path.relative_to(SRC.parent).as_posix()
    return any(fnmatch(relative, pattern) for pattern in RECORD_QUERY_MODULES)


def test_the_import_contracts_hold():
    assert lint_imports(config_filename=str(CONTRACTS), no_cache=True, no_logo=True) == 0


def test_resident_records_are_queried_only_behind_the_register():
    offenders = {str(path.relative_to(SRC.parent)): lines for path in sorted(SRC.rglob("*.py"))
                 if not allowed(path) and (lines := direct_record_queries(path.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_the_record_query_scan_sees_direct_queries_and_the_allow_list_is_narrow():
    source = "from juki.register.models import ResidentRecord\n\nx = 1\nqs = ResidentRecord.objects.filter(is_current=True)\n"
    assert direct_record_queries(source) == [4]
    assert direct_record_queries("qs = queries.current_records([1])\nrecord.objects = 1\n") == []
    assert allowed(SRC / "register" / "changes" / "kinds" / "moves.py")
    assert not allowed(SRC / "register" / "views" / "changes.py")
    assert not allowed(SRC / "certificates" / "actions.py")
