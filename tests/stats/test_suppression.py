"""Complementary (secondary) suppression: no hidden cell can be recomputed from the published ones.

Koriyama digest §3.17: "特定の個人を判別しうるような統計は行わない". Method: iterative secondary
suppression with a linear audit (Hundepool et al., *Statistical Disclosure Control*, 2012;
τ-ARGUS manual) — docs/statistics.md.

The tests play the attacker, independently of juki.stats.suppression: they read only the
*published* tables (the cells as printed, 「X」 included) and write down the linear relations the
layout of each table states — 計 = 男 + 女, 計 = 日本人 + 外国人, 世帯数 = the three kinds, 合計 =
Σ rows, a block's 年齢別 table = its row of 町丁字別 and its rows of the 町丁字・年齢・男女 cube,
自然増減 = 出生 − 死亡, 社会増減 = 転入 + その他の増 − 転出 − その他の減, Σ 従前の住所地 = 転入,
Σ 転出先 = 転出, Σ 国籍・在留資格 = 合計. Then exact Gaussian elimination over the rationals
decides for every 「X」 whether the published cells determine it; and, for the movement tables,
an exact simplex (rationals, non-negative counts) gives each hidden count's feasible interval.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from fractions import Fraction
from typing import Any

import pytest

from juki.register.models import ResidentKind, Sex
from juki.stats import tables
from juki.stats.movements import ROWS, Movements, movements
from juki.stats.population import BANDS, BlockRow, Population, population

M, F = Sex.MALE, Sex.FEMALE
J, FO = ResidentKind.JAPANESE, ResidentKind.FOREIGN
X = tables.SUPPRESSED


# --- the attacker ------------------------------------------------------------------------------

class Attacker:
    """Cells of published tables as variables: a number is known, 「X」 unknown; relations between
    them as the tables' layout states them."""

    def __init__(self) -> None:
        self.value: dict[Any, Any] = {}
        self.count: set[Any] = set()  # unknowns known to be non-negative counts
        self.equations: list[dict[Any, int]] = []

    def read(self, tid: Any, table: tables.Table) -> list[list[Any]]:
        """The table's count cells as variable ids (tid, row, column), registered with their printed value."""
        grid = []
        for r, row in enumerate(table.published()):
            ids = []
            for c, shown in enumerate(row[table.label_columns:]):
                var = (tid, r, c)
                self.value[var] = shown
                self.count.add(var)
                ids.append(var)
            grid.append(ids)
        return grid

    def note(self, var: Any, shown: str) -> Any:
        self.value[var] = shown if shown == X else int(shown)
        return var

    def relation(self, coefficients: dict[Any, int]) -> None:
        self.equations.append(coefficients)

    def total(self, total: Any, parts: list[Any]) -> None:
        coefficients = {total: 1}
        for p in parts:
            coefficients[p] = coefficients.get(p, 0) - 1
        self.relation(coefficients)

    def same(self, a: Any, b: Any) -> None:
        self.relation({a: 1, b: -1})

    # -- solving --

    def _system(self) -> tuple[list[Any], list[tuple[dict[int, Fraction], Fraction]]]:
        unknown = sorted({v for eq in self.equations for v in eq if self.value[v] == X}, key=repr)
        col = {v: i for i, v in enumerate(unknown)}
        rows = []
        for eq in self.equations:
            row: dict[int, Fraction] = {}
            rhs = Fraction(0)
            for v, c in eq.items():
                if self.value[v] == X:
                    row[col[v]] = row.get(col[v], Fraction(0)) + c
                else:
                    rhs -= c * self.value[v]
            row = {k: x for k, x in row.items() if x}
            assert row or rhs == 0, "the published cells contradict a relation"
            if row:
                rows.append((row, rhs))
        return unknown, rows

    def determined(self) -> dict[Any, Fraction]:
        """The 「X」 cells whose value the published cells fix, with that value (Gauss–Jordan, exact)."""
        unknown, rows = self._system()
        pivots: dict[int, tuple[dict[int, Fraction], Fraction]] = {}
        for row, rhs in rows:
            row = dict(row)
            for p, (prow, prhs) in pivots.items():
                f = row.get(p)
                if f:
                    for k, x in prow.items():
                        row[k] = row.get(k, Fraction(0)) - f * x
                    rhs -= f * prhs
                    row = {k: x for k, x in row.items() if x}
            if not row:
                assert rhs == 0
                continue
            q = min(row)
            inv = 1 / row[q]
            row, rhs = {k: x * inv for k, x in row.items()}, rhs * inv
            for p, (prow, prhs) in list(pivots.items()):
                f = prow.get(q)
                if f:
                    new = dict(prow)
                    for k, x in row.items():
                        new[k] = new.get(k, Fraction(0)) - f * x
                    pivots[p] = ({k: x for k, x in new.items() if x}, prhs - f * rhs)
            pivots[q] = (row, rhs)
        return {unknown[p]: rhs for p, (row, rhs) in pivots.items() if len(row) == 1}

    def interval(self, var: Any) -> tuple[Fraction | None, Fraction | None]:
        """[min, max] of a hidden cell over the rational solutions with non-negative counts (None: unbounded)."""
        unknown, rows = self._system()
        i = unknown.index(var)
        lo = _lp_optimum(unknown, rows, self.count, i, +1)
        hi = _lp_optimum(unknown, rows, self.count, i, -1)
        return lo, (None if hi is None else -hi)


