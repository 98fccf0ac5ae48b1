"""Querysets compiled to SQL once per process and run again with new values (decision 0005).

Django turns a queryset into SQL on every run. For the hot queries of a confirmed change — the
current version of a person's record on the ~80-column ``ResidentRecord`` with its town block
and municipality joined — that compilation takes 1–1.5 ms, several times what the database
needs to run the statement. :class:`CompiledQuery` builds the queryset once with placeholder
values, keeps Django's compiler (the SQL, the select list, the converters' inputs) and runs the
same SQL with the real values, turning rows into model instances exactly as Django's own
``ModelIterable`` does (``from_db``, related objects of ``select_related``, converters).

Only the values change between runs; the shape of the query (filters, joins, ordering, locking)
is fixed by the function given, so a compiled query can never return something its queryset
would not. That includes integers outside the range of the column they are compared with:
Django decides those lookups without the database (``IntegerFieldOverflow``: ``= v`` and
``> above-range`` match nothing, ``> below-range`` matches everything), and a compiled query
decides them the same way instead of handing the driver a number it cannot send — no match
(the value sent as NULL, which no comparison satisfies) or, in any other case, the queryset
itself.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

# Private (no stub in django-stubs): the populators ModelIterable uses for select_related.
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.constants import MULTI

from juki.core.digits import INT64_MAX, INT64_MIN

from .fields import model_field

M = TypeVar("M", bound=Model)


#: Stand-ins for the values while compiling, found again among the compiled parameters by value:
#: integers no real query passes (identifiers are positive) and texts wrapped in private-use
#: characters.
_PLACEHOLDER_BASE = -(10**15)


def _stand_in(name: str, n: int, kind: type) -> Any:
    return _PLACEHOLDER_BASE - n if kind is int else f"\ue000juki:{name}\ue000"


def _slot_of(p: Any, by_value: dict[Any, str]) -> Any:
    if isinstance(p, bool):
        return None
    if isinstance(p, int) and int(p) in by_value:
        # psycopg's backend passes integers wrapped (Int8 …): the slot keeps the wrapper.
        return _Slot(by_value[int(p)], type(p))
    if isinstance(p, str) and p in by_value:
        return _Slot(by_value[p], str)
    return None


#: Lookups that no row satisfies when the value lies above / below the column's range.
_NONE_ABOVE = frozenset({"exact", "gt", "gte"})
_NONE_BELOW = frozenset({"exact", "lt", "lte"})


@dataclass(frozen=True)
class _IntUse:
    """One comparison of an integer value with a column: the lookup, the column's range, and
    whether it sits under a negation (where "no match" would turn into "every row")."""

    lookup: str
    low: int
    high: int
    negated: bool


def _column_range(field: Any, conn: Any) -> tuple[int, int]:
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field  # a foreign key is its target's column type
    try:
        low, high = conn.ops.integer_field_range(field.get_internal_type())
    except KeyError:
        low = high = None
    return (INT64_MIN if low is None else low, INT64_MAX if high is None else high)


def _int_uses(where: Any, by_value: dict[Any, str], conn: Any) -> dict[str, list[_IntUse]]:
    """Integer value → its comparisons in the WHERE tree (subqueries included)."""
    uses: dict[str, list[_IntUse]] = {}

    def walk(node: Any, negated: bool) -> None:
        negated = negated != bool(getattr(node, "negated", False))
        for child in getattr(node, "children", ()):
            rhs = getattr(child, "rhs", None)
            subquery = getattr(rhs, "query", None)
            if subquery is not None:
                walk(subquery.where, negated)
            if (hasattr(child, "lookup_name") and isinstance(rhs, int) and not isinstance(rhs, bool)
                    and rhs in by_value):
                low, high = _column_range(child.lhs.output_field, conn)
                uses.setdefault(by_value[rhs], []).append(_IntUse(child.lookup_name, low, high, negated))
            walk(child, negated)

    walk(where, False)
    return uses


class _Slot:
    """Where a value goes in the compiled parameters."""

    __slots__ = ("name", "wrap")

    def __init__(self, name: str, wrap: type):
        self.name = name
        self.wrap = wrap


@dataclass(frozen=True)
class _RowShape:
    """Where a model's columns sit in a compiled query's rows, and how to convert them."""

    model: Any
    start: int
    end: int
    init_list: list[str]
    converters: dict[int, Any]
    populators: list[Any]


class CompiledQuery(Generic[M]):
    """``build(**values)`` → queryset, compiled once per process and database.

    ``CompiledQuery(lambda person: Record.objects.filter(person_id=person), person=int)`` then
    ``q.fetch(person=12)``. Values are integers or texts, each reaching the SQL as one parameter,
    unchanged: an equality or comparison filter on a plain column. The stand-in is found among
    the compiled parameters; compiling fails loudly if it is not.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *, using: str = "default", **kinds: type):
        self._build = build
        self._kinds = kinds
        self._using = using
        self._compiled: dict[tuple[str, str], tuple[Any, str, list[Any], _RowShape]] = {}
        self._int_uses: dict[tuple[str, str], dict[str, list[_IntUse]]] = {}
        self._lock = threading.Lock()

    def _compile(self) -> tuple[Any, str, list[Any], _RowShape]:
        conn = connections[self._using]
        key = (conn.vendor, conn.settings_dict.get("NAME") or "")
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                stand_ins = {n: _stand_in(n, i, k) for i, (n, k) in enumerate(self._kinds.items())}
                by_value = {v: n for n, v in stand_ins.items()}
                qs = self._build(**stand_ins)
                compiler = qs.query.get_compiler(using=self._using)
                sql, params = compiler.as_sql()
                slots = [_slot_of(p, by_value) or p for p in params]
                missing = set(self._kinds) - {s.name for s in slots if isinstance(s, _Slot)}
                if missing:
                    raise ValueError(f"compiled query: values {sorted(missing)} are not plain SQL parameters")
                # What turning rows into instances needs, worked out once with the SQL.
                fields = [col[0] for col in compiler.select[0:compiler.col_count]]
                converters = compiler.get_converters(fields)
                info = compiler.klass_info
                start, end = info["select_fields"][0], info["select_fields"][-1] + 1
                rows = _RowShape(
                    model=info["model"], start=start, end=end, converters=converters,
                    init_list=[col[0].target.attname for col in compiler.select[start:end]],
                    populators=get_related_populators(info, compiler.select, self._using),
                )
                uses = _int_uses(qs.query.where, by_value, conn)
                counts = {n: sum(1 for s in slots if isinstance(s, _Slot) and s.name == n) for n in self._kinds}
                # a value is decided here only if every parameter it fills is a comparison found
                self._int_uses[key] = {n: u for n, u in uses.items() if len(u) == counts[n]}
                compiled = (compiler, sql, slots, rows)
                self._compiled[key] = compiled
        return compiled

    def _beyond_range(self, values: dict[str, Any]) -> tuple[set[str], bool]:
        """The integer values outside their columns' ranges that match no row (sent as NULL),
        and whether another such value needs the queryset itself."""
        conn = connections[self._using]
        uses = self._int_uses[(conn.vendor, conn.settings_dict.get("NAME") or "")]
        nulls: set[str] = set()
        for name, kind in self._kinds.items():
            value = values[name]
            if kind is not int:
                continue
            its = uses.get(name)
            if its is None:
                if not INT64_MIN <= value <= INT64_MAX:
                    return nulls, True
                continue
            if all(u.low <= value <= u.high for u in its):
                continue
            if all(not u.negated and u.lookup in (_NONE_ABOVE if value > u.high else _NONE_BELOW)
                   and not u.low <= value <= u.high for u in its):
                nulls.add(name)
            else:
                return nulls, True
        return nulls, False

    def fetch(self, **values: Any) -> list[M]:
        """The instances the queryset would give for ``values``."""
        template, sql, slots, shape = self._compile()
        nulls, use_queryset = self._beyond_range(values)
        if use_queryset:
            return list(self._build(**values).using(self._using))
        params = tuple((None if s.name in nulls else s.wrap(values[s.name])) if isinstance(s, _Slot) else s
                       for s in slots)
        compiler = copy.copy(template)
        compiler.connection = connections[self._using]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)  # the SQL compiled once; only the values are new
        results = compiler.execute_sql(MULTI, chunked_fetch=False)
        rows: Any = chain.from_iterable(results)
        if shape.converters:
            rows = compiler.apply_converters(rows, shape.converters)
        out: list[M] = []
        for row in rows:
            obj = shape.model.from_db(self._using, shape.init_list, row[shape.start:shape.end])
            for populator in shape.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, **values: Any) -> M | None:
        rows = self.fetch(**values)
        return rows[0] if rows else None


