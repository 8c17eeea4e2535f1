"""The directory's total, read from the kept counts when nothing is searched or filtered
(but an organization), equals the members it lists, for every login, every organization
and after every kind of change; anything else is still counted."""

import datetime

import pytest
from django.urls import reverse

from federation import scope
from federation.models import MemberCount, Organization, OrganizationKind, Role
from members import selectors, services
from members.models import Member
from members.selectors import DirectoryQuery
from tests.factories import (
    MemberFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleGrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def logins(district, district_staff, chair_a, chair_b, viewer, counsellor):
    two_markets = UserFactory(username="two_markets")
    RoleGrantFactory(
        user=two_markets, role=Role.MARKET_CHAIR, organization=district.market_a.federation
    )
    RoleGrantFactory(user=two_markets, role=Role.VIEWER, organization=district.market_b.federation)
    superuser = UserFactory(username="root")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    return [district_staff, chair_a, chair_b, viewer, counsellor, two_markets, superuser]


def shown_total(client, user, params: dict) -> int:
    client.force_login(user)
    response = client.get(reverse("member_list"), params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.context["page"].paginator.count


def listed_total(user, params: dict) -> int:
    query = DirectoryQuery(status="current", organization=params.get("organization"))
    return selectors.member_directory(user=user, query=query).count()


def assert_totals_match(client, logins):
    organizations = list(Organization.objects.all())
    for user in logins:
        everything = listed_total(user, {})
        for organization in [None, *organizations]:
            params = {} if organization is None else {"organization": organization.pk}
            if organization is None or scope.may_read_members_of(user, organization):
                expected = listed_total(user, params)
            else:
                # Not offered to her: the form drops it, and she gets her whole directory.
                expected = everything
            form_params = {key: str(value) for key, value in params.items()}
            assert shown_total(client, user, form_params) == expected, (user.username, params)
        assert shown_total(client, user, {"status": "current"}) == everything


def test_kept_directory_totals_equal_the_listed_members(
    client, district, logins, chair_a, chair_b, district_staff
):
    # More than a page of members in market A, so that the total is not read off page 1.
    for _ in range(55):
        MembershipFactory(member=MemberFactory(), organization=district.market_a.federation)
    # A current member in no organization: in no kept count, in the superuser's directory.
    MemberFactory(name="孙丽")
    assert_totals_match(client, logins)

    new = services.member_create(
        by=chair_a,
        market=district.market_a.federation,
        home=district.home_a,
        joined_on=datetime.date(2026, 2, 1),
        name="王芳",
        mobile="13900001111",
        occupation="shop_owner",
    )
    transfer = services.transfer_request(
        member=new,
        to_organization=district.market_b.federation,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    assert_totals_match(client, logins)
    services.member_mark_left(
        member=new, left_on=datetime.date(2026, 4, 1), reason="回老家", by=chair_b
    )
    assert_totals_match(client, logins)
    services.member_restore(
        member=Member.objects.get(pk=new.pk),
        market=district.market_a.federation,
        restored_on=datetime.date(2026, 5, 1),
        # She left from market B: market A's chair no longer sees her (the scope rule), so
        # district staff bring her back into A.
        by=district_staff,
    )
    services.member_erase(member=district.member_b, by=district_staff)
    assert_totals_match(client, logins)


def test_the_plain_directory_reads_the_kept_count(client, district, district_staff, chair_a):
    # A wrong stored count shows: proof that the total is not recounted (the rebuild repairs).
    for _ in range(55):
        MembershipFactory(member=MemberFactory(), organization=district.market_a.federation)
    MemberCount.objects.filter(organization=district.district).update(members=1000)
    MemberCount.objects.filter(organization=district.market_a.federation).update(members=900)
    assert shown_total(client, district_staff, {}) == 1000
    assert shown_total(client, chair_a, {}) == 900
    assert (
        shown_total(client, district_staff, {"organization": district.market_a.federation.pk})
        == 900
    )
    # Anything searched or filtered is counted as listed.
    assert shown_total(client, district_staff, {"occupation": "shop_owner"}) == 57
    assert shown_total(client, district_staff, {"status": "left"}) == 0
    assert shown_total(client, chair_a, {"q": "赵"}) == 56


def test_the_superusers_plain_directory_reads_the_roots_kept_count(client, district, logins):
    superuser = next(user for user in logins if user.is_superuser)
    for _ in range(55):
        MembershipFactory(member=MemberFactory(), organization=district.market_a.federation)
    MemberFactory(name="孙丽")  # current, no membership: reach empty
    current = Member.objects.current().count()
    assert current == 2 + 55 + 1
    assert shown_total(client, superuser, {}) == current
    # A wrong stored count shows: the root's kept count answers, plus the unplaced member.
    MemberCount.objects.filter(organization=district.city).update(members=1000)
    assert shown_total(client, superuser, {}) == 1001
    # A second tree: a member may count in both roots, so the superuser's total is counted.
    other_city = OrganizationFactory(name="湘潭市妇联", kind=OrganizationKind.CITY_FEDERATION)
    MembershipFactory(member=MemberFactory(), organization=other_city)
    assert shown_total(client, superuser, {}) == current + 1
    # Anything searched or filtered is counted as listed.
    assert shown_total(client, superuser, {"status": "left"}) == 0
