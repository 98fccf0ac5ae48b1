"""Town block + 振り仮名 (issue #7, kana prefix + town block p95 ≤ 50 ms at 3.8 M).

``search_residents`` now filters the block by its id (a constant, no longer a join on the code),
so the planner can put the block into each arm of the other-names BitmapOr — which it could not
do in session 2, when this composite index was tried and dropped. Without it, at 3,800,000
residents a common surname reads the whole city's 振り仮名 range (サトウ: 208,767 index entries)
and ANDs it with the block's 105,195 entries: 263 ms of a 270 ms statement (EXPLAIN ANALYZE on
juki_big, read-only). With it, at 200,000 residents, that arm goes from 7.8 ms to 0.5 ms and
reads only the block's matches (99 entries instead of 10,836 + 5,440).

PostgreSQL only (SQLite has no expression index for LIKE; see 0005). The loader
(``drop_secondary_indexes``) reads index definitions from the catalogue, so a bulk load
drops and rebuilds it with the others.
"""

from django.db import migrations

SQL = (
    'CREATE INDEX IF NOT EXISTS "record_cur_block_furigana" ON "register_residentrecord" '
    '("town_block_id", (REPLACE(REPLACE((COALESCE("family_name_furigana", \'\') || '
    'COALESCE("given_name_furigana", \'\')), \' \', \'\'), \'\u3000\', \'\')) text_pattern_ops) '
    'WHERE "is_current" AND "family_name_furigana" <> \'\''
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)
        schema_editor.execute('ANALYZE "register_residentrecord"')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "record_cur_block_furigana"')


class Migration(migrations.Migration):
    dependencies = [("register", "0006_record_valid_to")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
