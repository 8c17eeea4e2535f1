"""The scope as one indexed condition: each membership carries its organization's path."""

from federation.models import OrganizationKind
from members.models import Membership
from members.selectors import members_visible_to
from tests.factories import OrganizationFactory


def test_memberships_follow_their_organization_when_it_moves(district, chair_a, district_staff):
    other_cluster = OrganizationFactory(
        name="另一个市场群",
        kind=OrganizationKind.MARKET_CLUSTER_FEDERATION,
        parent=district.district,
    )
    market = district.market_a.federation
    market.parent = other_cluster
    market.save(update_fields=["parent"])
    market.refresh_from_db()
    membership = Membership.objects.get(member=district.member_a, organization=market)
    assert membership.organization_path == market.descendant_path_prefix
    home = Membership.objects.get(member=district.member_a, organization=district.home_a)
    district.home_a.refresh_from_db()
    assert home.organization_path == district.home_a.descendant_path_prefix
    assert district.member_a in members_visible_to(chair_a)
    assert district.member_a in members_visible_to(district_staff)


def test_ending_a_membership_by_hand_stops_it_reaching(district, chair_a):
    membership = Membership.objects.get(
        member=district.member_a, organization=district.market_a.federation
    )
    assert membership.reaches
    membership.ends_on = membership.starts_on
    membership.save(update_fields=["ends_on"])
    membership.refresh_from_db()
    assert not membership.reaches  # she is still current: a move, not a leaving
