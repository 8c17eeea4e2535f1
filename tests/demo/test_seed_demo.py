"""``manage.py seed_demo``: the demo district that developers, testers and the benchmark use.

Besides the district it builds, what it must never do: write with DEBUG off unless told to,
change a login it did not create, re-activate, promote or reset a login on a re-run, or
insert a demo member a second time because someone corrected her mobile.
"""

import io
from collections import Counter

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from accounts.models import AccountSecurity
from demo import plan
from demo.models import DemoObject
from federation.models import (
    CoverageTarget,
    MemberCount,
    Office,
    Organization,
    OrganizationKind,
    Position,
    Role,
    RoleGrant,
)
from markets.models import Market, Shop
from members.counts import counts_from_scratch
from members.models import Member, Membership, MembershipScope, MemberStatus
from members.validators import id_number_birth_date, validate_id_number, validate_mobile
from tests.factories import MemberFactory, OrganizationFactory, UserFactory

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


def seed_demo(members: int = MEMBERS, seed: int = SEED) -> str:
    # The tests run with DEBUG off, as production does: they have to say they mean it.
    out = io.StringIO()
    call_command(
        "seed_demo", members=members, seed=seed, write_demo_data_with_debug_off=True, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def fast_hasher(settings):
    # The command hashes eight passwords; the default hasher would make these tests slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db, fast_hasher):
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
    seed_demo(seed=SEED + 1)
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
    seed_demo()  # a second run must not duplicate the logins or their grants
    for username, (role, organization) in EXPECTED_LOGINS.items():
        user = users.get(username=username)
        grants = RoleGrant.objects.filter(user=user)
        assert [(g.role, g.organization.name) for g in grants] == [(role, organization)]
        assert log_in(username) == user
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert log_in("admin") == admin
    assert users.filter(username__in=[*EXPECTED_LOGINS, "admin"]).count() == 8


# --- With DEBUG off -------------------------------------------------------------------------


def test_refuses_with_debug_off_and_no_flag_and_writes_nothing(db, settings):
    settings.DEBUG = False
    before = row_counts()
    with pytest.raises(CommandError, match="looks like a production database"):
        call_command("seed_demo", members=MEMBERS, seed=SEED, stdout=io.StringIO())
    assert row_counts() == before


def test_runs_with_debug_off_when_given_the_flag(db, fast_hasher, settings):
    settings.DEBUG = False
    call_command(
        "seed_demo", "--members", "10", "--write-demo-data-with-debug-off", stdout=io.StringIO()
    )
    assert Member.objects.count() == 10
    assert DemoObject.objects.filter(key="login:admin").exists()


def test_runs_without_the_flag_when_debug_is_on(db, fast_hasher, settings):
    settings.DEBUG = True  # make run
    call_command("seed_demo", members=10, stdout=io.StringIO())
    assert Member.objects.count() == 10


# --- Logins ---------------------------------------------------------------------------------


def test_rerun_leaves_a_deactivated_demo_login_deactivated_with_its_own_password(seeded):
    district = get_user_model().objects.get(username="district")
    district.is_active = False
    district.set_password("her-own-password-now")
    district.save(update_fields=["is_active", "password"])
    output = seed_demo()
    district.refresh_from_db()
    assert not district.is_active
    assert district.check_password("her-own-password-now")
    assert "deactivated" in output


def test_rerun_does_not_make_a_demoted_admin_superuser_again(seeded):
    get_user_model().objects.filter(username="admin").update(is_superuser=False, is_staff=False)
    seed_demo()
    admin = get_user_model().objects.get(username="admin")
    assert not admin.is_superuser and not admin.is_staff


def test_rerun_keeps_lockouts_and_forced_password_changes_of_demo_logins(seeded):
    chair = get_user_model().objects.get(username="chair_shaoxing")
    AccountSecurity.objects.create(user=chair, must_change_password=True)
    AccessAttempt.objects.create(
        username="chair_shaoxing",
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    seed_demo()
    assert AccountSecurity.objects.get(user=chair).must_change_password
    assert AccessAttempt.objects.filter(username="chair_shaoxing").exists()


def login_state(user) -> tuple:
    user.refresh_from_db()
    return (user.password, user.is_active, user.is_staff, user.is_superuser, user.first_name)


def test_leaves_a_login_it_did_not_create_alone(db, fast_hasher):
    theirs = UserFactory(username="district", first_name="王芳", is_active=False)
    their_admin = UserFactory(username="admin")
    before = [login_state(theirs), login_state(their_admin)]
    output = seed_demo()
    output += seed_demo()
    assert [login_state(theirs), login_state(their_admin)] == before
    assert not RoleGrant.objects.filter(user__in=[theirs, their_admin]).exists()
    assert not DemoObject.objects.filter(
        object_id__in=[theirs.pk, their_admin.pk], model="auth.user"
    ).exists()
    assert "not created by seed_demo: left alone" in output
    assert log_in("cluster") is not None  # the other demo logins are there


def test_a_deleted_demo_login_whose_username_someone_took_is_left_alone(seeded):
    users = get_user_model().objects
    users.filter(username="viewer").delete()
    theirs = UserFactory(username="viewer")
    before = login_state(theirs)
    seed_demo()
    assert login_state(theirs) == before
    assert not RoleGrant.objects.filter(user=theirs).exists()


# --- Members and the tree -------------------------------------------------------------------


def test_rerun_after_a_demo_members_mobile_and_name_were_edited_inserts_no_second_copy(seeded):
    zhao = Member.objects.get(name="赵丹")
    Member.objects.filter(pk=zhao.pk).update(name="赵丹丹", mobile="13800000001")
    generated = DemoObject.objects.get(key=f"member:{SEED}:100").object_id
    Member.objects.filter(pk=generated).update(name="易改名", mobile="13800000002")
    before = row_counts()
    output = seed_demo()
    assert row_counts() == before
    assert Member.objects.count() == MEMBERS
    assert "added: nothing" in output
    assert not Member.objects.filter(mobile="15873301729").exists()  # 赵丹's planned mobile


def test_a_planned_member_whose_mobile_a_current_member_has_is_skipped(db, fast_hasher):
    theirs = MemberFactory(name="王芳", mobile="13907330516")  # 文再云's planned mobile
    output = seed_demo()
    theirs.refresh_from_db()
    assert theirs.name == "王芳"
    assert not Member.objects.filter(name="文再云").exists()
    assert Member.objects.count() == MEMBERS  # her, and all planned members but one
    assert "a current member has the mobile" in output


def test_refuses_to_write_into_an_organization_tree_it_did_not_create(db, fast_hasher):
    OrganizationFactory(name="株洲市妇联", kind=OrganizationKind.CITY_FEDERATION, parent=None)
    before = row_counts()
    with pytest.raises(CommandError, match="株洲市妇联 already exists and seed_demo did not"):
        seed_demo()
    assert row_counts() == before


def test_the_member_counts_of_a_seeded_district_are_exact(db):
    seed_demo()
    kept = dict(MemberCount.objects.values_list("organization_id", "members"))
    assert kept == counts_from_scratch()
    assert max(kept.values()) > 0
