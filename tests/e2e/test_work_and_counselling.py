"""Issue 12 acceptance: a training with QR check-in on phones, and the 娘家有约 intake."""

import pytest
from playwright.sync_api import expect

from counselling.models import CounsellingRequest, CounsellingService, IntakePoint
from federation.models import Role
from tests.conftest import _persona
from tests.e2e.test_member_management import PHONE, fits, log_in
from tests.factories import MemberFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_training_with_qr_check_in_shows_on_their_records(
    browser, live_server, district, chair_a, today, artifacts_dir
):
    second = MemberFactory(name="王秀英", mobile="13907330002")
    MembershipFactory(member=second, organization=district.market_a.federation)

    staff = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = staff.new_page()
    log_in(page, live_server, "chair_a")
    page.goto(f"{live_server.url}/work/activities/new/")
    page.get_by_label("主办单位").select_option(label="邵兴城市场妇联")
    page.get_by_label("类型").select_option(label="培训")
    page.get_by_label("标题").fill("直播带货培训第一期")
    page.get_by_label("日期").fill("2026-11-30")
    page.get_by_label("开始时间").fill("09:00")
    page.get_by_label("结束时间").fill("18:00")
    page.get_by_label("妇女之家/妇女微家").select_option(label="邵兴城妇女之家")
    page.get_by_label("培训认证").select_option(label="直播带货")
    fits(page, PHONE["width"])
    page.get_by_role("button", name="保存").click()
    page.get_by_text("活动已创建").wait_for()
    expect(page.locator("img.qr")).to_be_visible()
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/activity-phone.png", full_page=True)
    checkin_url = page.locator("#checkin-link").get_attribute("href")

    # Two members scan the code on their own phones: no login.
    for name, mobile in (("赵丹", district.member_a.mobile), ("王秀英", "139 0733 0002")):
        own_phone = browser.new_context(viewport=PHONE, locale="zh-CN")
        scan = own_phone.new_page()
        scan.goto(checkin_url)
        scan.get_by_label("姓名").fill(name)
        scan.get_by_label("手机号").fill(mobile)
        scan.get_by_label("同行儿童人数").fill("1")
        fits(scan, PHONE["width"])
        scan.get_by_role("button", name="签到").click()
        scan.get_by_text("签到成功").wait_for()
        if name == "王秀英":
            scan.screenshot(path=f"{artifacts_dir}/checkin-phone.png", full_page=True)
        own_phone.close()

    page.reload()
    expect(page.locator("table.attendees tbody tr")).to_have_count(2)
    expect(page.locator("#count-children")).to_have_text("2")
    for member in (district.member_a, second):
        page.goto(f"{live_server.url}/members/{member.pk}/")
        expect(page.locator(".member-activities")).to_contain_text("直播带货培训第一期")
    page.screenshot(path=f"{artifacts_dir}/member-activities-phone.png", full_page=True)
    staff.close()


def test_counselling_request_from_the_poster_reaches_only_the_counsellor(
    browser, live_server, district, counsellor, chair_a, today, artifacts_dir
):
    CounsellingService.objects.create(
        name="心理咨询", kind="psychological", organization=district.cluster
    )
    point = IntakePoint.objects.create(organization=district.market_a.federation)

    merchant = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = merchant.new_page()
    page.goto(f"{live_server.url}/help/{point.token}/")
    page.get_by_label("心理咨询").check()
    page.get_by_label("怎么称呼您？").fill("小周")
    page.get_by_label("回电手机号").fill("13607331234")
    page.get_by_label("想说的话（选填）").fill("最近睡不着")
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/counselling-intake-phone.png", full_page=True)
    page.get_by_role("button", name="提交").click()
    # Without consent nothing is sent.
    expect(page.get_by_text("请阅读并同意保密说明")).to_be_visible()
    assert not CounsellingRequest.objects.exists()
    page.get_by_label("我同意").check()
    page.get_by_role("button", name="提交").click()
    page.get_by_text("已收到您的留言").wait_for()
    assert "睡不着" not in page.content()
    merchant.close()

    # The chair of that very market finds no trace of it.
    chair = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = chair.new_page()
    log_in(page, live_server, "chair_a")
    expect(page.get_by_role("link", name="娘家有约")).to_have_count(0)
    request_pk = CounsellingRequest.objects.get().pk
    response = page.goto(f"{live_server.url}/counselling/{request_pk}/")
    assert response.status in {403, 404}
    assert "睡不着" not in page.content()
    chair.close()

    desk = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server, "counsellor")
    page.get_by_role("link", name="娘家有约").click()
    page.get_by_role("link", name=f"#{request_pk}").click()
    expect(page.locator(".words")).to_contain_text("最近睡不着")
    page.get_by_role("button", name="由我接手").click()
    expect(page.locator(".request-mobile")).to_have_text("13607331234")
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/counselling-request-phone.png", full_page=True)
    desk.close()


def test_a_second_counsellor_is_a_real_persona(district):
    # Guard for the persona helper used above: a counsellor over the cluster covers market A.
    from federation import scope

    other = _persona("counsellor_x", Role.COUNSELLOR, district.cluster)
    assert scope.is_counsellor_for(other, district.market_a.federation)


def test_chair_prints_the_a4_poster_of_her_market(
    browser, live_server, district, chair_a, today, artifacts_dir
):
    context = browser.new_context(viewport={"width": 794, "height": 1123}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "chair_a")
    page.goto(f"{live_server.url}/organizations/{district.market_a.federation.pk}/")
    page.get_by_role("link", name="娘家有约海报").click()
    expect(page.locator("img.poster-qr")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=f"{artifacts_dir}/counselling-poster-print.png", full_page=True)
    assert IntakePoint.objects.get().organization == district.market_a.federation
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    context.close()


def test_chair_names_a_deeds_beneficiaries_with_the_picker(
    browser, live_server, district, chair_a, today, artifacts_dir
):
    second = MemberFactory(name="王秀英", mobile="13907330002")
    MembershipFactory(member=second, organization=district.market_a.federation)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "chair_a")
    page.goto(f"{live_server.url}/work/deeds/new/")
    page.get_by_label("组织").select_option(label="邵兴城市场妇联")
    page.get_by_label("标题").fill("帮扶困难商户")
    responsible = page.locator("#picker-input-responsible")
    responsible.fill("zd")
    page.locator("#results-responsible .picker-option").first.click()
    expect(page.locator("#chosen-responsible .chip")).to_have_count(1)
    beneficiaries = page.locator("#picker-input-beneficiaries")
    for search in ("wxy", "赵"):
        beneficiaries.fill(search)
        page.locator("#results-beneficiaries .picker-option").first.click()
    expect(page.locator("#chosen-beneficiaries .chip")).to_have_count(2)
    # Removing one takes her chip away; choosing her again brings it back.
    page.locator("#chosen-beneficiaries .chip-remove").first.click()
    expect(page.locator("#chosen-beneficiaries .chip")).to_have_count(1)
    beneficiaries.fill("wxy")
    page.locator("#results-beneficiaries .picker-option").first.click()
    expect(page.locator("#chosen-beneficiaries .chip")).to_have_count(2)
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/deed-picker-phone.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("帮扶困难商户").first.wait_for()
    page.goto(f"{live_server.url}/members/{second.pk}/")
    expect(page.get_by_text("受到的帮扶")).to_be_visible()
    expect(page.get_by_text("帮扶困难商户")).to_be_visible()
    context.close()
