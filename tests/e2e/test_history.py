"""Back after an htmx filter: the browser asks the server for the page again (htmx keeps no
history cache here), and must get the whole page, layout and all, not the bare fragment."""

import pytest

from tests.e2e.conftest import axe_check, log_in, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def whole_page(page) -> bool:
    return page.locator("header.topbar").count() == 1 and page.locator("h1").count() == 1


@pytest.mark.parametrize(
    ("start", "filter_label", "value", "expect_in_url"),
    [
        ("/members/", "职业类别", "shop_owner", "occupation=shop_owner"),
        ("/access-log/", "事件", "login", "kind=login"),
        ("/organizations/list/", "类型", "micro_home", "kind=micro_home"),
    ],
)
def test_back_after_a_filter_brings_back_the_whole_page(
    browser, live_server, district, district_staff, start, filter_label, value, expect_in_url
):
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_server, "district_staff")
    page.goto(f"{live_server.url}{start}")
    page.wait_for_load_state("networkidle")
    closed = page.locator("details.filters:not([open]) > summary")
    if closed.count():
        closed.click()
    page.get_by_label(filter_label).select_option(value)
    page.wait_for_url(f"**{expect_in_url}*")
    page.wait_for_load_state("networkidle")
    assert whole_page(page)

    page.get_by_role("link", name="组织架构").click()
    page.wait_for_url(f"{live_server.url}/organizations/")
    page.go_back()
    page.wait_for_url(f"**{expect_in_url}*")
    page.wait_for_load_state("networkidle")
    assert whole_page(page), page.content()[:500]
    assert page.get_by_label(filter_label).input_value() == value
    axe_check(page)
    context.close()


def test_back_between_two_filters_restores_the_whole_page(
    browser, live_server, district, district_staff
):
    """Back within the page: htmx asks the server to restore the earlier URL (it keeps no
    history cache) and puts the answer in place of <body>: it must be the whole page."""
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_server, "district_staff")
    page.goto(f"{live_server.url}/access-log/")
    page.wait_for_load_state("networkidle")
    page.get_by_label("事件").select_option("login")
    page.wait_for_url("**kind=login*")
    page.get_by_label("事件").select_option("logout")
    page.wait_for_url("**kind=logout*")
    page.wait_for_load_state("networkidle")
    with page.expect_response(
        lambda r: r.request.headers.get("hx-history-restore-request") == "true"
    ):
        page.go_back()
    # Swapped in: either the whole page (its filter shows "login" again) or a bare fragment
    # (no filter at all).
    page.wait_for_function(
        "() => { const s = document.querySelector('select[name=kind]');"
        " return !s || s.value === 'login'; }"
    )
    assert "kind=login" in page.url
    assert page.locator("header.topbar").count() == 1
    assert page.locator("h1").count() == 1
    context.close()
