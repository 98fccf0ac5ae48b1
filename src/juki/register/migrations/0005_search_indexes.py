"""Indexes for every search path at city scale (EXPLAIN output in docs/performance.md).

Written as SQL (not ``models.Index``) because most are PostgreSQL expression or trigram
indexes that match, character for character, the expressions juki.register.search generates
for the "other names" query (振り仮名, 旧氏, 通称) and for Latin-letter names; the model's
``Meta.indexes`` stays the portable set. On SQLite only the portable index is created.

- ``record_cur_block_kana``   (town_block_id, name_kana_key) — カナ前方一致＋町丁字 without
  walking every holder of a common surname across the city;
- ``record_cur_block_name``   (town_block_id, name_key) — the same for a kanji name (without
  it PostgreSQL walked 13,000 山崎 at 1 M residents: 407 ms);
- ``record_cur_furigana``     振り仮名 (family + given, spaces removed) — prefix (LIKE 'x%');
- ``record_cur_former_kana`` / ``record_cur_former_kanji`` — 旧氏 + given name, partial on
  records that carry a 旧氏;
- ``record_cur_alias_kana`` / ``record_cur_alias_kanji`` — 通称, partial on records with one;
- finer statistics (1,000 histogram buckets) on ``name_kana_key`` and ``name_key``;
- ``record_cur_alphabet_trgm``, ``record_cur_romaji_trgm``, ``record_cur_alias_trgm`` —
  pg_trgm GIN for the case-insensitive "contains" of Latin-letter names.

The expression indexes use ``text_pattern_ops``: search writes these conditions as
``LIKE 'x%'``, and PostgreSQL 15 turns a LIKE prefix into an index range only for the "C"
collation or a ``*_pattern_ops`` index — not for C.UTF-8, juki's default (the name keys avoid
the problem by searching a key range, see ``juki.register.search._prefix``).
"""

from django.db import migrations

_NO_SPACES = "(REPLACE(REPLACE({expr}, ' ', ''), '\u3000', '')) text_pattern_ops"
_CAT = "(COALESCE({a}, '') || COALESCE({b}, ''))"

PORTABLE = [
    ("record_cur_block_kana",
     'CREATE INDEX IF NOT EXISTS "record_cur_block_kana" ON "register_residentrecord" '
     '("town_block_id", "name_kana_key") WHERE "is_current"'),
    ("record_cur_block_name",
     'CREATE INDEX IF NOT EXISTS "record_cur_block_name" ON "register_residentrecord" '
     '("town_block_id", "name_key") WHERE "is_current"'),
]
POSTGRES = [
    ("record_cur_furigana",
     'CREATE INDEX IF NOT EXISTS "record_cur_furigana" ON "register_residentrecord" ('
     + _NO_SPACES.format(expr=_CAT.format(a='"family_name_furigana"', b='"given_name_furigana"'))
     + ') WHERE "is_current" AND "family_name_furigana" <> \'\''),
    ("record_cur_former_kana",
     'CREATE INDEX IF NOT EXISTS "record_cur_former_kana" ON "register_residentrecord" ('
     + _NO_SPACES.format(expr=_CAT.format(a='"former_surname_kana"', b='"given_name_kana"'))
     + ') WHERE "is_current" AND "former_surname_kana" <> \'\''),
    ("record_cur_former_kanji",
     'CREATE INDEX IF NOT EXISTS "record_cur_former_kanji" ON "register_residentrecord" ('
     + _NO_SPACES.format(expr=_CAT.format(a='"former_surname"', b='"given_name"'))
     + ') WHERE "is_current" AND "former_surname" <> \'\''),
    ("record_cur_alias_kana",
     'CREATE INDEX IF NOT EXISTS "record_cur_alias_kana" ON "register_residentrecord" ('
     + _NO_SPACES.format(expr='"alias_name_kana"') + ') WHERE "is_current" AND "alias_name_kana" <> \'\''),
    ("record_cur_alias_kanji",
     'CREATE INDEX IF NOT EXISTS "record_cur_alias_kanji" ON "register_residentrecord" ('
     + _NO_SPACES.format(expr='"alias_name"') + ') WHERE "is_current" AND "alias_name" <> \'\''),
    ("record_cur_alphabet_trgm",
     'CREATE INDEX IF NOT EXISTS "record_cur_alphabet_trgm" ON "register_residentrecord" '
     'USING gin (UPPER("alphabet_name"::text) gin_trgm_ops) WHERE "is_current" AND "alphabet_name" <> \'\''),
    ("record_cur_romaji_trgm",
     'CREATE INDEX IF NOT EXISTS "record_cur_romaji_trgm" ON "register_residentrecord" '
     'USING gin (UPPER("former_surname_romaji"::text) gin_trgm_ops) '
     'WHERE "is_current" AND "former_surname_romaji" <> \'\''),
    ("record_cur_alias_trgm",
     'CREATE INDEX IF NOT EXISTS "record_cur_alias_trgm" ON "register_residentrecord" '
     'USING gin (UPPER("alias_name"::text) gin_trgm_ops) WHERE "is_current" AND "alias_name" <> \'\''),
]


# Finer histograms for the name keys: with the default 100 buckets PostgreSQL estimated a
# surname's key range (e.g. イケタ…, 12,000 rows at 1 M residents) at 1 row and walked it
# instead of the town-block index (85 ms instead of 0.3 ms).
STATISTICS = [("name_kana_key", 1000), ("name_key", 1000)]


def forward(apps, schema_editor):
    statements = list(PORTABLE)
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        statements += POSTGRES
    for _, sql in statements:
        schema_editor.execute(sql)
    if postgres:
        for column, target in STATISTICS:
            schema_editor.execute(
                f'ALTER TABLE "register_residentrecord" ALTER COLUMN "{column}" SET STATISTICS {target}')
        schema_editor.execute('ANALYZE "register_residentrecord"')


def backward(apps, schema_editor):
    names = [n for n, _ in PORTABLE]
    if schema_editor.connection.vendor == "postgresql":
        names += [n for n, _ in POSTGRES]
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if schema_editor.connection.vendor == "postgresql":
        for column, _ in STATISTICS:
            schema_editor.execute(f'ALTER TABLE "register_residentrecord" ALTER COLUMN "{column}" SET STATISTICS -1')


class Migration(migrations.Migration):
    dependencies = [("register", "0004_widen_actor_ids")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
