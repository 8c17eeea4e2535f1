"""Issue acceptance: the chair of 邵兴城 uploads her sheet, reviews the diff, confirms, undoes."""

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.e2e.test_member_management import PHONE, fits, log_in
from tests.rosters.files import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chair_uploads_reviews_confirms_and_undoes(
    browser, live_server, district, chair_a, artifacts_dir, tmp_path
):
    member = district.member_a
    sheet = tmp_path / "邵兴城花名册.xlsx"
    sheet.write_bytes(
        xlsx(
            [
                ["姓名", "手机号", "职业", "备注"],
                [member.name, member.mobile, "主播", "直播带货"],
                ["欧阳·娜娜", "139 0013 9001", "店员", ""],
                ["王芳", "1390013900", "店员", ""],
            ],
            title="邵兴城市场妇联会员花名册",
        )
    )
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    log_in(page, live_server, "chair_a")
    page.goto(f"{live_server.url}/rosters/import/")
    page.get_by_label("花名册文件").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("heading", name="新会员").wait_for()
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "欧阳·娜娜" in text
    assert "直播带货" in text  # her change, old → new
    assert "商户 → 主播" in text  # choices as people read them, not their codes
    expect(page.get_by_text("手机号：")).to_be_visible()  # the invalid row's message
    fits(page, PHONE["width"])
    page.screenshot(path=f"{artifacts_dir}/roster-preview-phone.png", full_page=True)

    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("花名册已导入").wait_for()
    assert Member.objects.filter(name="欧阳·娜娜", mobile="13900139001").exists()
    member.refresh_from_db()
    assert member.notes == "直播带货"

    page.get_by_role("button", name="撤销这次导入").click()
    page.get_by_text("导入已撤销。", exact=True).wait_for()
    assert not Member.objects.filter(mobile="13900139001").exists()
    member.refresh_from_db()
    assert member.notes == ""
    page.screenshot(path=f"{artifacts_dir}/roster-undone-phone.png", full_page=True)
    phone.close()
