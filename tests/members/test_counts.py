"""The kept member counts (federation.MemberCount) equal a direct count after every kind of
change: registering, moving, leaving, restoring, homes, erasure, an organization's move."""

import datetime

import pytest
from django.urls import reverse

from federation.models import MemberCount, Organization, OrganizationKind
from members import counts, services
from members.models import Member, Membership, MemberStatus
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.usefixtures("today")


def direct_counts() -> dict[int, int]:
    """Current members with an open membership in the organization or under it, each once:
    counted with the ORM, independently of members.counts."""
    result = {}
    for organization in Organization.objects.all():
        subtree = Organization.objects.subtree_of([organization])
        result[organization.pk] = (
            Membership.objects.filter(
                organization__in=subtree,
                ends_on__isnull=True,
                member__status=MemberStatus.CURRENT,
            )
            .values("member")
            .distinct()
            .count()
        )
    return result


def kept_counts() -> dict[int, int]:
    kept = dict(MemberCount.objects.values_list("organization_id", "members"))
    return {pk: kept.get(pk, 0) for pk in Organization.objects.values_list("pk", flat=True)}


def assert_counts_exact():
    assert kept_counts() == direct_counts()


def test_counts_follow_every_change_of_memberships(district, chair_a, chair_b, district_staff):
    market_a, market_b = district.market_a.federation, district.market_b.federation
    assert_counts_exact()
    assert kept_counts()[district.district.pk] == 2  # 赵丹 in market A and its home: once

    new = services.member_create(
        by=chair_a,
        market=market_a,
        home=district.home_a,
        joined_on=datetime.date(2026, 2, 1),
        name="王芳",
        mobile="13900001111",
        occupation="shop_owner",
    )
    assert_counts_exact()

    transfer = services.transfer_request(
        member=new,
        to_organization=market_b,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    assert_counts_exact()
    assert kept_counts()[market_b.pk] == 2 and kept_counts()[district.home_a.pk] == 1

    services.member_mark_left(
        member=new, left_on=datetime.date(2026, 4, 1), reason="回老家", by=chair_b
    )
    assert_counts_exact()
    services.member_restore(
        member=Member.objects.get(pk=new.pk),
        market=market_b,
        restored_on=datetime.date(2026, 5, 1),
        by=chair_b,
    )
    assert_counts_exact()

    micro = OrganizationFactory(name="天泽微家", kind=OrganizationKind.MICRO_HOME, parent=market_b)
    services.members_assign_home(
        members=Member.objects.filter(pk=new.pk),
        home=micro,
        starts_on=datetime.date(2026, 6, 1),
        by=chair_b,
    )
    assert_counts_exact()

    services.members_mark_left(
        members=Member.objects.filter(pk__in=[district.member_a.pk, district.member_b.pk]),
        left_on=datetime.date(2026, 7, 1),
        reason="市场关闭",
        by=district_staff,
    )
    assert_counts_exact()

    services.member_erase(member=Member.objects.get(pk=new.pk), by=district_staff)
    assert_counts_exact()
    assert kept_counts()[district.district.pk] == 0


def test_moving_an_organization_recounts_its_old_and_new_ancestors(district):
    other_cluster = OrganizationFactory(
        name="另一市场群妇联",
        kind=OrganizationKind.MARKET_CLUSTER_FEDERATION,
        parent=district.district,
    )
    market_b = district.market_b.federation
    market_b.parent = other_cluster
    market_b.save()
    assert_counts_exact()
    assert kept_counts()[other_cluster.pk] == 1


def test_rebuild_repairs_wrong_counts_and_reports_how_many(district):
    MemberCount.objects.filter(organization=district.cluster).update(members=99)
    assert counts.member_counts_rebuild() == 1
    assert_counts_exact()
    assert counts.member_counts_rebuild() == 0


def test_tree_reads_the_kept_counts(client, district, district_staff):
    client.force_login(district_staff)
    response = client.get(reverse("organization_tree"), {"parent": district.cluster.pk})
    by_name = {node.name: node.member_count for node in response.context["nodes"]}
    assert by_name["邵兴城市场妇联"] == 1 and by_name["天泽华丽妇联"] == 1


def test_rebuild_after_bulk_inserts_matches_a_direct_count(district):
    # Bulk inserts (the demo loader, a database restore) bypass the services: the counts are
    # stale until the rebuild, and exact after it.
    market_a, market_b = district.market_a.federation, district.market_b.federation
    members = Member.objects.bulk_create(
        [
            Member(
                name=f"批量{i}",
                mobile=f"1370000{i:04d}",
                occupation="shop_employee",
                joined_on=datetime.date(2025, 1, 1),
                status=MemberStatus.LEFT if i % 7 == 0 else MemberStatus.CURRENT,
                left_on=datetime.date(2025, 6, 1) if i % 7 == 0 else None,
            )
            for i in range(60)
        ]
    )
    memberships = []
    for i, member in enumerate(members):
        left = member.status == MemberStatus.LEFT
        ended = datetime.date(2025, 6, 1) if left else None
        memberships.append(
            Membership(
                member=member,
                organization=market_a if i % 2 else market_b,
                starts_on=datetime.date(2025, 1, 1),
                ends_on=ended,
            )
        )
        if i % 3 == 0:  # also in the home of market A (one member, counted once above it)
            memberships.append(
                Membership(
                    member=member,
                    organization=district.home_a,
                    starts_on=datetime.date(2025, 1, 1),
                    ends_on=ended,
                )
            )
        if i % 10 == 1:  # an ended membership from before a move counts nowhere
            memberships.append(
                Membership(
                    member=member,
                    organization=market_b,
                    starts_on=datetime.date(2024, 1, 1),
                    ends_on=datetime.date(2024, 12, 31),
                )
            )
    Membership.objects.bulk_create(memberships)
    assert kept_counts() != direct_counts()

    assert counts.member_counts_rebuild() > 0
    assert_counts_exact()
    assert kept_counts()[district.district.pk] == 2 + sum(
        1 for m in members if m.status == MemberStatus.CURRENT
    )
