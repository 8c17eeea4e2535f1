"""The search filter index (members.models) also carries name_pinyin and name_initials
(INCLUDE, PostgreSQL only), so that the count of a pinyin search among current members of an
occupation ("zh" among the shop owners) is an index-only scan of that range instead of a
visit to every table page holding a "zh" name (4,900 pages for 100,000 members). Replaced
under its own name, as in 0012: Django's migration state keeps the plain index."""

from django.db import migrations

FILTER_INDEX = "member_search_filter_idx"
FILTER_COLUMNS = "status, occupation, name, mobile"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {FILTER_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {FILTER_INDEX} ON members_member ({FILTER_COLUMNS}) "
        "INCLUDE (reach, erased_at, name_pinyin, name_initials)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {FILTER_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {FILTER_INDEX} ON members_member ({FILTER_COLUMNS}) "
        "INCLUDE (reach, erased_at)"
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0012_issue8_member_reach")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
