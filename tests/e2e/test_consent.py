"""Issue 11: the chair of 邵兴城 records a member's consent to SMS on her phone, then her
opt-out of e-mail; the member's record shows both, per channel, with when and how."""

import pytest
from playwright.sync_api import expect

from notifications.models import Consent, OptOut
from tests.e2e.conftest import PHONE, axe_check, log_in, new_context
from tests.e2e.test_member_management import fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chair_records_consent_and_opt_out_on_the_members_record(
    browser, live_server, district, chair_a, artifacts_dir, today
):
    member = district.member_a
    phone = new_context(browser, viewport=PHONE)
    page = phone.new_page()
    log_in(page, live_server, "chair_a")
    page.goto(f"{live_server.url}/members/{member.pk}/")
    panel = page.locator("#consent")
    expect(panel).to_contain_text("未登记")
    panel.get_by_role("link", name="登记同意或退订").click()
    page.wait_for_url(f"{live_server.url}/members/{member.pk}/consent/")
    axe_check(page)
    page.locator("#id_channel").select_option("sms")
    page.get_by_label("本人同意接收").check()
    page.locator("#id_method").select_option("paper_form")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(f"{live_server.url}/members/{member.pk}/")
    page.get_by_role("link", name="登记同意或退订").click()
    page.locator("#id_channel").select_option("email")
    page.get_by_label("本人退订 / 撤回同意").check()
    page.locator("#id_method").select_option("phone")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(f"{live_server.url}/members/{member.pk}/")
    panel = page.locator("#consent")
    expect(panel.locator('tr[data-channel="sms"]')).to_contain_text(str(today))
    expect(panel.locator('tr[data-channel="email"]')).to_contain_text(str(today))
    expect(panel.locator('tr[data-channel="email"]')).to_contain_text("电话退订")
    expect(page.locator(".history")).to_contain_text("已记录同意接收短信")
    fits(page, PHONE["width"])
    panel.scroll_into_view_if_needed()
    page.screenshot(path=f"{artifacts_dir}/member-consent-phone.png", full_page=True)
    axe_check(page)
    phone.close()
    assert Consent.objects.get(member=member).channel == "sms"
    assert OptOut.objects.get(member=member).channel == "email"
