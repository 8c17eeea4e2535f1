"""Substring search indexed on PostgreSQL: GIN trigram indexes (pg_trgm) on the name and the
mobile, which LIKE '%…%' and a mobile's tail (LIKE '%0516') use for patterns of three or more
characters. Other databases keep working without them (the migration does nothing there)."""

from django.db import migrations

INDEXES = {
    "member_name_trgm_idx": "name",
    "member_mobile_trgm_idx": "mobile",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_member "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0007_issue8_membership_reach")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
