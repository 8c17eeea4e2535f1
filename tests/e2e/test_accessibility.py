"""axe-core on every page the browser tests visit, for district staff at a desk (1280 px) and
a market chair on her phone (375 px), in Chinese and in English, with every <details> opened.
Serious and critical violations fail; forms are also checked as they come back with errors,
and focus must then be on the first error."""

import datetime

import pytest
from playwright.sync_api import expect

from federation.models import Position
from members.models import TransferRequest
from tests.e2e.conftest import DESK, PHONE, axe_check, log_in, new_context
from tests.factories import (
    MarketFactory,
    MemberFactory,
    MembershipFactory,
    OfficeFactory,
    TermFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAS = {"district_staff": DESK, "chair_a": PHONE}


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(),
        id: e.id, invalid: e.getAttribute("aria-invalid"), role: e.getAttribute("role"),
        describedby: e.getAttribute("aria-describedby") || ""}; }"""
    )


def describedby_resolves(page, ids: str) -> bool:
    return all(page.locator(f"[id='{i}']").count() == 1 for i in ids.split())


@pytest.fixture
def shapes(district):
    """Data enough that each page shows its parts: officers in a current and an earlier term,
    a pending transfer, a member who left."""
    market_a = district.market_a.federation
    TermFactory(
        organization=market_a,
        number=1,
        starts_on=datetime.date(2019, 3, 1),
        ends_on=datetime.date(2024, 3, 1),
    )
    term = TermFactory(organization=market_a, number=2, starts_on=datetime.date(2024, 3, 1))
    OfficeFactory(term=term, member=district.member_a, position=Position.CHAIR)
    third = MarketFactory(name="大汉悦中心", cluster=district.cluster).federation
    mover = MemberFactory(name="张婷婷")
    MembershipFactory(member=mover, organization=market_a)
    TransferRequest.objects.create(
        member=mover,
        from_organization=market_a,
        to_organization=third,
        effective_on=datetime.date(2026, 12, 1),
    )
    return district


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", list(PERSONAS))
def test_no_serious_or_critical_axe_violations_on_any_page(
    browser, live_server, shapes, district_staff, chair_a, username, language
):
    district = shapes
    market = district.market_a.federation
    member = district.member_a
    base = live_server.url
    context = new_context(browser, viewport=PERSONAS[username], language=language, base_url=base)
    page = context.new_page()

    page.goto(f"{base}/login/")
    assert page.locator("html").get_attribute("lang") == language
    axe_check(page, "login")
    log_in(page, live_server, username)

    pages = [
        "/",
        "/organizations/",
        f"/organizations/{market.pk}/",
        "/members/",
        "/members/?q=zd",
        f"/members/{member.pk}/",
        f"/members/{member.pk}/edit/",
        f"/members/{member.pk}/leave/",
        f"/members/{member.pk}/transfer/",
        "/members/new/",
        "/transfers/",
        "/account/password/",
        f"/organizations/{market.pk}/member-search/?field=chair&q=z",
    ]
    if username == "district_staff":
        pages += [
            f"/organizations/{district.district.pk}/",
            f"/organizations/{market.pk}/logins/",
            f"/organizations/{market.pk}/election/",
            f"/organizations/{market.pk}/offices/add/",
            "/access-log/",
        ]
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        axe_check(page, f"{path} as {username} in {language}")

    # The member form sent empty comes back with errors: linked, and focus on the first.
    page.goto(f"{base}/members/new/")
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    first = focused(page)
    assert first["invalid"] == "true" or first["role"] == "alert", first
    for field in page.locator('form.member-form [aria-invalid="true"]').all():
        ids = field.get_attribute("aria-describedby") or ""
        assert "_error" in ids and describedby_resolves(page, ids), ids
    axe_check(page, f"member form with errors as {username} in {language}")

    if username == "district_staff":
        # The election form, sent without a chair: htmx swaps it back with the errors.
        page.goto(f"{base}/organizations/{market.pk}/election/")
        page.wait_for_load_state("networkidle")
        page.locator("#election button[type=submit]").click()
        page.locator("#picker-chair .error").wait_for()
        expect(page.locator("#election [aria-invalid='true']").first).to_be_focused()
        first = focused(page)
        assert first["invalid"] == "true" or first["role"] == "alert", first
        chair_input = page.locator("#picker-input-chair")
        assert chair_input.get_attribute("aria-invalid") == "true"
        ids = chair_input.get_attribute("aria-describedby")
        assert "picker-error-chair" in ids.split() and describedby_resolves(page, ids)
        axe_check(page, f"election form with errors in {language}")
        # Choosing a member removes the list of options (and the focused option with it):
        # focus goes back to that picker's search box.
        chair_input.fill("zd")
        option = page.locator("#results-chair .picker-option").first
        option.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#chosen-chair .chip")).to_have_count(1)
        expect(chair_input).to_be_focused()
    context.close()
