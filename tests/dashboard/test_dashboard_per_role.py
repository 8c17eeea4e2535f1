"""Issue 9, item 15: the tree opens down to the markets; each role's dashboard shows its work."""

import pytest
from django.urls import reverse

from federation.models import Role
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_manager(district):
    user = UserFactory(username="home_manager")
    RoleGrantFactory(user=user, role=Role.HOME_MANAGER, organization=district.home_a)
    return user


def _tiles(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-stat="(\w+)"><span class="value">', html))


def test_staff_see_every_figure(client, district, district_staff):
    client.force_login(district_staff)
    tiles = _tiles(client.get(reverse("dashboard")).content.decode())
    assert {"members", "markets", "womens_homes", "sector_organizations", "officers"} <= tiles


def test_a_chair_sees_her_market_not_the_count_of_markets(client, district, chair_a):
    client.force_login(chair_a)
    tiles = _tiles(client.get(reverse("dashboard")).content.decode())
    assert "members" in tiles and "womens_homes" in tiles
    assert "markets" not in tiles and "sector_organizations" not in tiles


def test_a_home_manager_sees_her_home_and_its_members(client, district, home_manager):
    client.force_login(home_manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert _tiles(html) == {"members"}
    assert f"?organization={district.home_a.pk}" in html and "邵兴城妇女之家" in html


def test_a_counsellor_sees_no_member_figures(client, district, counsellor):
    client.force_login(counsellor)
    html = client.get(reverse("dashboard")).content.decode()
    assert _tiles(html) == set()
    assert "您的角色不包括会员档案" in html


def test_the_tree_opens_down_to_the_markets_for_staff(client, district, district_staff):
    client.force_login(district_staff)
    html = client.get(reverse("organization_tree")).content.decode()
    # The markets are on the page at once; a market's own homes wait for a click.
    assert "邵兴城市场妇联" in html and "天泽华丽妇联" in html and "快递物流妇女小组" in html
    assert html.count("<details open>") == 2  # her district and the cluster
    assert f'?parent={district.market_a.federation.pk}"' in html
    assert "邵兴城妇女之家" not in html


def test_a_chair_tree_starts_at_her_market(client, district, chair_a):
    client.force_login(chair_a)
    html = client.get(reverse("organization_tree")).content.decode()
    assert "邵兴城市场妇联" in html and "天泽华丽妇联" not in html
    assert "<details open>" not in html
