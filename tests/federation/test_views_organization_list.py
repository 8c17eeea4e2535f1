"""The organization list: scoped to what each persona may see, filtered by kind, 三新
category, establishment method, site rating (and the year it was given), within a subtree
and by the day the yearly statistics count on; paginated; hostile input never a 500."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from federation.models import OrganizationKind
from tests.factories import OrganizationFactory
from tests.test_every_page_in_chinese import english_words

URL = "/organizations/list/"

pytestmark = pytest.mark.usefixtures("today")


def names(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    return {organization.name for organization in response.context["page"]}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sites(district):
    """Rated homes and micro-homes, one dissolved, one directly under the cluster; new-sector
    organizations of each category and establishment method."""
    market_a, market_b = district.market_a.federation, district.market_b.federation
    made = {
        "micro_b": OrganizationFactory(
            name="天泽微家",
            kind=OrganizationKind.MICRO_HOME,
            parent=market_b,
            site_rating="five_star",
            site_rating_year=2025,
        ),
        "cluster_home": OrganizationFactory(
            name="市场群妇女之家",
            kind=OrganizationKind.WOMENS_HOME,
            parent=district.cluster,
            site_rating="city_model",
            site_rating_year=2026,
            established_on=datetime.date(2025, 6, 1),
        ),
        "dissolved_home": OrganizationFactory(
            name="邵兴城二号妇女之家",
            kind=OrganizationKind.WOMENS_HOME,
            parent=market_a,
            site_rating="four_star",
            site_rating_year=2023,
            dissolved_on=datetime.date(2026, 3, 1),
        ),
        "economic": OrganizationFactory(
            name="家政物业妇女联合会",
            kind=OrganizationKind.SECTOR_ORGANIZATION,
            parent=district.cluster,
            sector_category="new_economic",
            establishment_method="single",
            established_on=datetime.date(2024, 5, 1),
        ),
        "social_undated": OrganizationFactory(
            name="社工妇女小组",
            kind=OrganizationKind.SECTOR_ORGANIZATION,
            parent=district.cluster,
            sector_category="new_social",
            establishment_method="regional",
            established_on=None,
        ),
    }
    return made


# --- Scope -------------------------------------------------------------------------------

CLUSTER_AND_BELOW = {
    "芦淞市场群妇联",
    "邵兴城市场妇联",
    "天泽华丽妇联",
    "邵兴城妇女之家",
    "快递物流妇女小组",
    "天泽微家",
    "市场群妇女之家",
    "家政物业妇女联合会",
    "社工妇女小组",
}
VISIBLE = {
    "district_staff": {"芦淞区妇联", *CLUSTER_AND_BELOW},
    "viewer": {"芦淞区妇联", *CLUSTER_AND_BELOW},
    "chair_a": {"邵兴城市场妇联", "邵兴城妇女之家"},
    "chair_b": {"天泽华丽妇联", "天泽微家"},
    # Organizations like the tree shows her; no person anywhere (tested below).
    "counsellor": CLUSTER_AND_BELOW,
    "outsider": set(),
}


@pytest.mark.parametrize("persona", [*VISIBLE, "anonymous"])
def test_each_persona_lists_what_she_may_see(persona, request, district, sites):
    if persona == "anonymous":
        response = Client().get(URL)
        assert response.status_code == 302 and "/login/" in response["Location"]
        return
    client = _client(request.getfixturevalue(persona))
    assert names(client.get(URL)) == VISIBLE[persona]
    # The dissolved home is hers too, when she asks for dissolved ones.
    dissolved = names(client.get(URL, {"status": "dissolved"}))
    sees_market_a = persona not in {"chair_b", "outsider"}
    assert dissolved == ({"邵兴城二号妇女之家"} if sees_market_a else set())


def test_a_chair_cannot_list_another_market(district, chair_a, sites):
    client = _client(chair_a)
    response = client.get(URL, {"organization": district.market_b.federation.pk})
    assert response.status_code == 200
    assert names(response) == set()
    assert "天泽" not in response.content.decode()
    assert response.context["form"].errors
    # A parent outside her scope narrows her own list; it shows nothing of the other side.
    other = client.get(URL, {"parent": district.market_b.federation.pk})
    assert names(other) == set()
    assert "天泽" not in other.content.decode()


@pytest.mark.parametrize("persona", ["counsellor", "outsider"])
def test_no_person_on_the_list(persona, request, district, sites):
    client = _client(request.getfixturevalue(persona))
    for headers in ({}, {"HX-Request": "true"}):
        text = client.get(URL, {"status": "all"}, headers=headers).content.decode()
        for name in (district.member_a.name, district.member_b.name):
            assert name not in text, (persona, headers)


# --- Filters -----------------------------------------------------------------------------


def test_filters_by_kind_category_method_and_rating(district, district_staff, sites):
    client = _client(district_staff)
    assert names(client.get(URL, {"kind": "micro_home"})) == {"天泽微家"}
    sites_now = {"邵兴城妇女之家", "天泽微家", "市场群妇女之家"}
    assert names(client.get(URL, {"kind": "sites"})) == sites_now
    assert names(client.get(URL, {"category": "new_social"})) == {"社工妇女小组"}
    assert names(client.get(URL, {"method": "single"})) == {"家政物业妇女联合会"}
    # Not recorded: new-sector organizations only (a market has no establishment method).
    assert names(client.get(URL, {"method": "none"})) == {"快递物流妇女小组"}
    assert names(client.get(URL, {"rating": "five_star"})) == {"天泽微家"}
    assert names(client.get(URL, {"rating": "none"})) == {"邵兴城妇女之家"}
    assert names(client.get(URL, {"rated_in": "2026"})) == {"市场群妇女之家"}


def test_the_rating_as_it_stood_at_the_end_of_a_year(district, district_staff, sites):
    client = _client(district_staff)
    # The city-model rating came in 2026: at the end of 2025 that home was not rated.
    by_2025 = {"kind": "sites", "rated_by": "2025", "status": "all"}
    assert names(client.get(URL, {**by_2025, "rating": "city_model"})) == set()
    assert names(client.get(URL, {**by_2025, "rating": "none"})) == {
        "邵兴城妇女之家",
        "市场群妇女之家",
    }
    assert names(client.get(URL, {**by_2025, "rating": "four_star"})) == {"邵兴城二号妇女之家"}


def test_existing_on_a_day_and_established_by(district, district_staff, sites):
    client = _client(district_staff)
    sector = {"kind": "sector_organization"}
    # 2024-12-31: the cluster's home did not exist yet, the dissolved one still did.
    on_2024 = names(client.get(URL, {"kind": "sites", "on": "2024-12-31"}))
    assert on_2024 == {"邵兴城妇女之家", "天泽微家", "邵兴城二号妇女之家"}
    # Established by a day: a date recorded, on or before it.
    established = names(client.get(URL, {**sector, "established_by": "2024-12-31"}))
    assert established == {"快递物流妇女小组", "家政物业妇女联合会"}
    early = names(client.get(URL, {**sector, "established_by": "2020-01-01"}))
    assert early == {"快递物流妇女小组"}


def test_within_below_and_directly_under(district, district_staff, sites):
    client = _client(district_staff)
    cluster = district.cluster.pk
    within = names(client.get(URL, {"organization": cluster}))
    assert within == CLUSTER_AND_BELOW
    below = names(client.get(URL, {"organization": cluster, "below": "1"}))
    assert below == CLUSTER_AND_BELOW - {"芦淞市场群妇联"}
    directly = names(client.get(URL, {"parent": cluster, "kind": "sites"}))
    assert directly == {"市场群妇女之家"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("邵兴", {"邵兴城市场妇联", "邵兴城妇女之家"}),
        ("shaoxing", {"邵兴城市场妇联", "邵兴城妇女之家"}),
        ("tian ze", {"天泽华丽妇联", "天泽微家"}),
    ],
)
def test_search_by_name_or_pinyin(district, district_staff, sites, q, expected):
    assert names(_client(district_staff).get(URL, {"q": q})) == expected


def test_sort_is_whitelisted(district, district_staff, sites):
    client = _client(district_staff)
    listed = client.get(URL, {"kind": "sites", "sort": "-established"})
    assert next(iter(listed.context["page"])).name == "市场群妇女之家"
    assert client.get(URL, {"sort": "path; drop table"}).status_code == 200


# --- The page ----------------------------------------------------------------------------


def test_full_page_and_fragment(district, district_staff, sites):
    client = _client(district_staff)
    page = client.get(URL, {"kind": "sites"})
    assert b"<html" in page.content
    fragment = client.get(URL, {"kind": "sites"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert "天泽微家" in fragment.content.decode()


def test_reachable_from_the_tree_and_an_organization(district, district_staff):
    client = _client(district_staff)
    assert 'href="/organizations/list/"' in client.get("/organizations/").content.decode()
    detail = client.get(f"/organizations/{district.cluster.pk}/").content.decode()
    assert f'href="/organizations/list/?organization={district.cluster.pk}&amp;below=1"' in detail


def test_pages_of_fifty_and_queries_that_do_not_grow(district, district_staff):
    OrganizationFactory(name="微家", kind=OrganizationKind.MICRO_HOME, parent=district.cluster)
    for n in range(60):
        OrganizationFactory(
            name=f"妇女之家{n:02d}", kind=OrganizationKind.WOMENS_HOME, parent=district.cluster
        )
    client = _client(district_staff)
    first = client.get(URL, {"kind": "womens_home"})
    assert first.context["page"].paginator.count == 61
    assert len(first.context["page"].object_list) == 50
    second = client.get(URL, {"kind": "womens_home", "page": "2"})
    assert len(second.context["page"].object_list) == 11
    with CaptureQueriesContext(connection) as small:
        assert names(client.get(URL, {"kind": "micro_home"})) == {"微家"}
    with CaptureQueriesContext(connection) as large:
        client.get(URL, {"kind": "womens_home"})
    assert len(large) == len(small)


def test_statistics_filters_read_in_chinese(district, district_staff, sites):
    client = _client(district_staff)
    response = client.get(
        URL,
        {
            "organization": district.cluster.pk,
            "below": "1",
            "parent": district.cluster.pk,
            "kind": "sites",
            "rating": "none",
            "rated_by": "2025",
            "on": "2025-12-31",
            "established_by": "2025-12-31",
            "status": "all",
        },
        headers={"Accept-Language": "zh-hans"},
    )
    html = response.content.decode()
    assert "来自年度统计" in html
    assert not english_words(html), english_words(html)


HOSTILE = ["²", "١٢", "１２", "a\x00b", "王" * 10_000, "-1", "0", "9" * 30, "1e400"]
FIELDS = [
    "q",
    "organization",
    "kind",
    "category",
    "method",
    "rating",
    "rated_in",
    "status",
    "sort",
    "below",
    "parent",
    "on",
    "established_by",
    "rated_by",
    "page",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_is_a_message_never_a_500(district, district_staff, value):
    client = _client(district_staff)
    for field in FIELDS:
        response = client.get(URL, {field: value})
        assert response.status_code in {200, 400, 404}, (field, value, response.status_code)
