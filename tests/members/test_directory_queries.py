"""The directory's query count on the paths bench/directory.py measures: a search, a filter
and a sort, asked by the superuser (the side-by-side with the admin), district staff (the
scope check over the whole district) and a market chair. The count must not depend on how
many rows the page shows: both page sizes below show full pages. A row's market and the
total found are read in the page's own query (members.selectors.directory_page), so the
fragment costs at most 4: session, user, role grants, page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import views
from tests.factories import MemberFactory, MembershipFactory, UserFactory

URL = "/members/"
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}
SEARCH = {"q": "li", "status": "current", "occupation": "shop_owner", "sort": "-joined"}


@pytest.fixture
def many_li(district):
    """More 李 shop owners in market A (one in her home too) than the largest page shows."""
    for i in range(60):
        member = MemberFactory(name=f"李{i}", occupation="shop_owner")
        MembershipFactory(member=member, organization=district.market_a.federation)
        if i % 10 == 0:
            MembershipFactory(member=member, organization=district.home_a)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def queries_at_page_size(client, monkeypatch, size: int, headers=None) -> int:
    monkeypatch.setattr(views, "PAGE_SIZE", size)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, SEARCH, headers=headers)
    assert response.status_code == 200
    assert len(response.context["page"]) == size
    return len(queries)


@pytest.mark.parametrize("persona", ["superuser", "district_staff", "chair_a"])
def test_search_filter_sort_fragment_costs_the_same_few_queries_at_any_page_size(
    client, monkeypatch, many_li, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    client.get(URL)  # warm the session
    small = queries_at_page_size(client, monkeypatch, 5, headers=FRAGMENT)
    full = queries_at_page_size(client, monkeypatch, 50, headers=FRAGMENT)
    assert full == small
    assert full <= 4


@pytest.mark.parametrize("persona", ["superuser", "district_staff", "chair_a"])
def test_full_page_query_count_does_not_grow_with_the_page_size(
    client, monkeypatch, many_li, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    client.get(URL)
    small = queries_at_page_size(client, monkeypatch, 5)
    assert queries_at_page_size(client, monkeypatch, 50) == small
