"""Member.reach (who sees her, kept on the member row for the directory's speed) equals the
value worked out directly from her memberships after every kind of change: registering,
moving, leaving, restoring, homes, a roster import and its undo, an organization's move.
And the scope it decides is the scope the memberships decide."""

import datetime

import pytest

from federation.models import OrganizationKind
from members import selectors, services
from members.models import Member, Membership
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
    prefixes = selectors.scope.member_reading_prefixes(user)
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
