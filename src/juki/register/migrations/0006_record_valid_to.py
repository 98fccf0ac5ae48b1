"""The end of each version's validity (効力の終わり, ``ResidentRecord.valid_to``), docs/performance.md.

1. the column (NULL everywhere);
2. backfilled in one statement from the next version of the same person in the order
   (valid_from, version) — :data:`juki.register.validity.BACKFILL_SQL` (a window ``LEAD``);
3. the triggers that keep it on every INSERT / DELETE / UPDATE (:mod:`juki.register.validity`:
   plpgsql on PostgreSQL, SQL triggers on SQLite);
4. the covering index the population statistics read (``record_resident_in_force``).

On a large existing PostgreSQL database the backfill rewrites every non-last version: run
``VACUUM ANALYZE register_residentrecord`` afterwards (index-only scans need the visibility map).
"""

from django.db import migrations, models


def backfill_and_install(apps, schema_editor):
    from juki.register import validity

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(validity.BACKFILL_SQL)
    validity.install(schema_editor.connection)


def remove(apps, schema_editor):
    from juki.register import validity

    validity.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0005_search_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='residentrecord',
            name='valid_to',
            field=models.DateField(blank=True, editable=False, help_text='次の版の異動日（この日を含まない）。最後の版は空欄。データベースのトリガーが設定する（juki.register.validity）', null=True, verbose_name='効力の終わり'),
        ),
        migrations.RunPython(backfill_and_install, remove, elidable=False),
        migrations.AddIndex(
            model_name='residentrecord',
            index=models.Index(fields=['status', 'valid_to', 'valid_from', 'town_block', 'household', 'sex', 'resident_kind', 'birth_year', 'birth_month', 'birth_day'], name='record_resident_in_force'),
        ),
    ]
