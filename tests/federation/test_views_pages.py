import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

PAGES = ["dashboard", "organization_tree"]


def stat(html: str, name: str) -> int:
    match = re.search(rf'data-stat="{name}"><span class="value">(\d+)<', html)
    assert match, f"no {name} figure on the page"
    return int(match.group(1))


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_by_default_and_logs_in(client, district_staff):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post(
        reverse("login"), {"username": "district_staff", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"] == district_staff


def test_wrong_password_is_refused_with_a_chinese_message(client, district_staff):
    response = client.post(reverse("login"), {"username": "district_staff", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_new_session_key_at_login(client, district_staff):
    client.get(reverse("login"))
    before = client.session.session_key
    client.post(reverse("login"), {"username": "district_staff", "password": PASSWORD})
    assert client.session.session_key != before


def test_logout_needs_post(client, district_staff):
    client.force_login(district_staff)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_dashboard_shows_live_counts(client, district, district_staff):
    client.force_login(district_staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert stat(html, "members") == 2
    assert stat(html, "markets") == 2
    assert stat(html, "womens_homes") == 1
    assert stat(html, "sector_organizations") == 1
    assert "在册会员" in html


def test_language_switch_to_english(client, district_staff):
    client.force_login(district_staff)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("dashboard")}, follow=True
    )
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Current members" in html


def test_tree_starts_at_the_top_of_her_scope(client, district, chair_a):
    client.force_login(chair_a)
    response = client.get(reverse("organization_tree"))
    html = response.content.decode()
    assert [node.pk for node in response.context["nodes"]] == [district.market_a.federation.pk]
    assert "邵兴城市场妇联" in html and "天泽华丽妇联" not in html


def test_tree_node_expands_as_a_fragment_with_htmx(client, district, district_staff):
    client.force_login(district_staff)
    url = reverse("organization_tree") + f"?parent={district.cluster.pk}"
    fragment = client.get(url, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html
    assert "邵兴城市场妇联" in html and "快递物流妇女小组" in html
    full = client.get(url).content.decode()
    assert "<html" in full and "邵兴城市场妇联" in full


def test_chair_cannot_expand_or_open_another_market(client, district, chair_a):
    client.force_login(chair_a)
    other = district.market_b.federation.pk
    assert client.get(reverse("organization_tree"), {"parent": other}).status_code == 404
    assert client.get(reverse("organization_detail", args=[other])).status_code == 404


def test_tree_rejects_a_malformed_parent(client, district, district_staff):
    client.force_login(district_staff)
    assert client.get(reverse("organization_tree"), {"parent": "1 or 1=1"}).status_code == 400


def test_organization_page_shows_officers_and_member_count(client, district, district_staff):
    from federation.models import Position
    from tests.factories import OfficeFactory, TermFactory

    term = TermFactory(organization=district.market_a.federation, number=2)
    OfficeFactory(term=term, member=district.member_a, position=Position.VICE_CHAIR)
    client.force_login(district_staff)
    response = client.get(reverse("organization_detail", args=[district.market_a.federation.pk]))
    html = response.content.decode()
    assert response.context["member_count"] == 1
    assert "赵丹" in html and "副主席" in html
    assert "邵兴城妇女之家" in html
    # Phone numbers never appear on organization pages.
    assert district.member_a.mobile not in html


def test_user_without_role_sees_no_figures_and_a_hint(client, district, outsider):
    client.force_login(outsider)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-stat="members"' not in html  # nothing of anybody's, not even zeros
    assert "还没有" in html


@pytest.mark.parametrize("page", ["login", "dashboard", "organization_tree"])
def test_every_page_sends_an_enforced_csp_with_a_nonce(client, district_staff, page):
    if page != "login":
        client.force_login(district_staff)
    response = client.get(reverse(page))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    # The only script tags are our own, served from /static/ with the nonce.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "nonce=" in tag and 'src="/static/' in tag


def test_pages_send_the_security_headers(client, district_staff):
    client.force_login(district_staff)
    response = client.get(reverse("dashboard"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_english_browser_still_gets_chinese_until_she_switches(client, db):
    html = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "登录" in html.content.decode()
    client.cookies["django_language"] = "en"
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_tree_counts_members_of_the_whole_subtree_once(client, district, district_staff):
    client.force_login(district_staff)
    response = client.get(reverse("organization_tree"))
    (top,) = response.context["nodes"]
    # 赵丹 belongs to market A and its home: one member, not two.
    assert top == district.district and top.member_count == 2


def test_dashboard_shows_the_coverage_rate_of_her_federation(client, district, district_staff):
    from django.utils import timezone

    from federation.models import CoverageTarget

    CoverageTarget.objects.create(
        organization=district.district,
        sector_category="new_employment",
        year=timezone.localdate().year,
        expected_count=2,
    )
    client.force_login(district_staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert "组建率" in html and "50.0%" in html
