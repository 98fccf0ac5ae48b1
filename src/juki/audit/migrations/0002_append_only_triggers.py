"""Install the append-only triggers (追記専用トリガー) on the audit tables.

UPDATE and DELETE on audit_auditevent, audit_auditeventtarget and audit_auditcheckpoint are
refused by the database (and TRUNCATE on PostgreSQL); audit_auditchainhead stays writable.
The SQL lives in juki.audit.triggers so a later migration that rebuilds a table on SQLite
can put the triggers back.
"""

from django.db import migrations


def install(apps, schema_editor):
    from juki.audit import triggers

    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from juki.audit import triggers

    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
