"""Issue 9, item 14: every walked page fits a 375-px phone, in Chinese and in English."""

import pytest
from django.conf import settings
from django.test import Client

from tests.test_every_page import SKIP_PREFIXES, patterns
from tests.test_every_page_in_chinese import concrete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}


def _pages(district):
    for route, _ in patterns():
        if route.startswith((*SKIP_PREFIXES, "i18n/", "logout/")):
            continue
        yield concrete(route, district)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("persona", ["district_staff", "chair_a"])
def test_every_page_fits_375_px(
    browser, live_server, district, request, persona, language, artifacts_dir
):

    from django.utils import timezone

    from audit.models import AccessKind
    from audit.services import access_record
    from federation.models import CoverageTarget, SectorCategory
    from tests.factories import MemberFactory, MembershipFactory

    # The dashboard's coverage table shows when the district has targets for this year.
    for category in SectorCategory:
        CoverageTarget.objects.create(
            organization=district.district,
            sector_category=category,
            year=timezone.localdate().year,
            expected_count=12,
        )
    # Access records of every width the log shows.
    for kind in (AccessKind.LOGIN_FAILED, AccessKind.PERSONAL_DATA_EXPORT, AccessKind.EXPORT):
        access_record(
            kind=kind,
            username="a-rather-long-username-for-a-login",
            target=district.member_a,
            row_count=12345,
            detail={"filter": {"q": "zd", "organization": 1234}},
        )

    # Enough rows for the wide tables (access log, directory) to show their columns.
    for index in range(3):
        member = MemberFactory(name=f"欧阳{index}")
        MembershipFactory(member=member, organization=district.market_a.federation)
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    client.get("/")  # an access record or two for the access log
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN" if language == "zh-hans" else "en-US"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    too_wide = {}
    seen = 0
    # Only pages: the Django client sorts out POST-only URLs and fragments first (an error
    # page in Chromium would interrupt the next navigation).
    paths = []
    for path in _pages(district):
        answer = client.get(path)
        if answer.status_code == 200 and b"<html" in answer.content:
            paths.append(path)
    assert {"/", "/members/", "/access-log/" if persona == "district_staff" else "/"} <= set(paths)
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        seen += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if path in {"/", "/access-log/"}:
            name = "dashboard" if path == "/" else "access-log"
            page.screenshot(
                path=f"{artifacts_dir}/phone-{persona}-{language}-{name}.png", full_page=True
            )
        if width > PHONE["width"]:
            too_wide[path] = width
            name = path.strip("/").replace("/", "-") or "dashboard"
            page.screenshot(path=f"{artifacts_dir}/too-wide-{language}-{name}.png", full_page=True)
    assert seen >= 8
    assert not too_wide, too_wide
