"""Member.reach (who sees her, kept on the member row for the directory's speed) equals the
value worked out directly from her memberships after every kind of change: registering,
moving, leaving, restoring, homes, a roster import and its undo, an organization's move.
And the scope it decides is the scope the memberships decide."""

import datetime

import pytest

from federation.models import OrganizationKind
from members import selectors, services
from members.models import Member, Membership
from members.selectors import DirectoryQuery
from rosters import services as roster_services
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory
from tests.rosters.files import ID_1, xlsx

pytestmark = pytest.mark.usefixtures("today")


def direct_reach(member_id: int) -> set[int]:
    """Every organization on the path of each membership that reaches, from the
    organizations themselves (not from the stored paths)."""
    found: set[int] = set()
    for membership in Membership.objects.filter(member_id=member_id, reaches=True):
        organization = membership.organization
        found.add(organization.pk)
        while organization.parent_id is not None:
            organization = organization.parent
            found.add(organization.pk)
    return found


def assert_reach_exact():
    for pk, reach in Member.objects.values_list("pk", "reach"):
        assert {int(part) for part in reach.split()} == direct_reach(pk), pk


def test_reach_follows_every_change_of_memberships(district, chair_a, chair_b, district_staff):
    market_a, market_b = district.market_a.federation, district.market_b.federation
    assert_reach_exact()
    new = services.member_create(
        by=chair_a,
        market=market_a,
        home=district.home_a,
        joined_on=datetime.date(2026, 2, 1),
        name="王芳",
        mobile="13900001111",
        occupation="shop_owner",
    )
    assert_reach_exact()
    assert market_a.pk in direct_reach(new.pk)

    transfer = services.transfer_request(
        member=new,
        to_organization=market_b,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    assert_reach_exact()
    new.refresh_from_db()
    assert market_a.pk not in {int(p) for p in new.reach.split()}  # moved away: not A's

    services.member_mark_left(
        member=new, left_on=datetime.date(2026, 4, 1), reason="回老家", by=chair_b
    )
    assert_reach_exact()
    services.member_restore(
        member=Member.objects.get(pk=new.pk),
        market=market_b,
        restored_on=datetime.date(2026, 5, 1),
        by=chair_b,
    )
    assert_reach_exact()

    micro = OrganizationFactory(name="天泽微家", kind=OrganizationKind.MICRO_HOME, parent=market_b)
    services.members_assign_home(
        members=Member.objects.filter(pk=new.pk),
        home=micro,
        starts_on=datetime.date(2026, 6, 1),
        by=chair_b,
    )
    assert_reach_exact()

    services.members_mark_left(
        members=Member.objects.filter(pk__in=[district.member_a.pk, district.member_b.pk]),
        left_on=datetime.date(2026, 7, 1),
        reason="市场关闭",
        by=district_staff,
    )
    assert_reach_exact()
    services.member_erase(member=Member.objects.get(pk=new.pk), by=district_staff)
    assert_reach_exact()


def test_reach_follows_a_roster_import_and_its_undo(district, district_staff):
    market = district.market_a.federation
    stays = MemberFactory(name="孙丽", mobile="13600136000")
    MembershipFactory(member=stays, organization=market)
    a = district.member_a
    batch = roster_services.batch_create(
        organization=market,
        by=district_staff,
        data=xlsx(
            [
                ["姓名", "手机号", "身份证号码", "职业", "备注", "入会日期"],
                [a.name, a.mobile, "", "主播", ""],
                ["王芳", "13900139001", ID_1, "店员", "", "2023.3.5"],
            ],
            title="邵兴城市场妇联会员花名册",
        ),
        filename="roster.xlsx",
    )
    batch = roster_services.batch_preview(batch=batch, by=district_staff)
    batch = roster_services.batch_commit(batch=batch, by=district_staff, mark_left=[stays.pk])
    assert_reach_exact()
    imported = Member.objects.get(mobile="13900139001")
    assert market.pk in {int(p) for p in imported.reach.split()}
    roster_services.batch_undo(batch=batch, by=district_staff)
    assert_reach_exact()


def test_reach_follows_an_organization_that_moves(district):
    other_cluster = OrganizationFactory(
        name="另一市场群妇联",
        kind=OrganizationKind.MARKET_CLUSTER_FEDERATION,
        parent=district.district,
    )
    market_b = district.market_b.federation
    market_b.parent = other_cluster
    market_b.save()
    assert_reach_exact()
    member_b = Member.objects.get(pk=district.member_b.pk)
    assert other_cluster.pk in {int(part) for part in member_b.reach.split()}


@pytest.mark.parametrize(
    ("persona", "sees_her"),
    [("district_staff", True), ("chair_a", False), ("chair_b", True), ("viewer", True)],
)
def test_scope_by_reach_is_the_scope_by_memberships(
    district, persona, sees_her, request, chair_a, chair_b
):
    """The directory's scope (Member.reach) names the same members as the rule written on
    the memberships, for members in every history shape."""
    user = request.getfixturevalue(persona)
    market_a, market_b = district.market_a.federation, district.market_b.federation
    moved = services.member_create(
        by=chair_a,
        market=market_a,
        home=district.home_a,
        joined_on=datetime.date(2026, 2, 1),
        name="钱敏",
        mobile="13900002222",
        occupation="shop_owner",
    )
    transfer = services.transfer_request(
        member=moved,
        to_organization=market_b,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    prefixes = [org.descendant_path_prefix for org in selectors.scope.member_reading_roots(user)]
    by_memberships = {
        member_id
        for member_id, path in Membership.objects.filter(reaches=True).values_list(
            "member_id", "organization_path"
        )
        if any(path.startswith(prefix) for prefix in prefixes)
    }
    visible = set(selectors.members_visible_to(user).values_list("pk", flat=True))
    assert visible == by_memberships
    assert (moved.pk in visible) is sees_her  # moved from A to B: B's, not A's


def test_a_full_save_of_a_stale_copy_keeps_her_reach(district):
    # A copy loaded before her memberships were written (reach still empty in memory),
    # saved whole later: her reach stays what her memberships make it.
    from members.models import Member

    stale = Member.objects.get(pk=district.member_a.pk)
    stale.reach = ""
    stale.notes = "备注"
    stale.save()
    fresh = Member.objects.get(pk=district.member_a.pk)
    assert fresh.notes == "备注"
    assert fresh.reach.strip() != ""


def _rule(user, members) -> set[int]:
    """The scope rule worked out from the organizations themselves: a member is seen through
    a reaching membership in a subtree of the user's grants; an erased member only by those
    who handle personal data."""
    roots = {org.pk for org in selectors.scope.member_reading_roots(user)}
    erased_seen = selectors.scope.can_handle_personal_data(user)
    return {
        member.pk
        for member in members
        if direct_reach(member.pk) & roots and (member.erased_at is None or erased_seen)
    }


@pytest.mark.parametrize("persona", ["district_staff", "viewer", "cluster_staff"])
def test_a_federation_wide_scope_sees_exactly_what_the_reach_rule_gives(
    district, persona, request, chair_a
):
    """District or cluster staff are checked on the text of each member's reach instead of
    through its index (members.selectors._members_in): the same members, in every shape."""
    from federation.models import Role
    from tests.factories import RoleGrantFactory, UserFactory

    if persona == "cluster_staff":
        user = UserFactory(username="cluster_staff")
        RoleGrantFactory(user=user, role=Role.CLUSTER_STAFF, organization=district.cluster)
    else:
        user = request.getfixturevalue(persona)
    staff = request.getfixturevalue("district_staff")
    market_a = district.market_a.federation
    joined = datetime.date(2026, 2, 1)

    def registered(name: str, mobile: str) -> Member:
        return services.member_create(
            by=chair_a,
            market=market_a,
            joined_on=joined,
            name=name,
            mobile=mobile,
            occupation="shop_owner",
        )

    left = registered("孙丽", "13900003001")
    services.member_mark_left(member=left, left_on=datetime.date(2026, 3, 1), reason="", by=chair_a)
    erased = registered("周敏", "13900003002")
    services.member_erase(member=erased, by=staff)
    left_then_erased = registered("吴芳", "13900003003")
    services.member_mark_left(
        member=left_then_erased, left_on=datetime.date(2026, 3, 1), reason="", by=chair_a
    )
    services.member_erase(member=Member.objects.get(pk=left_then_erased.pk), by=staff)
    no_membership = MemberFactory(name="郑红")  # empty reach: nobody's scope
    in_sector = MemberFactory(name="王霞")
    MembershipFactory(member=in_sector, organization=district.sector)
    at_the_city = MemberFactory(name="冯洁")  # above the district: not in its view
    MembershipFactory(member=at_the_city, organization=district.city)
    other_district = OrganizationFactory(
        name="荷塘区妇联", kind=OrganizationKind.DISTRICT_FEDERATION, parent=district.city
    )
    elsewhere = MemberFactory(name="陈静")
    MembershipFactory(member=elsewhere, organization=other_district)
    assert Member.objects.get(pk=no_membership.pk).reach == ""
    assert Member.objects.get(pk=erased.pk).erased_at is not None

    members = list(Member.objects.all())
    visible = set(selectors.members_visible_to(user).values_list("pk", flat=True))
    assert visible == _rule(user, members)
    assert no_membership.pk not in visible
    assert at_the_city.pk not in visible and elsewhere.pk not in visible
    assert left.pk in visible and in_sector.pk in visible
    sees_erased = selectors.scope.can_handle_personal_data(user)
    assert (erased.pk in visible) is sees_erased
    assert (left_then_erased.pk in visible) is sees_erased
    changeable = set(selectors.members_changeable_by(user).values_list("pk", flat=True))
    assert changeable == (set() if persona == "viewer" else visible)


def test_reach_by_text_and_by_index_name_the_same_members(db):
    """reach__any_text (" 2 " in the text) and reach__any (the ids as an array, GIN-indexed) agree,
    ids that contain one another's digits included (2, 12, 21, 121)."""
    reaches = ["", " 2 ", " 12 ", " 21 ", " 121 ", " 1 2 3 ", " 1 12 ", " 3 21 121 ", " 2 12 "]
    crafted = []
    for reach in reaches:
        member = MemberFactory()
        Member.objects.filter(pk=member.pk).update(reach=reach)
        crafted.append(member.pk)
    members = Member.objects.filter(pk__in=crafted)
    for ids in ([2], [12], [21], [1], [3], [121], [2, 21], [99]):
        expected = {r for r in reaches if {int(part) for part in r.split()} & set(ids)}
        by_text = set(members.filter(reach__any_text=ids).values_list("reach", flat=True))
        by_index = set(members.filter(reach__any=ids).values_list("reach", flat=True))
        assert by_text == by_index == expected, ids


def test_federation_staff_are_checked_by_text_and_chairs_by_the_index(
    postgres, district, district_staff, chair_a
):
    districts = str(selectors.members_visible_to(district_staff).query)
    assert 'STRPOS("members_member"."reach"' in districts and "string_to_array" not in districts
    chairs = str(selectors.members_visible_to(chair_a).query)
    assert "string_to_array" in chairs and "STRPOS" not in chairs


def test_the_directory_asks_for_the_scope_in_its_cheapest_order(
    postgres, district, district_staff, chair_a
):
    """PostgreSQL checks conditions of equal cost in the order written: the district's scope
    (true for nearly every row) must come after the search, or a count of 王 among 35,000
    shop employees tests every one of them for her reach first. A chair's scope is also
    asked of the text (cheaper than the GIN expression's array, so checked before it) for
    the rows a scan of the newest members passes."""
    query = DirectoryQuery(q="王", status="current", occupation="shop_employee")
    sql = str(selectors.member_directory(user=district_staff, query=query).query)
    where = sql[sql.rindex(" WHERE ") :]
    assert where.index('STRPOS("members_member"."name"') < where.index(
        'STRPOS("members_member"."reach"'
    )
    sql = str(selectors.member_directory(user=chair_a, query=DirectoryQuery()).query)
    assert "string_to_array" in sql and 'STRPOS("members_member"."reach"' in sql
