"""``manage.py seed_demo``: the demo district that developers, testers and the benchmark use."""

import io
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from demo import plan
from federation.models import (
    CoverageTarget,
    Office,
    Organization,
    OrganizationKind,
    Position,
    Role,
    RoleGrant,
)
from markets.models import Market, Shop
from members.models import Member, Membership, MembershipScope, MemberStatus
from members.validators import id_number_birth_date, validate_id_number, validate_mobile

MEMBERS = 150
SEED = 7

EXPECTED_LOGINS = {
    "district": (Role.DISTRICT_STAFF, "芦淞区妇联"),
    "cluster": (Role.CLUSTER_STAFF, "芦淞市场群妇联"),
    "chair_shaoxing": (Role.MARKET_CHAIR, "邵兴城市场妇联"),
    "chair_tianze": (Role.MARKET_CHAIR, "天泽华丽市场妇联"),
    "home_manager": (Role.HOME_MANAGER, "邵兴城市场妇女之家"),
    "counsellor": (Role.COUNSELLOR, "芦淞市场群妇联"),
    "viewer": (Role.VIEWER, "芦淞区妇联"),
}


def seed_demo(members: int = MEMBERS) -> str:
    out = io.StringIO()
    call_command("seed_demo", members=members, seed=SEED, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    # The command hashes eight passwords; the default hasher would make this test slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return seed_demo()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_builds_the_district_of_the_article(seeded):
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert kinds[OrganizationKind.CITY_FEDERATION] == 1
    assert kinds[OrganizationKind.DISTRICT_FEDERATION] == 1
    assert kinds[OrganizationKind.MARKET_CLUSTER_FEDERATION] == 1
    assert kinds[OrganizationKind.MARKET_FEDERATION] == 38
    assert kinds[OrganizationKind.WOMENS_HOME] == 26
    assert kinds[OrganizationKind.MICRO_HOME] == 12
    assert kinds[OrganizationKind.SECTOR_ORGANIZATION] == 42
    cluster = Organization.objects.get(name="芦淞市场群妇联")
    assert cluster.parent.name == "芦淞区妇联" and cluster.established_on.year == 2019
    markets = Market.objects.select_related("federation")
    assert markets.count() == 38
    assert {"邵兴城市场", "大汉悦中心", "天泽华丽"} <= {market.name for market in markets}
    for market in markets:
        assert market.cluster_id == cluster.pk
        assert market.federation.kind == OrganizationKind.MARKET_FEDERATION
        assert market.federation.parent_id == cluster.pk
    sectors = Organization.objects.filter(kind=OrganizationKind.SECTOR_ORGANIZATION)
    assert not sectors.filter(sector_category="").exists()
    assert not sectors.filter(industry="").exists()
    expected = sum(CoverageTarget.objects.values_list("expected_count", flat=True))
    assert 42 <= expected <= 50
    assert Member.objects.count() == MEMBERS
    assert Shop.objects.exists()
    assert "chair_shaoxing" in seeded and "lusong2026" in seeded


def test_mobiles_and_id_numbers_are_valid_unique_and_match_the_birth_date(seeded):
    members = list(Member.objects.all())
    mobiles = [member.mobile for member in members]
    assert len(set(mobiles)) == len(mobiles)
    for mobile in mobiles:
        validate_mobile(mobile)
    with_id = [member for member in members if member.id_number]
    assert len(with_id) >= len(members) // 2
    assert len({member.id_number for member in with_id}) == len(with_id)
    for member in with_id:
        validate_id_number(member.id_number)
        assert member.birth_date == id_number_birth_date(member.id_number)
        assert int(member.id_number[16]) % 2 == 0  # female
        assert member.sex == "female"
    assert all(member.name_pinyin and member.name_initials for member in members)


def test_current_members_belong_to_one_market_and_leavers_to_none(seeded):
    current_markets = Counter(
        Membership.objects.current()
        .filter(scope=MembershipScope.MARKET)
        .values_list("member_id", flat=True)
    )
    assert max(current_markets.values()) == 1
    in_sector = set(
        Membership.objects.current()
        .filter(scope=MembershipScope.SECTOR)
        .values_list("member_id", flat=True)
    )
    for member in Member.objects.current():
        assert member.pk in current_markets or member.pk in in_sector, member.name
    left = Member.objects.filter(status=MemberStatus.LEFT)
    for member in left:
        assert member.left_on >= member.joined_on and member.left_reason
        assert not member.memberships.current().exists()
        assert member.memberships.filter(ends_on=member.left_on).exists()
    for membership in Membership.objects.exclude(ends_on=None):
        assert membership.ends_on >= membership.starts_on


def test_zhao_dan_is_a_current_vice_chair_of_shaoxing(seeded):
    zhao = Member.objects.get(name="赵丹")
    shaoxing = Organization.objects.get(name="邵兴城市场妇联")
    office = Office.objects.current().get(member=zhao)
    assert office.organization == shaoxing and office.position == Position.VICE_CHAIR
    assert (office.starts_on.year, office.starts_on.month) == (2026, 3)
    assert zhao.honors.filter(kind="red_merchant").exists()
    assert zhao.tags.filter(name="红商户").exists()
    assert zhao.memberships.current().get(scope=MembershipScope.MARKET).organization == shaoxing
    assert zhao.shop.market.name == "邵兴城市场"
    chair = Office.objects.current().get(organization=shaoxing, position=Position.CHAIR)
    assert chair.member.name == "刘意"
    cluster_chair = Office.objects.current().get(
        organization__name="芦淞市场群妇联", position=Position.CHAIR
    )
    assert cluster_chair.member.name == "文再云"


def test_running_it_again_changes_nothing(seeded):
    before = row_counts()
    output = seed_demo()
    assert row_counts() == before
    assert "added: nothing" in output


def test_a_larger_count_adds_only_the_difference(seeded):
    first = {member.mobile: member.name for member in Member.objects.all()}
    seed_demo(members=MEMBERS + 30)
    after = {member.mobile: member.name for member in Member.objects.all()}
    assert len(after) == MEMBERS + 30
    assert first.items() <= after.items()


def test_another_seed_adds_other_people_but_no_more_officers_than_seats(seeded):
    call_command("seed_demo", members=MEMBERS, seed=SEED + 1, stdout=io.StringIO())
    # Only the article's three women are the same person under every seed.
    assert Member.objects.count() == 2 * MEMBERS - 3
    seats = plan.term_seats(plan.plan_district())
    held = Counter(Office.objects.values_list("organization__name", "term__number", "position"))
    assert held and all(count <= seats[key] for key, count in held.items())
    sitting_chairs = Counter(
        Office.objects.current().filter(position=Position.CHAIR).values_list("term", flat=True)
    )
    assert set(sitting_chairs.values()) == {1}


def log_in(username: str):
    # Through the configured backends, as the login page does (a login throttle needs a request).
    request = RequestFactory().post("/login/")
    return authenticate(request, username=username, password="lusong2026")


def test_each_demo_login_exists_once_with_its_role_and_the_demo_password(seeded):
    users = get_user_model().objects
    users.filter(username="district").update(password="!")  # changed since the last seeding
    seed_demo()  # a second run must not duplicate the logins, and resets their passwords
    for username, (role, organization) in EXPECTED_LOGINS.items():
        user = users.get(username=username)
        grants = RoleGrant.objects.filter(user=user)
        assert [(g.role, g.organization.name) for g in grants] == [(role, organization)]
        assert log_in(username) == user
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert log_in("admin") == admin
    assert users.filter(username__in=[*EXPECTED_LOGINS, "admin"]).count() == 8
