"""docs/security.md shows the role × function matrix; it must say exactly what roles.py enforces."""

from pathlib import Path

from juki.security.roles import ROLE_FUNCTIONS, Function, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_documented_matrix_matches_the_enforced_one():
    lines = DOC.read_text().splitlines()
    header = next(line for line in lines if line.startswith("| function |"))
    rows = lines[lines.index(header) + 2 :]
    roles = [Role(cell.split("`")[1]) for cell in header.split("|")[2:-1]]
    documented: dict[Role, set[Function]] = {r: set() for r in roles}
    for row in rows:
        if not row.startswith("|"):
            break
        cells = row.split("|")[1:-1]
        function = Function(cells[0].split("`")[1])
        for role, cell in zip(roles, cells[1:], strict=True):
            if "✓" in cell:
                documented[role].add(function)
    assert set(roles) == set(Role)
    for role in Role:
        assert documented[role] == set(ROLE_FUNCTIONS[role]), role


def test_every_function_has_a_japanese_label():
    from juki.security.roles import FUNCTION_LABELS

    assert {f for f in Function if f not in FUNCTION_LABELS} == set()