class CompiledInsert(Generic[M]):
    """``INSERT`` of one row of ``model`` with the statement written once per process.

    What Django's ``save()`` does for a new row of a model without signals or custom ``save``
    (none of juki's have them): each field's ``pre_save`` and ``get_db_prep_save``, then one
    ``INSERT … RETURNING`` the primary key — without building the insert query anew each time
    (on the ~80 columns of ``ResidentRecord`` that was most of the statement's cost).
    """

    def __init__(self, model: type[M], *, using: str = "default"):
        self._model = model
        self._using = using
        self._fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self._sql: dict[tuple[str, int], str] = {}

    def _statement(self, conn: Any, rows: int) -> str:
        sql = self._sql.get((conn.vendor, rows))
        if sql is None:
            qn = conn.ops.quote_name
            meta = self._model._meta
            columns = ", ".join(qn(f.column) for f in self._fields)
            marks = ", ".join([f"({', '.join(['%s'] * len(self._fields))})"] * rows)
            sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {marks} RETURNING {qn(meta.pk.column)}"  # noqa: S608
            self._sql[(conn.vendor, rows)] = sql
        return sql

    def insert(self, obj: M) -> M:
        """Write ``obj`` as a new row; it comes back saved, with its primary key."""
        self.insert_many([obj])
        return obj

    def insert_many(self, objs: list[M]) -> list[M]:
        """Write ``objs`` as new rows in one statement, in order; each gets its primary key."""
        if not objs:
            return objs
        conn = connections[self._using]
        values = [f.get_db_prep_save(f.pre_save(obj, True), conn) for obj in objs for f in self._fields]
        with conn.cursor() as cur:
            cur.execute(self._statement(conn, len(objs)), values)
            # RETURNING gives the rows in the VALUES order (what Django's bulk_create relies on, too)
            for obj, (pk,) in zip(objs, cur.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = self._using
        return objs


def update_fields(obj: Model, names: tuple[str, ...], *, using: str = "default") -> None:
    """``obj.save(update_fields=names)`` as one ``UPDATE … WHERE pk`` written once per field set."""
    conn = connections[using]
    meta = type(obj)._meta
    fields = [model_field(type(obj), n) for n in names]
    key = (type(obj), names, conn.vendor)
    sql = _UPDATES.get(key)
    if sql is None:
        qn = conn.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        sql = _UPDATES[key] = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    with conn.cursor() as cur:
        cur.execute(sql, [*(f.get_db_prep_save(f.pre_save(obj, False), conn) for f in fields), obj.pk])


_UPDATES: dict[tuple[Any, ...], str] = {}
