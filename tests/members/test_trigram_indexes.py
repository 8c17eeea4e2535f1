"""On PostgreSQL, substring search has trigram indexes (issue 8: 12)."""

from django.db import connection


def test_trigram_indexes_exist_on_postgresql(db, postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member' "
            "AND indexname LIKE '%%trgm%%'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"member_name_trgm_idx", "member_mobile_trgm_idx"}
    assert all("gin_trgm_ops" in definition for definition in indexes.values())


def test_the_scope_is_one_indexed_condition(db, postgres, district, chair_a):
    from members.selectors import members_visible_to

    sql = str(members_visible_to(chair_a).query)
    # One condition on the member row (Member.reach), in the form the GIN index holds.
    assert 'string_to_array(btrim("members_member"."reach")' in sql
    assert "members_membership" not in sql  # no semi-join to the memberships
    assert "federation_organization" not in sql  # no join to the organization tree
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'member_reach_gin_idx'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "string_to_array(btrim(reach)" in definition