def _lp_optimum(unknown: list[Any], rows: list[tuple[dict[int, Fraction], Fraction]], nonneg: set[Any],
                target: int, sign: int) -> Fraction | None:
    """min sign × x[target] subject to rows (equalities), x ≥ 0 for counts, free otherwise.

    Dense two-phase simplex over the rationals with Bland's rule (no cycling); None if unbounded.
    Free variables are split into x⁺ − x⁻.
    """
    columns: list[tuple[int, int]] = []  # (unknown index, +1 or −1)
    for j, v in enumerate(unknown):
        columns.append((j, 1))
        if v not in nonneg:
            columns.append((j, -1))
    n = len(columns)
    a = []
    for row, rhs in rows:
        line = [row.get(j, Fraction(0)) * s for j, s in columns]
        if rhs < 0:
            line, rhs = [-x for x in line], -rhs
        a.append(line + [rhs])
    m = len(a)
    # Phase 1: artificial variables n … n+m−1.
    tab = [line[:-1] + [Fraction(int(i == k)) for k in range(m)] + [line[-1]] for i, line in enumerate(a)]
    basis = [n + i for i in range(m)]
    width = n + m

    objective: list[list[Fraction]] = [[]]  # the reduced costs (and −value), kept by the pivots

    def pivot(r: int, c: int) -> None:
        inv = 1 / tab[r][c]
        tab[r] = [x * inv for x in tab[r]]
        for line in [*(tab[i] for i in range(m) if i != r), objective[0]]:
            if line and line[c]:
                f = line[c]
                line[:] = [x - f * y for x, y in zip(line, tab[r], strict=True)]
        basis[r] = c

    def optimise(cost: list[Fraction], allowed: int) -> bool:
        objective[0] = [*cost, Fraction(0)]
        for i in range(m):
            f = objective[0][basis[i]]
            if f:
                objective[0] = [x - f * y for x, y in zip(objective[0], tab[i], strict=True)]
        while True:
            entering = next((c for c in range(allowed) if objective[0][c] < 0 and c not in basis), None)
            if entering is None:
                return True
            ratios = [(tab[i][-1] / tab[i][entering], basis[i], i) for i in range(m) if tab[i][entering] > 0]
            if not ratios:
                return False
            _, _, r = min(ratios)
            pivot(r, entering)

    optimise([Fraction(0)] * n + [Fraction(1)] * m, width)
    assert all(tab[i][-1] == 0 for i in range(m) if basis[i] >= n), "infeasible"
    for i in range(m):  # drive remaining artificials out of the basis
        if basis[i] >= n:
            c = next((c for c in range(n) if tab[i][c]), None)
            if c is not None:
                pivot(i, c)
    cost = [Fraction(0)] * width
    for k, (j, s) in enumerate(columns):
        if j == target:
            cost[k] = Fraction(sign * s)
    if not optimise(cost, n):
        return None
    return sum(cost[basis[i]] * tab[i][-1] for i in range(m) if basis[i] < n)


