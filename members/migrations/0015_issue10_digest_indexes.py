"""The ID-number digests keep one plain btree each, under a name of ours (Meta.indexes).
With db_index=True, Django also created on PostgreSQL a varchar_pattern_ops index (`_like`)
on each, for LIKE 'abc%': a keyed hash is only ever compared whole, so those two indexes
(23 MB and 3.5 MB at 100,000 members, never scanned) only cost every insert and update,
~0.7 s of PostgreSQL CPU each for a roster of 100,000 new members (bench/README.md).

On PostgreSQL the existing btrees are renamed, not rebuilt (no lock held while 100,000
entries are indexed again), and the `_like` ones dropped."""

from django.db import migrations, models

import members.fields

RENAMED = {
    "members_member_id_number_digest_a1cead38": "member_id_digest_idx",
    "members_member_id_number_tail_digest_d9a4eb4c": "member_id_tail_digest_idx",
}
COLUMNS = {
    "members_member_id_number_digest_a1cead38": "id_number_digest",
    "members_member_id_number_tail_digest_d9a4eb4c": "id_number_tail_digest",
}

STATE = [
    migrations.AlterField(
        model_name="member",
        name="id_number_digest",
        field=members.fields.DigestField(digest="full", source="id_number"),
    ),
    migrations.AlterField(
        model_name="member",
        name="id_number_tail_digest",
        field=members.fields.DigestField(digest="tail", source="id_number"),
    ),
    migrations.AddIndex(
        model_name="member",
        index=models.Index(fields=["id_number_digest"], name="member_id_digest_idx"),
    ),
    migrations.AddIndex(
        model_name="member",
        index=models.Index(fields=["id_number_tail_digest"], name="member_id_tail_digest_idx"),
    ),
]


def forwards(apps, schema_editor):
    for old, new in RENAMED.items():
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {old}_like")
            schema_editor.execute(f"ALTER INDEX IF EXISTS {old} RENAME TO {new}")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {old}")
            schema_editor.execute(f"CREATE INDEX {new} ON members_member ({COLUMNS[old]})")


def backwards(apps, schema_editor):
    for old, new in RENAMED.items():
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER INDEX IF EXISTS {new} RENAME TO {old}")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {old}_like ON members_member "
                f"({COLUMNS[old]} varchar_pattern_ops)"
            )
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {new}")
            schema_editor.execute(f"CREATE INDEX {old} ON members_member ({COLUMNS[old]})")


class Migration(migrations.Migration):
    dependencies = [("members", "0014_issue13_profile_and_dates")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=STATE,
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        )
    ]
