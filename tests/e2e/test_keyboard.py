"""The member directory by keyboard only: skip link, search, a filter, sort, next page, tick a
row, open a record. After each step focus is where a keyboard user expects it, not on <body>
(an htmx swap replaces the element that had the focus)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESK, axe_check, log_in, new_context
from tests.factories import MemberFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Enough for two pages of 50, all found by "wang" and by the first occupation.
RECORD_BUSY = """() => { window.busySeen = [];
  new MutationObserver(changes => changes.forEach(c => window.busySeen.push(
    c.target.getAttribute("aria-busy")))).observe(document.getElementById("results"),
    {attributes: true, attributeFilter: ["aria-busy"]}); }"""
HEADER_CLIP = {"x": 0, "y": 0, "width": 700, "height": 60}
SURNAME_WANG = [f"王{given}" for given in "一二三四五六七八九十丽芳娟敏静秀英华慧巧美娜"]


def focus(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || "").trim(),
                key: e.getAttribute("data-focus-key"), href: e.getAttribute("href"),
                name: e.getAttribute("name"), checked: !!e.checked}; }"""
    )


def tab_until(page, predicate, limit=40, backwards=False) -> int:
    """Tab (or Shift+Tab) until the focused element matches; answers how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if predicate(focus(page)):
            return presses
    raise AssertionError(f"not reached in {limit} presses; focus is on {focus(page)}")


def count_text(page) -> str:
    return page.locator("#results-count").inner_text()


def test_directory_walked_by_keyboard_only(
    browser, live_server, district, district_staff, artifacts_dir
):
    market_a = district.market_a.federation
    for index in range(60):
        member = MemberFactory(name=SURNAME_WANG[index % len(SURNAME_WANG)] + str(index))
        MembershipFactory(member=member, organization=market_a)

    context = new_context(browser, viewport=DESK, language="zh-hans")
    page = context.new_page()
    log_in(page, live_server, "district_staff")

    # Every page: the first Tab reaches the skip link to the main content; Enter goes there.
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert focus(page)["href"] == "#main", focus(page)
    page.screenshot(path=f"{artifacts_dir}/keyboard-skip-link.png")
    # (The focus ring on the red header: see keyboard-header-focus.png.)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('header.topbar') !== null")
    page.screenshot(path=f"{artifacts_dir}/keyboard-header-focus.png", clip=HEADER_CLIP)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focus(page)["href"] == "#main"
    page.keyboard.press("Enter")
    assert focus(page)["id"] == "main"

    # The directory opens with focus in the search box; just before it, its own skip links.
    page.goto(f"{live_server.url}/members/")
    page.wait_for_load_state("networkidle")
    assert focus(page)["id"] == "id_q"
    page.keyboard.press("Shift+Tab")
    assert focus(page)["href"] == "#pager"
    page.keyboard.press("Shift+Tab")
    assert focus(page)["href"] == "#results-count"
    page.screenshot(path=f"{artifacts_dir}/keyboard-directory-skip-links.png")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focus(page)["id"] == "id_q"

    # Search: typing keeps focus in the box while the list follows; only the count changes
    # in the status region.
    before = count_text(page)
    page.evaluate(RECORD_BUSY)
    page.keyboard.type("wang")
    expect(page.locator("#results-count")).not_to_have_text(before)
    page.wait_for_load_state("networkidle")
    assert "q=wang" in page.url
    assert focus(page)["id"] == "id_q"
    assert "60" in count_text(page)
    # Busy while the request ran, not any more.
    assert "true" in page.evaluate("window.busySeen")
    assert page.locator("#results").get_attribute("aria-busy") is None
    assert page.locator("#results").get_attribute("aria-live") is None
    assert page.locator("#results-count").get_attribute("role") == "status"

    # A filter: open the filters with Enter on their summary, pick an occupation with the
    # arrow key; focus stays on the select.
    tab_until(page, lambda f: f["tag"] == "summary", limit=3)
    page.keyboard.press("Enter")
    tab_until(page, lambda f: f["name"] == "occupation", limit=3)
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**occupation=shop_owner*")
    page.wait_for_load_state("networkidle")
    assert focus(page)["name"] == "occupation"
    assert "60" in count_text(page)

    # Sort by age: Enter on the header link; the table is swapped and focus is on the same
    # header's new link, now marked as sorted.
    tab_until(page, lambda f: f["key"] == "sort-age", limit=30)
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=age*")
    # The swap settles a moment after the URL changes.
    expect(page.locator('#results [data-focus-key="sort-age"]')).to_be_focused()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert "▲" in focus(page)["text"]
    page.screenshot(path=f"{artifacts_dir}/keyboard-sort-focus.png")

    # Next page: back to the skip link to the pages (Shift+Tabs past the filters, not 100 Tabs
    # through the rows), Enter,
    # then Tab reaches "下一页". After the swap focus is on the new pager's link: page 2 of 2
    # has no "Next", so on "Previous".
    tab_until(page, lambda f: f["href"] == "#pager", limit=30, backwards=True)
    page.keyboard.press("Enter")
    assert focus(page)["id"] == "pager"
    page.keyboard.press("Tab")
    assert focus(page)["key"] == "next"
    assert focus(page)["text"] == "下一页"
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2*")
    expect(page.locator('#pager [data-focus-key="previous"]')).to_be_focused()
    assert focus(page)["text"] == "上一页"
    assert "第 2 / 2 页" in page.locator("#pager").inner_text()
    page.screenshot(path=f"{artifacts_dir}/keyboard-pager-focus.png")
    axe_check(page, "directory page 2 after keyboard steps")

    # Tick a row: Shift+Tab from the pager lands on the last row's name, then its checkbox.
    page.keyboard.press("Shift+Tab")
    name = focus(page)
    assert name["href"].startswith("/members/")
    page.keyboard.press("Shift+Tab")
    assert focus(page)["name"] == "ids"
    page.keyboard.press("Space")
    assert focus(page)["checked"] is True
    page.screenshot(path=f"{artifacts_dir}/keyboard-row-ticked.png")

    # Open the record: Tab to her name, Enter.
    page.keyboard.press("Tab")
    assert focus(page)["href"] == name["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{name['href']}")
    assert page.locator("h1").inner_text().startswith(name["text"])
    page.keyboard.press("Tab")
    assert focus(page)["href"] == "#main"
    context.close()
