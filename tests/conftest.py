"""Personas and the service switches shared by every test.

Tests that need PostgreSQL, Redis or Chromium call ``require_service``: on a laptop without
them the test is skipped; with REQUIRE_SERVICES=1 (CI) a missing service fails the test.
"""

import datetime
import os
import shutil
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from federation.models import Organization, OrganizationKind, Role
from markets.models import Market
from members.models import Member
from tests.factories import (
    MarketFactory,
    MemberFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleGrantFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery"

# The day the tests live in. Ages, "this year", terms and date limits are computed against
# it, so a test that uses `today` passes in 2031 as it does now.
TODAY = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def require_service(name: str, available: bool, how: str) -> None:
    if available:
        return
    message = f"{name} is not available: {how}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
    pytest.skip(message)


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture
def today(time_machine) -> datetime.date:
    """Pin the clock to TODAY (it keeps ticking from there)."""
    time_machine.move_to(TODAY, tick=True)
    return TODAY.date()


@pytest.fixture
def postgres():
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")


@dataclass
class District:
    city: Organization
    district: Organization
    cluster: Organization
    market_a: Market
    market_b: Market
    home_a: Organization
    sector: Organization
    member_a: Member
    member_b: Member


@pytest.fixture
def district(db) -> District:
    """A small 芦淞: two markets (邵兴城 = A, 天泽华丽 = B), a home in A, a sector organization."""
    city = OrganizationFactory(name="株洲市妇联", kind=OrganizationKind.CITY_FEDERATION)
    district = OrganizationFactory(
        name="芦淞区妇联", kind=OrganizationKind.DISTRICT_FEDERATION, parent=city
    )
    cluster = OrganizationFactory(
        name="芦淞市场群妇联", kind=OrganizationKind.MARKET_CLUSTER_FEDERATION, parent=district
    )
    market_a = MarketFactory(name="邵兴城市场", cluster=cluster)
    market_b = MarketFactory(name="天泽华丽", cluster=cluster)
    home_a = OrganizationFactory(
        name="邵兴城妇女之家", kind=OrganizationKind.WOMENS_HOME, parent=market_a.federation
    )
    sector = OrganizationFactory(
        name="快递物流妇女小组",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=cluster,
        sector_category="new_employment",
        industry="express_logistics",
    )
    member_a = MemberFactory(name="赵丹")
    MembershipFactory(member=member_a, organization=market_a.federation)
    MembershipFactory(member=member_a, organization=home_a)
    member_b = MemberFactory(name="李芳")
    MembershipFactory(
        member=member_b, organization=market_b.federation, starts_on=datetime.date(2020, 3, 1)
    )
    return District(city, district, cluster, market_a, market_b, home_a, sector, member_a, member_b)


def _persona(username: str, role: str, organization: Organization) -> AbstractBaseUser:
    user = UserFactory(username=username)
    RoleGrantFactory(user=user, role=role, organization=organization)
    return user


@pytest.fixture
def district_staff(district):
    return _persona("district_staff", Role.DISTRICT_STAFF, district.district)


@pytest.fixture
def chair_a(district):
    return _persona("chair_a", Role.MARKET_CHAIR, district.market_a.federation)


@pytest.fixture
def chair_b(district):
    return _persona("chair_b", Role.MARKET_CHAIR, district.market_b.federation)


@pytest.fixture
def viewer(district):
    return _persona("viewer", Role.VIEWER, district.district)


@pytest.fixture
def counsellor(district):
    return _persona("counsellor", Role.COUNSELLOR, district.cluster)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production hashes with PBKDF2 (slow on purpose); tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no look-ups counted (the counters live in the shared cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
