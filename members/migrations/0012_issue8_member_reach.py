"""Member.reach (issue 8's speed): the organizations through which a member is in someone's
view, kept on the member row, so that "her members" is one indexed condition instead of a
semi-join to the memberships. Filled here from the memberships; on PostgreSQL a GIN index on
the ids as an array serves the scope condition (members.models.ReachesAny). Also on
PostgreSQL: a GIN index on a name's characters for one- and two-character searches, and the
search filter index covering reach and erased_at."""

from collections import defaultdict

from django.db import migrations

import members.models

INDEX = "member_reach_gin_idx"
# A name's characters (members.models.HasCharacters): "王" and "婷婷" have no trigram.
CHARACTERS_INDEX = "member_name_chars_gin_idx"


def fill(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Membership = apps.get_model("members", "Membership")
    paths = defaultdict(set)
    rows = Membership.objects.filter(reaches=True).values_list("member_id", "organization_path")
    for member_id, path in rows.iterator(chunk_size=10_000):
        paths[member_id].add(path)
    by_value = defaultdict(list)
    for member_id, member_paths in paths.items():
        by_value[members.models.reach_of(member_paths)].append(member_id)
    for value, ids in by_value.items():
        for start in range(0, len(ids), 5000):
            Member.objects.filter(pk__in=ids[start : start + 5000]).update(reach=value)


# The search filter index (members.models) gets reach and erased_at as INCLUDE columns, so
# that a scoped count of a name search is an index-only scan. Replaced under its own name:
# Django's migration state keeps the plain index, which other databases have.
FILTER_INDEX = "member_search_filter_idx"
FILTER_COLUMNS = "status, occupation, name, mobile"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    expression = members.models.REACH_IDS_SQL.format(column="reach")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON members_member USING gin ({expression})"
    )
    characters = members.models.NAME_CHARACTERS_SQL.format(column="name")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {CHARACTERS_INDEX} ON members_member "
        f"USING gin ({characters})"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {FILTER_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {FILTER_INDEX} ON members_member ({FILTER_COLUMNS}) "
        "INCLUDE (reach, erased_at)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {CHARACTERS_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {FILTER_INDEX}")
    schema_editor.execute(f"CREATE INDEX {FILTER_INDEX} ON members_member ({FILTER_COLUMNS})")


class Migration(migrations.Migration):
    dependencies = [("members", "0011_issue13_statistics_indexes")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="reach",
            field=members.models.ReachField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
