"""The dashboard's member figure reads the kept count where the scope is one subtree; it must
still say what the directory says (members_visible_to(user).current()), for every login and
after every kind of change, and its query count must not grow with the members."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.models import MemberCount, Role
from members import services
from members.models import Member
from members.selectors import current_member_count, members_visible_to
from tests.factories import MemberFactory, MembershipFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.usefixtures("today")


def shown(client, user) -> int:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.context["counts"]["members"]


def directory_total(user) -> int:
    return members_visible_to(user).current().count()


@pytest.fixture
def logins(district, district_staff, chair_a, chair_b, viewer, counsellor, outsider):
    # Two grants, one under the other: one scope (the district's).
    nested = UserFactory(username="nested")
    RoleGrantFactory(user=nested, role=Role.DISTRICT_STAFF, organization=district.district)
    RoleGrantFactory(user=nested, role=Role.MARKET_CHAIR, organization=district.market_a.federation)
    # Two separate scopes: a member in both is one member.
    two_markets = UserFactory(username="two_markets")
    RoleGrantFactory(
        user=two_markets, role=Role.MARKET_CHAIR, organization=district.market_a.federation
    )
    RoleGrantFactory(user=two_markets, role=Role.VIEWER, organization=district.market_b.federation)
    superuser = UserFactory(username="root")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    return [
        district_staff,
        chair_a,
        chair_b,
        viewer,
        counsellor,
        outsider,
        nested,
        two_markets,
        superuser,
    ]


def assert_every_login_sees_the_directory_total(client, logins):
    for user in logins:
        assert shown(client, user) == directory_total(user), user.username


def test_dashboard_total_equals_the_directory_after_every_change(
    client, district, logins, chair_a, chair_b, district_staff
):
    assert_every_login_sees_the_directory_total(client, logins)
    assert shown(client, district_staff) == 2
    assert shown(client, logins[-2]) == 2  # two_markets: 赵丹 (A and its home) and 李芳 (B)

    new = services.member_create(
        by=chair_a,
        market=district.market_a.federation,
        home=district.home_a,
        joined_on=datetime.date(2026, 2, 1),
        name="王芳",
        mobile="13900001111",
        occupation="shop_owner",
    )
    assert_every_login_sees_the_directory_total(client, logins)
    transfer = services.transfer_request(
        member=new,
        to_organization=district.market_b.federation,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    assert_every_login_sees_the_directory_total(client, logins)
    assert shown(client, chair_b) == 2 and shown(client, chair_a) == 1

    services.member_mark_left(
        member=new, left_on=datetime.date(2026, 4, 1), reason="回老家", by=chair_b
    )
    assert_every_login_sees_the_directory_total(client, logins)
    assert shown(client, chair_b) == 1
    services.member_restore(
        member=Member.objects.get(pk=new.pk),
        market=district.market_a.federation,
        restored_on=datetime.date(2026, 5, 1),
        by=chair_a,
    )
    assert_every_login_sees_the_directory_total(client, logins)
    assert shown(client, chair_a) == 2

    services.member_erase(member=Member.objects.get(pk=new.pk), by=district_staff)
    assert_every_login_sees_the_directory_total(client, logins)
    assert shown(client, district_staff) == 2


def test_one_scope_reads_the_kept_count_not_the_members(district, district_staff, chair_a):
    # The kept count is what one scope shows: a wrong stored count would show (and the
    # rebuild repairs it), which proves the figure is not recounted from the members.
    MemberCount.objects.filter(organization=district.district).update(members=7)
    assert current_member_count(district_staff) == 7
    assert current_member_count(chair_a) == 1


def test_dashboard_queries_do_not_grow_with_members(client, district, district_staff, chair_a):
    def queries(user) -> int:
        client.force_login(user)
        client.get(reverse("dashboard"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    before = {user.pk: queries(user) for user in (district_staff, chair_a)}
    for _ in range(5):
        MembershipFactory(member=MemberFactory(), organization=district.market_a.federation)
    after = {user.pk: queries(user) for user in (district_staff, chair_a)}
    assert after == before
    assert shown(client, district_staff) == 7
