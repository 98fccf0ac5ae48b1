"""Outbox events name the version of their kind's schema (juki.register.events).

Rows already queued were written before events were typed: they keep version 0, which
``parse_event`` refuses as having no schema (docs/register.md, *Events*).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0008_search_birth_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxevent',
            name='schema_version',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='様式の版'),
        ),
    ]
