"""Town block + 振り仮名 / 旧氏 / 通称 (docs/performance.md, kana prefix + town block p95 ≤ 50 ms at 3.8 M).

``search_residents`` now filters the block by its id (a constant, no longer a join on the code),
so the planner can put the block into each arm of the other-names BitmapOr — which it could not
do in session 2, when this composite index was tried and dropped. Without it, at 3,800,000
residents a common surname reads the whole city's 振り仮名 range (サトウ: 208,767 index entries)
and ANDs it with the block's 105,195 entries: 263 ms of a 270 ms statement (EXPLAIN ANALYZE on
juki_big, read-only). With it, at 200,000 residents, that arm goes from 7.8 ms to 0.5 ms and
reads only the block's matches (99 entries instead of 10,836 + 5,440).

The same holds for the 旧氏 and 通称 arms: at 3,800,000 residents (54,000 per town block) the
city-wide 旧氏 range of a common surname (サトウ: 2,697 entries) was fetched from the heap and
then filtered down to the block (2,903 rows removed), the larger half of that statement's 44 ms;
``record_cur_block_former_kana`` and ``record_cur_block_alias_kana`` put the block first.

PostgreSQL only (SQLite has no expression index for LIKE; see 0005). The loader
(``drop_secondary_indexes``) reads index definitions from the catalogue, so a bulk load
drops and rebuilds it with the others.
"""

from django.db import migrations

_NO_SPACES = "(REPLACE(REPLACE({expr}, ' ', ''), '\u3000', '')) text_pattern_ops"
_CAT = "(COALESCE({a}, '') || COALESCE({b}, ''))"

#: (name, expression, partial condition): the 0005 expressions with the town block in front.
INDEXES = [
    ("record_cur_block_furigana", _CAT.format(a='"family_name_furigana"', b='"given_name_furigana"'),
     '"family_name_furigana" <> \'\''),
    ("record_cur_block_former_kana", _CAT.format(a='"former_surname_kana"', b='"given_name_kana"'),
     '"former_surname_kana" <> \'\''),
    ("record_cur_block_alias_kana", '"alias_name_kana"', '"alias_name_kana" <> \'\''),
]


def create_sql(name: str, expr: str, condition: str) -> str:
    return (f'CREATE INDEX IF NOT EXISTS "{name}" ON "register_residentrecord" '
            f'("town_block_id", {_NO_SPACES.format(expr=expr)}) WHERE "is_current" AND {condition}')


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(create_sql(*index))
        schema_editor.execute('ANALYZE "register_residentrecord"')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _expr, _condition in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("register", "0006_record_valid_to")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
