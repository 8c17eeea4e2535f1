"""Issue acceptance: the chair of 邵兴城 on her phone, then district staff at a desk."""

import datetime

import pytest
from playwright.sync_api import expect

from members.models import Member, MemberStatus, TransferRequest, TransferStatus
from tests.e2e.conftest import DESK, PHONE, axe_check, log_in, new_context
from tests.factories import MemberFactory, MembershipFactory, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_chair_keeps_her_roster_and_staff_confirm_a_transfer(
    browser, live_server, district, chair_a, district_staff, artifacts_dir
):
    market_a = district.market_a.federation
    for name in ("王秀英", "张婷婷"):
        member = MemberFactory(name=name, id_number=make_id_number(datetime.date(1985, 5, 5)))
        MembershipFactory(member=member, organization=market_a)

    phone = new_context(browser, viewport=PHONE)
    page = phone.new_page()
    log_in(page, live_server, "chair_a")
    page.get_by_role("link", name="会员").first.click()
    page.wait_for_load_state()  # htmx has bound its triggers

    # Find 赵丹 by her pinyin initials: the list follows as she types.
    page.get_by_placeholder("姓名、拼音").fill("zd")
    rows = page.locator("table.directory tbody tr")
    expect(rows).to_have_count(1)
    assert "赵丹" in rows.first.inner_text()
    # The URL follows the search, so a reload or a shared link shows the same list.
    assert "q=zd" in page.url
    page.reload()
    expect(rows).to_have_count(1)
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/directory-phone.png", full_page=True)
    axe_check(page)

    # Correct her mobile.
    page.get_by_role("link", name="赵丹").click()
    page.get_by_role("link", name="修改").click()
    page.get_by_label("手机号").fill("13912349876")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    assert "139****9876" in page.locator(".history").inner_text()
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/member-phone.png", full_page=True)
    axe_check(page)

    # Mark 王秀英 as left.
    page.goto(f"{live_server.url}/members/?q=wxy")
    page.get_by_role("link", name="王秀英").click()
    page.get_by_role("link", name="标记为离开").click()
    page.get_by_label("原因").fill("回老家")
    page.get_by_role("button", name="标记为离开").click()
    page.get_by_text("已标记为离开").wait_for()
    axe_check(page)

    # Ask for 张婷婷's transfer to 天泽华丽.
    page.goto(f"{live_server.url}/members/?q=ztt")
    page.get_by_role("link", name="张婷婷").click()
    page.get_by_role("link", name="调动").last.click()
    page.get_by_label("调入市场").select_option(label="天泽华丽妇联")
    page.get_by_label("原因").fill("换到天泽华丽开店")
    page.get_by_role("button", name="提交调动申请").click()
    page.get_by_text("等待调入市场确认").wait_for()
    fits(page, PHONE["width"])
    axe_check(page)
    phone.close()

    # District staff see the transfer, confirm it, and read each step in the histories.
    desk = new_context(browser, viewport=DESK)
    page = desk.new_page()
    log_in(page, live_server, "district_staff")
    page.get_by_role("link", name="调动").first.click()
    card = page.locator("article.transfer", has_text="张婷婷")
    assert "天泽华丽妇联" in card.inner_text()
    card.get_by_role("button", name="确认").click()
    page.get_by_text("调动已确认").wait_for()
    page.screenshot(path=f"{artifacts_dir}/transfers-desk.png", full_page=True)
    axe_check(page)

    page.goto(f"{live_server.url}/members/?q=ztt")
    page.get_by_role("link", name="张婷婷").click()
    history = page.locator("section", has_text="会籍变动").inner_text()
    assert (
        "邵兴城市场妇联" in history and "天泽华丽妇联" in history and "调至天泽华丽妇联" in history
    )
    changes = page.locator(".history").inner_text()
    assert "申请调动" in changes and "调动确认" in changes
    desk.close()

    zhao = Member.objects.get(name="赵丹")
    assert zhao.mobile == "13912349876"
    assert Member.objects.get(name="王秀英").status == MemberStatus.LEFT
    assert TransferRequest.objects.get().status == TransferStatus.CONFIRMED
