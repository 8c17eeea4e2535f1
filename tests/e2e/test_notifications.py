"""Issue 11 acceptance: the chair of 邵兴城 composes a notice to her market's members on her
phone, watches its progress reach done (a real Celery worker sends it to the fake
gateway), and sees each recipient's status."""

import os

import pytest
from playwright.sync_api import expect

from config.celery import app
from notifications.models import Notice, NoticeState
from tests.conftest import require_service, uses_postgres
from tests.e2e.test_member_management import PHONE, fits, log_in
from tests.factories import MemberFactory, MembershipFactory
from tests.notifications import conftest as notification_fixtures
from tests.notifications.conftest import SECRET
from tests.notifications.test_worker_kill import (
    database_url,
    forget_killed_workers_messages,
    kill,
    start_worker,
)
from tests.test_celery_worker import redis_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The fake gateway and an approved template, as the notifications tests have them.
gateway_process = notification_fixtures.gateway_process
gateway = notification_fixtures.gateway
template = notification_fixtures.template


def test_chair_sends_a_notice_to_her_market_and_watches_it_arrive(
    browser, live_server, district, chair_a, template, gateway, artifacts_dir
):
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")
    market_a = district.market_a.federation
    for name in ("王秀英", "张婷婷", "刘芳"):
        MembershipFactory(member=MemberFactory(name=name), organization=market_a)
    MembershipFactory(
        member=MemberFactory(name="外市场"), organization=district.market_b.federation
    )
    app.control.purge()
    # Receipts come back through our signed callback, as the provider pushes them.
    gateway.control(callback_url=f"{live_server.url}/notifications/sms/receipts/")
    log = open(os.path.join(artifacts_dir, "notifications-e2e-worker.log"), "w")
    worker = start_worker(
        {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DATABASE_POOL": "0",
            "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.AliyunSmsBackend",
            "ALIYUN_SMS_ENDPOINT": gateway.endpoint,
            "ALIYUN_SMS_PROTOCOL": "HTTP",
            "NOTIFICATIONS_CALLBACK_SECRET": SECRET,
        },
        log,
    )
    try:
        phone = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = phone.new_page()
        log_in(page, live_server, "chair_a")
        page.goto(f"{live_server.url}/notices/new/")
        page.wait_for_load_state()
        page.locator("#id_audience_organization").select_option(str(market_a.pk))
        page.locator("#id_sms_template").select_option(str(template.pk))
        page.locator("#id_title").fill("会员大会通知")
        page.locator("#id_event_time").fill("12月5日下午3点")
        page.locator("#id_quiet_hours_override").check()
        page.get_by_role("button", name="预览").click()
        preview = page.locator("#preview")
        expect(preview).to_contain_text("【芦淞妇联】")
        expect(preview).to_contain_text("4")  # 赵丹 and the three above; not 外市场
        fits(page, PHONE["width"])
        page.screenshot(path=f"{artifacts_dir}/notice-compose-phone.png", full_page=True)

        page.get_by_role("button", name="发送").click()
        page.wait_for_url(f"{live_server.url}/notices/*/")
        state = page.locator(".notice-state")
        expect(state).to_have_attribute("data-state", NoticeState.DONE, timeout=60_000)
        rows = page.locator("table.recipients tbody tr")
        expect(rows).to_have_count(4)
        for index in range(4):
            assert rows.nth(index).get_attribute("data-state") in {"sent", "delivered"}
        assert "外市场" not in page.locator("table.recipients").inner_text()
        # The gateway's receipts (signed, pushed to the callback) turn "sent" into "delivered".
        delivered = page.locator('dd[data-count="delivered"]')
        for _ in range(40):
            if delivered.inner_text() == "4":
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(delivered).to_have_text("4")
        fits(page, PHONE["width"])
        page.screenshot(path=f"{artifacts_dir}/notice-progress-phone.png", full_page=True)
    finally:
        kill(worker)
        log.close()
        forget_killed_workers_messages()
    notice = Notice.objects.get()
    assert notice.state == NoticeState.DONE
    received = sorted(m["phone"] for m in gateway.messages())
    assert len(received) == 4 and len(set(received)) == 4