def test_the_attackers_solver_sees_what_linear_algebra_and_non_negativity_give():
    at = Attacker()
    male, female, total = (at.note(k, s) for k, s in (("m", X), ("f", X), ("t", "3")))
    at.count |= {male, female}
    at.total(total, [male, female])
    assert at.determined() == {} and at.interval(male) == (0, 3)
    pinned = Attacker()  # 計 0 = 男 + 女 with both hidden: not determined linearly, but 0 by non-negativity
    male, female, total = (pinned.note(k, s) for k, s in (("m", X), ("f", X), ("t", "0")))
    pinned.count |= {male, female}
    pinned.total(total, [male, female])
    assert pinned.determined() == {} and pinned.interval(male) == (0, 0)


def _splits(at: Attacker, row: list[Any]) -> None:
    """男, 女, 計, 日本人, 外国人: 計 = 男 + 女 = 日本人 + 外国人."""
    at.total(row[2], [row[0], row[1]])
    at.total(row[2], [row[3], row[4]])


def _columns(at: Attacker, grid: list[list[Any]], columns: range) -> None:
    """The last row is the 合計 of the rows above it, column by column."""
    for c in columns:
        at.total(grid[-1][c], [row[c] for row in grid[:-1]])


def attack_population(pop: Population) -> Attacker:
    at = Attacker()
    blocks = at.read("blocks", tables.population_by_block(pop))
    for row in blocks:
        _splits(at, row)
        at.total(row[5], [row[6], row[7], row[8]])
    _columns(at, blocks, range(9))
    ages = at.read("ages", tables.population_by_age(pop))
    for row in ages:
        _splits(at, row)
    _columns(at, ages, range(5))
    detail = at.read("detail", tables.population_detail(pop))
    for i, b in enumerate(pop.blocks):
        own = at.read(("ages", b.block_id), tables.population_by_age(pop, block=b.block_id, block_name=b.name))
        for row in own:
            _splits(at, row)
        _columns(at, own, range(5))
        for c in range(5):
            at.same(own[-1][c], blocks[i][c])
        cube = detail[i * len(BANDS):(i + 1) * len(BANDS)]
        for band, row in enumerate(cube):
            at.total(row[2], [row[0], row[1]])
            for c in range(3):
                at.same(row[c], own[band][c])
    for band in range(len(BANDS)):
        for c in range(3):
            at.total(ages[band][c], [detail[i * len(BANDS) + band][c] for i in range(len(pop.blocks))])
    return at


def attack_movements(mv: Movements) -> Attacker:
    at = Attacker()
    table = tables.movements_table(mv)
    grid = at.read("movements", table)
    for row in grid:
        _splits(at, row)
    row_of = {key: grid[i] for i, (key, *_rest) in enumerate(ROWS)}
    natural, social = re.fullmatch(r"自然増減 (-?\d+|X)、社会増減 (-?\d+|X)（転居は増減に含まない）", table.notes[0]).groups()
    at.relation({at.note("natural", natural): 1, row_of["birth"][2]: -1, row_of["death"][2]: 1})
    at.relation({at.note("social", social): 1, row_of["move_in"][2]: -1, row_of["other_in"][2]: -1,
                 row_of["move_out"][2]: 1, row_of["other_out"][2]: 1})
    for tid, t, key in (("origins", tables.origins_table(mv), "move_in"),
                        ("destinations", tables.destinations_table(mv), "move_out")):
        places = at.read(tid, t)
        for row in places:
            at.total(row[2], [row[0], row[1]])
        for c in range(3):
            at.total(row_of[key][c], [row[c] for row in places])
    return at


def assert_protected(at: Attacker, *, intervals: bool = False, width: int = 1) -> None:
    """No 「X」 is determined by the published cells; with ``intervals``, neither by them together
    with non-negativity: each hidden count keeps a feasible interval at least ``width`` wide."""
    hidden = [v for v, shown in at.value.items() if shown == X]
    assert at.determined() == {}, "hidden cells recomputable from the published ones"
    if intervals:
        for var in hidden:
            lo, hi = at.interval(var)
            assert lo is None or hi is None or hi - lo >= width, (var, lo, hi)


# --- the defects, as reported -----------------------------------------------------------------

def december(one_man_from_shinjuku: bool = True) -> Movements:
    """A December: 1 man moved in (from 東京都新宿区), nobody moved out, 4 births, 3 deaths, 5 转居."""
    counts = {("move_in", M, J): 1, ("birth", M, J): 2, ("birth", F, J): 2, ("death", M, J): 2, ("death", F, J): 1,
              ("move_within", M, J): 3, ("move_within", F, J): 2}
    return Movements(2026, 12, counts, {("東京都", "新宿区"): {M: 1}}, {})


