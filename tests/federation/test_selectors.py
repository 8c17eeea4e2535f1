import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from dashboard.selectors import dashboard_counts
from federation.models import Role
from federation.scope import (
    organizations_changeable_by,
    organizations_visible_to,
    organizations_with_member_access,
)
from members.models import MemberStatus
from members.selectors import members_visible_to
from tests.conftest import _persona
from tests.factories import MemberFactory, MembershipFactory, UserFactory


def test_district_staff_sees_and_changes_the_whole_district(district, district_staff):
    visible = set(organizations_visible_to(district_staff))
    assert visible == {
        district.district,
        district.cluster,
        district.market_a.federation,
        district.market_b.federation,
        district.home_a,
        district.sector,
    }
    assert set(organizations_changeable_by(district_staff)) == visible
    assert district.city not in visible


def test_chair_sees_only_her_market_and_what_is_under_it(district, chair_a):
    expected = {district.market_a.federation, district.home_a}
    assert set(organizations_visible_to(chair_a)) == expected
    assert set(organizations_changeable_by(chair_a)) == expected


def test_chair_sees_only_her_market_members(district, chair_a, chair_b):
    assert list(members_visible_to(chair_a)) == [district.member_a]
    assert list(members_visible_to(chair_b)) == [district.member_b]


def test_viewer_reads_but_changes_nothing(district, viewer):
    assert organizations_visible_to(viewer).count() == 6
    assert not organizations_changeable_by(viewer).exists()
    assert set(members_visible_to(viewer)) == {district.member_a, district.member_b}


def test_counsellor_sees_organizations_but_no_roster(district, counsellor):
    assert organizations_visible_to(counsellor).filter(pk=district.market_a.federation.pk).exists()
    assert not organizations_with_member_access(counsellor).exists()
    assert not members_visible_to(counsellor).exists()


def test_user_without_grant_or_login_sees_nothing(district, outsider):
    for user in (outsider, AnonymousUser()):
        assert not organizations_visible_to(user).exists()
        assert not members_visible_to(user).exists()


def test_deactivated_login_loses_its_scope(district, chair_a):
    chair_a.is_active = False
    chair_a.save(update_fields=["is_active"])
    assert not organizations_visible_to(chair_a).exists()
    assert not members_visible_to(chair_a).exists()


def test_superuser_sees_everything(district):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert organizations_visible_to(admin).count() == 7
    assert members_visible_to(admin).count() == 2


def test_two_grants_add_up(district):
    user = _persona("two_hats", Role.MARKET_CHAIR, district.market_a.federation)
    _persona("two_hats", Role.CLUSTER_STAFF, district.sector)
    assert set(organizations_visible_to(user)) == {
        district.market_a.federation,
        district.home_a,
        district.sector,
    }


def test_member_who_moved_is_seen_by_her_new_market_only(district, chair_a, chair_b):
    moved = MemberFactory(name="王秀英")
    old = MembershipFactory(member=moved, organization=district.market_b.federation)
    old.ends_on = datetime.date(2026, 3, 1)
    old.save(update_fields=["ends_on"])
    MembershipFactory(
        member=moved, organization=district.market_a.federation, starts_on=datetime.date(2026, 3, 1)
    )
    assert moved in members_visible_to(chair_a)
    assert moved not in members_visible_to(chair_b)


def test_member_who_left_stays_visible_to_her_market(district, chair_a, chair_b):
    gone = MemberFactory(
        name="陈婷婷", status=MemberStatus.LEFT, left_on=datetime.date(2025, 12, 31)
    )
    MembershipFactory(
        member=gone, organization=district.market_a.federation, ends_on=datetime.date(2025, 12, 31)
    )
    assert gone in members_visible_to(chair_a)
    assert gone not in members_visible_to(chair_b)


@pytest.mark.parametrize("extra_members", [0, 5])
def test_dashboard_counts_come_from_the_data(district, district_staff, extra_members):
    for _ in range(extra_members):
        member = MemberFactory(name="刘意")
        MembershipFactory(member=member, organization=district.market_b.federation)
    counts = dashboard_counts(district_staff)
    assert counts == {
        "members": 2 + extra_members,
        "markets": 2,
        "womens_homes": 1,
        "micro_homes": 0,
        "sector_organizations": 1,
        "officers": 0,
    }


def test_dashboard_counts_for_a_chair_stay_in_her_market(district, chair_a):
    counts = dashboard_counts(chair_a)
    assert counts["members"] == 1
    assert counts["markets"] == 1
    assert counts["sector_organizations"] == 0


def test_coverage_rate_counts_established_organizations_against_the_target(district):
    import datetime

    from federation.models import CoverageTarget, OrganizationKind
    from federation.selectors import coverage_rates
    from tests.factories import OrganizationFactory

    CoverageTarget.objects.create(
        organization=district.district,
        sector_category="new_employment",
        year=2026,
        expected_count=4,
    )
    OrganizationFactory(
        name="外卖骑手妇女小组",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.cluster,
        sector_category="new_employment",
        established_on=datetime.date(2027, 1, 5),
    )
    rows = {
        row["category"]: row for row in coverage_rates(organization=district.district, year=2026)
    }
    employment = rows["新就业群体"]
    # The fixture's 快递物流妇女小组 (2019) counts; the group founded in 2027 does not yet.
    assert (employment["established"], employment["expected"], employment["rate"]) == (1, 4, 25.0)
    assert rows["新经济组织"]["rate"] is None  # no target, no rate
