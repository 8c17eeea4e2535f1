"""Staff open the yearly statistics in a real browser, switch year and organization, and
download the annual workbook that a real Celery worker builds."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from openpyxl import load_workbook

from tests.conftest import PASSWORD, require_service
from tests.test_celery_worker import redis_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


@pytest.fixture
def worker(settings, tmp_path):
    """A Celery worker on the test database, sharing the live server's media directory."""
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    database = connection.settings_dict
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "set DATABASE_URL=postgres://… (the worker shares it)")
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    env = {
        **os.environ,
        "REDIS_URL": url,
        "MEDIA_ROOT": str(media),
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DATABASE_POOL": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
    command += ["--loglevel", "WARNING", "--hostname", "pytest-statistics@%h"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_switch_year_and_organization_and_download_the_workbook(
    browser, live_server, district, district_staff, worker, artifacts_dir, viewport, tmp_path
):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console",
        lambda m: console_errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    _log_in(page, live_server, "district_staff")

    page.get_by_role("link", name="统计").click()
    page.wait_for_selector("html[data-charts-drawn]")
    title = page.locator(".report-title")
    assert title.get_attribute("data-organization") == str(district.district.pk)
    assert page.locator('[data-stat="members"] .value').inner_text() == "2"
    assert page.locator("[data-chart-id=chart-members_by_market] canvas").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    page.screenshot(path=f"{artifacts_dir}/statistics-{viewport}.png", full_page=True)

    page.locator("#id_year").select_option("2018")
    page.wait_for_selector('.report-title[data-year="2018"]')
    assert "year=2018" in page.url
    # The demo members joined in 2019: none in 2018.
    assert page.locator('[data-stat="members"] .value').inner_text() == "0"

    page.locator("#id_organization").select_option(str(district.market_a.federation.pk))
    page.wait_for_selector(f'.report-title[data-organization="{district.market_a.federation.pk}"]')
    page.locator("#id_year").select_option("2026")
    page.wait_for_selector('.report-title[data-year="2026"]')
    assert page.locator('[data-stat="members"] .value').inner_text() == "1"

    page.get_by_role("button", name="生成 2026 年度统计表").click()
    link = page.get_by_role("link", name="下载", exact=False)
    link.wait_for(timeout=60_000)
    with page.expect_download() as download_info:
        link.click()
    target = tmp_path / "downloaded.xlsx"
    download_info.value.save_as(target)
    book = load_workbook(target, read_only=True)
    assert book.sheetnames[0] == "概览"
    assert "按市场统计会员" in book.sheetnames
    csp = [e for e in console_errors if "Content Security Policy" in e]
    assert not csp, "\n".join(csp)
    context.close()


def test_worker_builds_the_workbook_with_progress(live_server, district, district_staff, worker):
    """The export is built by the worker, not in the request: its state moves on its own."""
    from reports import services, tasks
    from reports.models import ExportStatus, WorkbookExport

    export = services.workbook_export_request(
        organization=district.district, year=2026, by=district_staff
    )
    tasks.workbook_export_build.delay(export.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export = WorkbookExport.objects.get(pk=export.pk)
        if export.status == ExportStatus.DONE:
            break
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.3)
    assert export.status == ExportStatus.DONE and export.progress == 100
    # Delivered twice (acks_late after a lost worker): the second delivery changes nothing.
    assert services.workbook_export_build(export_id=export.pk).file.name == export.file.name
