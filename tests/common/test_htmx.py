"""One rule for every htmx view: the fragment for an htmx swap, the whole page otherwise —
including a history restore, when Back brings the page back from the server."""

import pytest
from django.urls import reverse

SWAP = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


@pytest.fixture
def htmx_urls(district):
    """Every view that answers htmx requests, with a query that exercises it."""
    market = district.market_a.federation
    return [
        reverse("member_list") + "?occupation=shop_owner",
        reverse("access_log") + "?kind=login",
        reverse("organization_tree") + f"?parent={district.cluster.pk}",
        reverse("organization_logins", args=[market.pk]),
        reverse("organization_member_search", args=[market.pk]) + "?q=zd",
        reverse("organization_election", args=[market.pk]),
        reverse("office_add", args=[market.pk]),
    ]


def test_each_htmx_view_answers_a_swap_with_a_fragment_and_anything_else_with_the_page(
    client, district, district_staff, htmx_urls
):
    client.force_login(district_staff)
    for url in htmx_urls:
        page = client.get(url)
        fragment = client.get(url, headers=SWAP)
        restored = client.get(url, headers=RESTORE)
        assert page.status_code == fragment.status_code == restored.status_code == 200, url
        assert b"<html" in page.content, url
        assert b"<html" not in fragment.content, url
        assert b"<html" in restored.content, f"{url}: Back must get the whole page"
        for response in (page, fragment, restored):
            assert "HX-Request" in response.headers.get("Vary", ""), url
