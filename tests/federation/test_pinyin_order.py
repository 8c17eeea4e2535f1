"""Issue 9, item 13: lists of markets are sorted by pinyin (邵兴城 under S)."""

import re

import pytest
from django.urls import reverse

from federation.choices import visible_organization_choices
from federation.models import Organization, OrganizationKind, pinyin_sort_name
from federation.selectors import organization_children
from markets.models import Market
from tests.factories import MarketFactory

pytestmark = pytest.mark.django_db

# By pinyin: da, lu, shao, tian. By code point: 大 天 芦 邵.
EXPECTED = ["大汉悦中心妇联", "芦淞服饰城妇联", "邵兴城市场妇联", "天泽华丽妇联"]


@pytest.fixture
def markets(district):
    MarketFactory(name="大汉悦中心", cluster=district.cluster)
    MarketFactory(name="芦淞服饰城", cluster=district.cluster)
    return Organization.objects.filter(kind=OrganizationKind.MARKET_FEDERATION)


def _in_order(text: str) -> list[str]:
    return sorted(EXPECTED, key=text.index)


def test_sort_name_is_pinyin():
    assert pinyin_sort_name("邵兴城") == "shao xing cheng"
    assert pinyin_sort_name("A区") == "a qu"


def test_renaming_updates_the_sort_name(markets):
    market = markets.get(name="天泽华丽妇联")
    market.name = "安泰妇联"
    market.save(update_fields=["name"])
    assert Organization.objects.get(pk=market.pk).sort_name == "an tai fu lian"


def test_the_tree_and_the_choices_are_in_pinyin_order(markets, district, district_staff):
    names = [o.name for o in organization_children(user=district_staff, parent=district.cluster)]
    markets_only = [name for name in names if name in EXPECTED]
    assert markets_only == EXPECTED
    choices = [name for _, name in visible_organization_choices(district_staff)]
    assert [name for name in choices if name in EXPECTED] == EXPECTED
    assert [m.federation.name for m in Market.objects.select_related("federation")] == EXPECTED


def test_pages_list_markets_in_pinyin_order(client, markets, district, district_staff):
    client.force_login(district_staff)
    for url in (
        reverse("member_create"),
        reverse("member_list"),
        reverse("member_transfer", args=[district.member_a.pk]),
        reverse("organization_detail", args=[district.cluster.pk]),
    ):
        html = client.get(url).content.decode()
        present = [name for name in EXPECTED if re.search(re.escape(name), html)]
        assert sorted(present, key=html.index) == present, url
        assert len(present) >= 3, url