def test_the_reported_december_no_longer_reveals_the_move_in(settings):
    settings.JUKI_STATS_MIN_CELL = 3
    mv = december()
    published = tables.movements_table(mv).published()
    assert published[0] == ["転入", X, X, X, X, X]  # 女 0 and 外国人 0 would tell who the one mover is
    note = tables.movements_table(mv).notes[0]
    assert note.startswith("自然増減 ") and "社会増減 X" in note  # 社会増減 1 gave 転入 = 1
    assert tables.origins_table(mv).published() == [["東京都", "新宿区", X, X, X]]  # not 「男 X 女 0」
    # Here each hidden count can be anything over a range wider than the threshold (0…3 or more).
    assert_protected(attack_movements(mv), intervals=True, width=3)


def test_without_complementary_suppression_the_attacker_recovers_the_move_in(settings):
    """The attacker is sound: on the tables as the primary rule alone printed them it finds 転入 = 1."""
    settings.JUKI_STATS_MIN_CELL = 3
    mv = december()
    at = Attacker()
    grid = [[at.note(("m", r, c), str(tables.suppress(v))) for c, v in enumerate(row[1:])]
            for r, row in enumerate(tables.movements_table(mv).rows)]
    for row in grid:
        _splits(at, row)
    at.relation({at.note("social", str(mv.social_change)): 1, grid[0][2]: -1, grid[2][2]: -1, grid[3][2]: 1,
                 grid[5][2]: 1})
    # 転入 計, 男 and 日本人 = 1 (社会増減 1, 女 0, 外国人 0); and 転居 女 = 5 − 3.
    assert at.determined() == {grid[0][2]: 1, grid[0][0]: 1, grid[0][3]: 1, grid[6][1]: 2}


def test_the_foreign_residents_are_labelled_with_the_day_they_are_counted_on(settings):
    from juki.core import clock

    today = clock.today()
    assert tables.foreign_on(today.year, today.month) == today
    assert tables.foreign_on(2020, 2) == dt.date(2020, 2, 29)


# --- every table, every family ------------------------------------------------------------------

def synthetic_population(seed: int, blocks: int = 4) -> Population:
    """A city of a few blocks with small and large cells (no database): the cube is random."""
    rnd = random.Random(seed)
    cells: dict[tuple[int, str, int, str], int] = {}
    rows = []
    for b in range(1, blocks + 1):
        row = BlockRow(b, f"000{b}", f"町{b}")
        for band in BANDS:
            for sex in (M, F):
                for kind in (J, FO):
                    n = rnd.choice([0, 0, 1, 2, 3, 5, 8]) if kind == J else rnd.choice([0, 0, 0, 0, 1, 2])
                    if n:
                        cells[(b, band, sex, kind)] = n
                        row.male += n * (sex == M)
                        row.female += n * (sex == F)
                        row.japanese += n * (kind == J)
                        row.foreign += n * (kind == FO)
        row.households_japanese, row.households_foreign = rnd.randint(3, 30), rnd.randint(0, 2)
        row.households_mixed = rnd.randint(0, 1)
        row.households = row.households_japanese + row.households_foreign + row.households_mixed
        rows.append(row)
    return Population(on=dt.date(2026, 12, 1), cells=cells, blocks=rows,
                      households=sum(r.households for r in rows),
                      households_japanese=sum(r.households_japanese for r in rows),
                      households_foreign=sum(r.households_foreign for r in rows),
                      households_mixed=sum(r.households_mixed for r in rows))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("minimum", [3, 5])
def test_no_hidden_population_cell_can_be_recomputed_from_all_population_tables(settings, seed, minimum):
    settings.JUKI_STATS_MIN_CELL = minimum
    pop = synthetic_population(seed)
    at = attack_population(pop)
    hidden = [v for v, shown in at.value.items() if shown == X]
    primary = [v for v in hidden if isinstance(v[0], str)]
    assert primary and any(shown != X for shown in at.value.values())
    assert_protected(at)
    # Every count below the minimum is hidden wherever it is printed.
    for t in (tables.population_by_block(pop), tables.population_by_age(pop), tables.population_detail(pop)):
        for raw, shown in zip(t.rows, t.published(), strict=True):
            for v, s in zip(raw[t.label_columns:], shown[t.label_columns:], strict=True):
                assert not (0 < v < minimum) or s == X


