"""Current records by date of birth (docs/performance.md: every search path with the index it needs).

A Latin-letter name with a birth year (外国人住民のアルファベット氏名＋生年) has no selective
index of its own: the 3,800,000-resident EXPLAIN of session 3 showed PostgreSQL walking the
whole ``record_cur_kana_birth`` index (birth year is its second column) for 838 ms; with this
index, 100 ms (docs/performance.md, *Indexes*). On SQLite the other-names arm of a kana + birth
search can use it too.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0007_block_furigana_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='residentrecord',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['birth_year', 'birth_month', 'birth_day'], name='record_cur_birth'),
        ),
    ]
