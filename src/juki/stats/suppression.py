"""Primary and complementary (secondary) cell suppression (一次秘匿・二次秘匿) of the published tables.

Primary suppression hides every count from 1 to ``minimum − 1``. That is not enough when the
tables also publish totals and differences: 「転入 X」 beside 「社会増減 1」 (転出 0) gives 転入 = 1,
and 「男 X 女 3 計 4」 gives 男 = 1. Complementary suppression hides further cells until no
suppressed cell can be recomputed from the published ones.

The method is the iterative secondary suppression with a linear audit, as statistical offices run
it (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, the chapters on tabular data:
secondary cell suppression and its audit; the τ-ARGUS manual, "Secondary suppression" — the
hypercube method GHMITER, Repsilber 2002, and the LP audit of Fischetti & Salazar-González
2000). Each family of linked tables (those published from the same data for the same date or
month) is described by its cells (``values``) and the linear relations it publishes
(:class:`Relation`: a total and its parts, 計 = 男 + 女; or any integer relation such as
社会増減 = 転入 + その他の増 − 転出 − その他の減). Then:

1. *primary*: the counts from 1 to ``minimum − 1``;
2. *zeros beside a small total*: in a relation total = Σ parts whose total is itself below the
   minimum, a part published as 0 tells that all of the few persons share the other attribute
   (「新宿区 男 X 女 0」: the one mover is a man) — such zeros are suppressed too;
3. *the hypercube condition*: a relation with exactly one suppressed cell gives that cell by
   subtraction, so another cell of the relation is suppressed (the cheapest: the smallest
   non-zero count, preferring cells that are not totals of other relations; a zero is never a
   complement — beside published zeros it is pinned to 0 again by non-negativity);
4. *audit*: exact Gaussian elimination over the rationals (``fractions.Fraction``) of the
   relations restricted to the suppressed cells (sparse, so unlinked groups stay apart); a suppressed
   cell is recomputable exactly when its unit vector lies in the row space (its reduced row has
   no free column). A recomputable hidden 0 is published again (it hides nothing: 2 cannot
   protect a zero that the other cells give); for every other such cell a further complement
   is chosen as in 3; repeat from 2.

Cells in ``fixed`` (the grand totals, published everywhere) are never chosen as complements
unless nothing else is left. The result is a :class:`Pattern`; every table of the family shows
its cells through it, so the screen, CSV, XLSX, the PDF report and the charts agree.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Key = Hashable

SUPPRESSED = "X"


@dataclass(frozen=True)
class Relation:
    """A linear relation the tables publish: Σ coefficient × cell = 0.

    ``total`` and ``parts`` are set for a sum relation (total = Σ parts of non-negative counts).
    """

    coefficients: tuple[tuple[Key, int], ...]
    total: Key | None = None
    parts: tuple[Key, ...] = ()

    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(k for k, _ in self.coefficients)


def sum_of(total: Key, parts: Iterable[Key]) -> Relation:
    """total = Σ parts (計 = 男 + 女; 合計 = Σ 町丁字)."""
    parts = tuple(parts)
    return Relation(((total, 1), *((p, -1) for p in parts)), total=total, parts=parts)


def linear(coefficients: Mapping[Key, int]) -> Relation:
    """Σ coefficient × cell = 0 (a difference: 社会増減 − 転入 + 転出 … = 0)."""
    return Relation(tuple(coefficients.items()))


@dataclass
class Pattern:
    """Which cells of a family of tables are published as 「X」."""

    values: dict[Key, int]
    suppressed: set[Key] = field(default_factory=set)
    primary: set[Key] = field(default_factory=set)

    def show(self, key: Key) -> Any:
        """The published form of a cell: its value, or 「X」."""
        return SUPPRESSED if key in self.suppressed else self.values[key]


def protect(values: Mapping[Key, int], relations: Iterable[Relation], *, minimum: int,
            counts: Iterable[Key] | None = None, fixed: Iterable[Key] = ()) -> Pattern:
    """The suppression pattern of a family of tables (module doc: primary, zeros, complements).

    ``counts`` are the cells subject to primary suppression (default: all); derived cells such as
    自然増減 are not counts (they may be negative) but may be suppressed as complements.
    """
    values = dict(values)
    relations = [r for r in relations if len(r.coefficients) > 1]
    counted = set(values) if counts is None else set(counts)
    fixed = set(fixed)
    order = {k: i for i, k in enumerate(values)}
    by_key: dict[Key, list[Relation]] = {k: [] for k in values}
    for r in relations:
        for k in r.keys:
            by_key[k].append(r)
    total_of = {k: sum(1 for r in by_key[k] if r.total == k) for k in values}

    primary = {k for k in counted if 0 < values[k] < minimum}
    hidden = set(primary)

    def cost(k: Key) -> tuple[int, int, int, int]:
        return (k in fixed, total_of[k], abs(values[k]), order[k])

    # Zeros are not complements: a hidden 0 beside published zeros is 0 again by non-negativity
    # (Σ of non-negative parts = 0), so it would protect nothing.
    def usable(k: Key) -> bool:
        return k not in hidden and values[k] != 0

    def complement(cells: Iterable[Key]) -> Key | None:
        candidates = {k for c in cells for r in by_key[c] for k in r.keys if usable(k)}
        return min(candidates, key=cost) if candidates else None

    pinned: set[Key] = set()
    while True:
        changed = True
        while changed:
            changed = False
            for r in relations:
                if r.total is not None and r.total in hidden and 0 < values[r.total] < minimum:
                    zeros = {p for p in r.parts if values[p] == 0 and p not in hidden and p not in pinned}
                    if zeros:
                        hidden |= zeros
                        changed = True
            for r in relations:
                inside = [k for k in r.keys if k in hidden]
                if len(inside) == 1:
                    outside = [k for k in r.keys if usable(k)]
                    if outside:
                        hidden.add(min(outside, key=cost))
                        changed = True
        exposed = recomputable(hidden, relations)
        # A hidden 0 that the published cells give anyway protects nothing: publish it.
        zeros = {c for c in exposed if values[c] == 0}
        hidden -= zeros
        pinned |= zeros
        exposed -= zeros
        if not exposed:
            break
        added: set[Key] = set()
        for cell in sorted(exposed, key=order.__getitem__):
            near = {k for r in by_key[cell] for k in r.keys}
            if near & added:
                continue  # a complement of this round already sits beside it: audit again first
            pick = complement([cell]) or complement(near)
            if pick is not None:
                hidden.add(pick)
                added.add(pick)
        if not added:  # nothing left to hide (only when every related cell is hidden already)
            break
    return Pattern(values=values, suppressed=hidden, primary=primary)


def recomputable(hidden: set[Key], relations: Iterable[Relation]) -> set[Key]:
    """The hidden cells that the published relations determine exactly (module doc, step 4).

    Each relation, with its published cells moved to the right-hand side, is an equation over the
    hidden cells; a hidden cell is determined when its unit vector is in the row space of those
    equations. Solved by exact, sparse elimination to reduced row echelon form.
    """
    index: dict[Key, int] = {}
    equations: list[dict[int, Fraction]] = []
    for r in relations:
        row: dict[int, Fraction] = {}
        for k, c in r.coefficients:
            if k in hidden and c:
                col = index.setdefault(k, len(index))
                row[col] = row.get(col, Fraction(0)) + c
        row = {c: v for c, v in row.items() if v}
        if row:
            equations.append(row)
    pivots = _rref(equations)
    back = {i: k for k, i in index.items()}
    return {back[p] for p, row in pivots.items() if len(row) == 1}


def _rref(equations: list[dict[int, Fraction]]) -> dict[int, dict[int, Fraction]]:
    """Reduced row echelon form, sparse: {pivot column: row}; each row has 1 at its pivot and 0 at
    every other pivot column."""
    pivots: dict[int, dict[int, Fraction]] = {}
    holders: dict[int, set[int]] = {}  # column -> pivot columns whose row has an entry there
    for eq in equations:
        row = dict(eq)
        for p in [c for c in row if c in pivots]:
            factor = row.get(p)
            if not factor:
                continue
            for c, v in pivots[p].items():
                nv = row.get(c, Fraction(0)) - factor * v
                if nv:
                    row[c] = nv
                else:
                    row.pop(c, None)
        if not row:
            continue
        q = min(row)
        inv = 1 / row[q]
        row = {c: v * inv for c, v in row.items()}
        for p in list(holders.get(q, ())):
            prow = pivots[p]
            factor = prow.get(q)
            if not factor:
                continue
            for c, v in row.items():
                nv = prow.get(c, Fraction(0)) - factor * v
                if nv:
                    if c not in prow:
                        holders.setdefault(c, set()).add(p)
                    prow[c] = nv
                else:
                    prow.pop(c, None)
                    holders.get(c, set()).discard(p)
        holders.pop(q, None)
        pivots[q] = row
        for c in row:
            if c != q:
                holders.setdefault(c, set()).add(q)
    return pivots
