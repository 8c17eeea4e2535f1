"""On a 375-px phone: a site figure of the yearly statistics opens the organization list with
exactly the organizations it counts, and a filter narrows the list in place (htmx)."""

import datetime

import pytest

from federation.models import OrganizationKind
from tests.e2e.conftest import PHONE, axe_check, log_in, new_context
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_site_figure_opens_its_organizations_on_a_phone(
    browser, live_server, district, district_staff, artifacts_dir, today
):
    OrganizationFactory(
        name="天泽华丽妇女微家（直播电商主题）",
        kind=OrganizationKind.MICRO_HOME,
        parent=district.market_b.federation,
        site_rating="five_star",
        site_rating_year=2025,
        address="芦淞区天泽华丽服装市场三楼",
    )
    OrganizationFactory(
        name="家政物业妇女联合会",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.cluster,
        sector_category="new_economic",
        establishment_method="industry",
        established_on=datetime.date(2024, 5, 1),
    )
    context = new_context(browser, viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "district_staff")

    page.goto(f"{live_server.url}/statistics/?organization={district.district.pk}")
    # The five-star row's micro-home cell of "service sites by rating": one, linked.
    page.locator("#table-sites_by_rating summary").click()
    link = page.locator('a[href*="kind=micro_home&rating=five_star&rated_by=2026"]').first
    assert link.inner_text() == "1"
    link.click()
    page.wait_for_url("**/organizations/list/**")
    assert page.locator("#results-count").inner_text() == "共 1 个组织"
    assert page.locator("table.organizations tbody tr").count() == 1
    assert "五星" in page.locator("table.organizations tbody").inner_text()
    assert page.locator("[data-from-statistics]").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    page.screenshot(path=f"{artifacts_dir}/organization-list-from-statistics-375.png")

    # On its own: every organization, then narrowed to the new-sector ones by a filter.
    page.goto(f"{live_server.url}/organizations/")
    page.get_by_role("link", name="组织列表与筛选").click()
    page.wait_for_url("**/organizations/list/")
    page.locator("details.filters summary").click()
    with page.expect_response(lambda r: "/organizations/list/" in r.url):
        page.get_by_label("类型").select_option("sector_organization")
    page.wait_for_function("document.querySelector('#results-count').innerText.includes('2')")
    assert "kind=sector_organization" in page.url
    rows = page.locator("table.organizations tbody").inner_text()
    assert "家政物业妇女联合会" in rows and "快递物流妇女小组" in rows
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=f"{artifacts_dir}/organization-list-filtered-375.png", full_page=True)
    axe_check(page, "organization list, phone")
    assert not errors, errors
    context.close()
