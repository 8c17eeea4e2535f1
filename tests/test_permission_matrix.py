"""Every URL of the project, for every persona, on an object inside and outside her scope.

A URL pattern without a rule here fails the test: a new page must say who may use it.
Outside her scope a user gets 403 or 404; an anonymous visitor is sent to the login page.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from federation.models import Position
from members.models import TransferRequest
from tests.factories import MarketFactory, OfficeFactory, TermFactory

OK = {200, 302, 400}
DENIED = {403, 404}

# What each persona may do with the objects of side "a" (market A, 邵兴城) and "b" (market B).
SCOPES = {
    "district_staff": {"see": "ab", "change": "ab", "administer": "ab", "log": True},
    "chair_a": {"see": "a", "change": "a", "administer": "", "log": False},
    "chair_b": {"see": "b", "change": "b", "administer": "", "log": False},
    "viewer": {"see": "ab", "change": "", "administer": "", "log": False},
}


@dataclass
class Rule:
    level: str  # public | login | see | change | administer | create | log | superuser
    method: str = "get"
    data: dict | None = None
    kwargs: str = ""  # which objects fill the URL: "org", "member", "office", "grant", ...


RULES = {
    # accounts
    "login": Rule("public"),
    "login_verify": Rule("public"),
    "logout": Rule("login", method="post"),
    "password_change": Rule("login"),
    "second_factor": Rule("login"),
    # The admin is for superusers: a logged-in persona gets 403, never a redirect loop.
    "admin_login_redirect": Rule("superuser"),
    # audit
    "access_log": Rule("log"),
    # federation
    "dashboard": Rule("login"),
    "organization_tree": Rule("login"),
    "organization_detail": Rule("see", kwargs="org"),
    "organization_election": Rule("administer", kwargs="org"),
    "organization_election_logins": Rule("administer", kwargs="org"),
    "office_add": Rule("administer", kwargs="org"),
    "office_replace": Rule("administer", kwargs="org,office"),
    "office_end": Rule("administer", kwargs="org,office"),
    "organization_member_search": Rule("see", kwargs="org", data={"q": "z"}),
    "organization_member_chip": Rule("see", kwargs="org"),
    "member_chip_remove": Rule("login"),
    "organization_logins": Rule("administer", kwargs="org"),
    "login_create": Rule("administer", method="post", kwargs="org"),
    "role_grant_revoke": Rule("administer", method="post", kwargs="org,grant", data={}),
    "login_deactivate": Rule("administer", method="post", kwargs="org,grant", data={}),
    "login_password_reset": Rule("administer", method="post", kwargs="org,grant", data={}),
    # members
    "member_list": Rule("login"),
    "member_bulk": Rule("login", method="post", data={"action": "add_tag", "tag": "x"}),
    "member_create": Rule("create"),
    "member_detail": Rule("see", kwargs="member"),
    "member_edit": Rule("change", kwargs="member"),
    "member_leave": Rule("change", kwargs="member"),
    "member_restore": Rule("change", method="post", kwargs="member"),
    "member_transfer": Rule("change", kwargs="member"),
    # PIPL hand-over and erasure: district staff only (the same people as the access log).
    "member_personal_data": Rule("log", kwargs="member"),
    "member_unmask": Rule("change", method="post", kwargs="member,field"),
    "transfer_list": Rule("login"),
    "member_transfer_in": Rule("create", method="post", data={"mobile": "13000000000"}),
    "transfer_decide": Rule("change", method="post", kwargs="transfer", data={"decision": "?"}),
}


def url_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern) in {"admin/", "i18n/"}:
                continue
            yield from url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern)


@pytest.fixture
def sides(district, chair_a, chair_b):
    """Objects of side a and side b, of every kind a URL takes."""
    third = MarketFactory(name="大汉悦中心", cluster=district.cluster).federation
    objects = {}
    for side, market, member, chair in (
        ("a", district.market_a.federation, district.member_a, chair_a),
        ("b", district.market_b.federation, district.member_b, chair_b),
    ):
        term = TermFactory(organization=market, number=2, starts_on=datetime.date(2025, 3, 1))
        office = OfficeFactory(term=term, member=member, position=Position.EXECUTIVE)
        transfer = TransferRequest.objects.create(
            member=member,
            from_organization=market,
            to_organization=third,
            effective_on=datetime.date(2026, 12, 1),
        )
        objects[side] = {
            "org": market.pk,
            "member": member.pk,
            "office": office.pk,
            "office_id": office.pk,
            "grant": chair.role_grants.get().pk,
            "transfer": transfer.pk,
        }
    return objects


def build_url(route: str, kwargs: str, objects: dict) -> str:
    url = "/" + route
    names = [name for name in kwargs.split(",") if name]
    values = {
        "org": objects["org"],
        "member": objects["member"],
        "office": objects["office"],
        "grant": objects["grant"],
        "transfer": objects["transfer"],
        "field": "mobile",
    }
    # Fill the route's converters in order with the objects the rule names.
    import re

    for name in names:
        url = re.sub(r"<(int|str):\w+>", str(values[name]), url, count=1)
    assert "<" not in url, f"{route}: the rule does not fill every part of the URL"
    return url


def allowed(level: str, persona: str, side: str) -> bool:
    scope = SCOPES[persona]
    if level in {"public", "login"}:
        return True
    if level == "log":
        return scope["log"]
    if level == "superuser":
        return False
    if level == "create":
        return bool(scope["change"])
    return side in scope[level]


def test_every_url_has_a_rule():
    missing = {name for name, _ in url_patterns() if name not in RULES}
    assert not missing, f"URLs without a permission rule: {sorted(missing)}"
    stale = set(RULES) - {name for name, _ in url_patterns()}
    assert not stale, f"rules for URLs that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", [*SCOPES, "anonymous"])
def test_permission_matrix(persona, request, sides):
    client = Client()
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    failures = []
    for name, route in url_patterns():
        rule = RULES[name]
        for side in ("a", "b") if rule.kwargs else ("-",):
            url = build_url(route, rule.kwargs, sides.get(side, sides["a"]))
            if user is not None:
                client.force_login(user)  # a fresh session: logout earlier in the walk
            call = client.post if rule.method == "post" else client.get
            response = call(url, rule.data or {})
            status = response.status_code
            if persona == "anonymous":
                if rule.level == "public":
                    ok = status in OK
                else:
                    ok = status == 302 and "/login/" in response["Location"]
            elif allowed(rule.level, persona, side):
                ok = status in OK
            else:
                ok = status in DENIED
            if not ok:
                failures.append(
                    f"{persona} {rule.method.upper()} {url} ({name}, side {side}): {status}"
                )
    assert not failures, "\n".join(failures)