@pytest.mark.parametrize("seed", range(6))
def test_no_hidden_movement_cell_can_be_recomputed_even_with_non_negativity(settings, seed):
    settings.JUKI_STATS_MIN_CELL = 3
    rnd = random.Random(seed)
    counts = {(key, sex, kind): rnd.choice([0, 0, 1, 2, 4, 7]) for key, *_ in ROWS for sex in (M, F)
              for kind in (J, FO)}
    counts = {k: n for k, n in counts.items() if n}
    places = [("東京都", "新宿区"), ("大阪府", "大阪市"), ("北海道", "札幌市"), ("国外", "国外")]

    def spread(key: str) -> dict[tuple[str, str], dict[int, int]]:
        out: dict[tuple[str, str], dict[int, int]] = {}
        for sex in (M, F):
            for _ in range(sum(n for (k, s, _kind), n in counts.items() if k == key and s == sex)):
                place = rnd.choice(places)
                out.setdefault(place, {}).setdefault(sex, 0)
                out[place][sex] += 1
        return out

    mv = Movements(2026, 11, counts, spread("move_in"), spread("move_out"))
    assert_protected(attack_movements(mv), intervals=True)


def test_the_foreign_table_has_a_total_and_no_cell_follows_from_it(settings):
    settings.JUKI_STATS_MIN_CELL = 3
    counts = {"ベトナム": {"技能実習": 12, "留学": 1}, "中国": {"永住者": 9}, "ネパール": {"家族滞在": 4}}
    pattern = tables.foreign_pattern(counts)
    assert pattern.show(tables.FOREIGN_TOTAL) == 26  # fixed: the population page's 外国人 of that day
    hidden = {k for k in pattern.suppressed}
    assert ("f", "ベトナム", "留学") in hidden and len(hidden) == 2  # and the cheapest other cell: 4
    assert ("f", "ネパール", "家族滞在") in hidden


# --- the real computation, on both databases -------------------------------------------------

@pytest.fixture
def hist(clerk, approver):
    from .city import build

    return build(clerk, approver)


@pytest.mark.django_db
@pytest.mark.parametrize("minimum", [2, 3])
def test_the_test_city_tables_hide_nothing_recomputable(hist, settings, minimum):
    settings.JUKI_STATS_MIN_CELL = minimum
    for on in (dt.date(2024, 11, 5), dt.date(2025, 1, 1)):
        assert_protected(attack_population(population(on)))
    for month in (6, 9, 10, 11, 12):
        assert_protected(attack_movements(movements(2024, month)), intervals=True)


@pytest.mark.django_db
def test_the_screen_the_exports_and_the_report_print_the_same_cells(hist, as_staff, make_staff, settings):
    """One pattern per family: the movements page, its CSV and the PDF report agree with the table."""
    import csv
    import io
    import subprocess

    from juki.security.roles import Role

    settings.JUKI_STATS_MIN_CELL = 3
    client = as_staff(make_staff("stats01", Role.STATISTICS))
    expected = tables.origins_table(movements(2024, 11)).published()
    assert expected == [["東京都", "新宿区", X, X, X]]
    body = client.get("/stats/export/origins.csv?month=2024-11").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[3] == expected[0]
    html = client.get("/stats/movements/?month=2024-11").content.decode()
    assert "社会増減 X" in html and "社会増減 2" not in html  # 転入 2, 転出 0 would give 転入
    pdf = client.get("/stats/report.pdf?on=2025-01-01&month=2024-11").content
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "社会増減 X" in text and "社会増減 2" not in text
    # This month's foreign residents: counted and labelled as of today, not the month's last day.
    from juki.core import clock

    today = clock.today()
    html = client.get(f"/stats/movements/?month={today:%Y-%m}").content.decode()
    label = f"{today.year}年{today.month}月{today.day}日現在"
    assert f"外国人住民（{label}）" in html and f"在留資格別外国人住民数（{label}）" in html
    body = client.get(f"/stats/export/foreign.csv?month={today:%Y-%m}").content.decode("utf-8-sig")
    assert label in body.splitlines()[0]
