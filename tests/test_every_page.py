"""Walk every URL pattern of the project: each page carries the enforced CSP with a nonce,
and no template uses inline event handlers that the policy would have to allow."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

SKIP_PREFIXES = ("admin/",)  # the admin is checked through its index below


def patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete(route: str, district) -> str:
    return "/" + re.sub(r"<int:\w+>", str(district.market_a.federation.pk), route)


def test_every_get_page_sends_the_enforced_policy(client, district, district_staff):
    client.force_login(district_staff)
    seen = 0
    for route, _ in patterns():
        if route.startswith(SKIP_PREFIXES) or route.startswith("i18n/"):
            continue
        response = client.get(concrete(route, district))
        if response.status_code == 405:
            continue
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "unsafe" not in policy, route
        if response.status_code == 200 and b"<html" in response.content:
            seen += 1
            assert "'nonce-" in policy, route
    assert seen >= 6


def test_admin_pages_send_the_policy_too(client, district):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for url in (
        "/admin/",
        "/admin/members/member/",
        f"/admin/members/member/{district.member_a.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("template", sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")))
def test_templates_use_no_inline_handlers_or_inline_scripts(template):
    text = template.read_text()
    assert not re.search(r"\shx-on[:-]", text), "hx-on needs eval under our CSP"
    assert not re.search(r"\son[a-z]+=", text), "inline event handlers are blocked by the CSP"
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script> needs a nonce"
    assert "|safe" not in text.replace("field.help_text|safe", ""), "unescaped output"
