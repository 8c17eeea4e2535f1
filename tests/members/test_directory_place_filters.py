"""The directory's filters for what the statistics' remaining rows count: members in no
market, in no women's home, whose occupation or political status is not recorded."""

import datetime

import pytest

from members import services
from tests.factories import MemberFactory, MembershipFactory

URL = "/members/"

pytestmark = pytest.mark.usefixtures("today")


def names(response) -> set[str]:
    assert response.status_code == 200
    return {member.name for member in response.context["page"]}


@pytest.fixture
def placed(district, district_staff):
    """赵丹 (market A and its home), 李芳 (market B, no home), 周敏 (only the new-sector
    group), 吴丽 (market A, left its home in 2025), 陈静 (no occupation or political
    status recorded, market B)."""
    sector_only = MemberFactory(name="周敏")
    MembershipFactory(member=sector_only, organization=district.sector)
    left_home = MemberFactory(name="吴丽")
    MembershipFactory(member=left_home, organization=district.market_a.federation)
    MembershipFactory(
        member=left_home,
        organization=district.home_a,
        starts_on=datetime.date(2021, 1, 1),
        ends_on=datetime.date(2025, 7, 1),
    )
    unrecorded = MemberFactory(name="陈静", occupation="", political_status="")
    MembershipFactory(member=unrecorded, organization=district.market_b.federation)
    return {"sector_only": sector_only, "left_home": left_home, "unrecorded": unrecorded}


def test_not_in_a_market_lists_members_without_one(client, district, district_staff, placed):
    client.force_login(district_staff)
    assert names(client.get(URL, {"not_in": "market"})) == {"周敏"}
    # Within market A everyone is in its market.
    market_a = district.market_a.federation.pk
    assert names(client.get(URL, {"not_in": "market", "organization": market_a})) == set()


def test_not_in_a_home_follows_the_day(client, district, district_staff, placed):
    client.force_login(district_staff)
    assert names(client.get(URL, {"not_in": "home"})) == {"李芳", "周敏", "吴丽", "陈静"}
    market_a = district.market_a.federation.pk
    assert names(client.get(URL, {"not_in": "home", "organization": market_a})) == {"吴丽"}
    # On 31 December 2024 吴丽 was still in the home.
    at_2024 = {"not_in": "home", "organization": market_a, "as_of": "2024-12-31"}
    assert names(client.get(URL, at_2024)) == set()
    # At some time in 2025 she was in it too.
    during_2025 = {"not_in": "home", "organization": market_a, "year": "2025"}
    assert names(client.get(URL, during_2025)) == set()


def test_a_member_who_left_is_in_no_market_now(client, district, district_staff, placed):
    services.member_mark_left(
        member=district.member_b, left_on=datetime.date(2026, 5, 1), reason="", by=district_staff
    )
    client.force_login(district_staff)
    listed = names(client.get(URL, {"not_in": "market", "status": "all"}))
    assert listed == {"周敏", "李芳"}


def test_occupation_and_political_status_not_recorded(client, district, district_staff, placed):
    client.force_login(district_staff)
    assert names(client.get(URL, {"occupation": "none"})) == {"陈静"}
    assert names(client.get(URL, {"political_status": "none"})) == {"陈静"}
    assert "陈静" not in names(client.get(URL, {"occupation": "shop_owner"}))


def test_a_chair_sees_only_her_market_in_these_filters(client, district, chair_a, placed):
    client.force_login(chair_a)
    assert names(client.get(URL, {"not_in": "home"})) == {"吴丽"}
    assert names(client.get(URL, {"occupation": "none"})) == set()


@pytest.mark.parametrize("value", ["²", "a\x00b", "王" * 10_000, "Market", "none "])
def test_hostile_values_are_no_filter_and_no_error(client, district, district_staff, value):
    client.force_login(district_staff)
    for name in ("not_in", "occupation", "political_status"):
        response = client.get(URL, {name: value})
        assert response.status_code in {200, 400}, (name, value)
