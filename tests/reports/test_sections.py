"""The yearly report's counting: history-aware, each breakdown adds up, queries do not grow."""

import datetime
import itertools

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from federation.models import CoverageTarget, OrganizationKind, Position
from members import services
from members.models import (
    Education,
    HonorKind,
    Member,
    MembershipScope,
    Occupation,
    PoliticalStatus,
)
from reports import sections
from tests.factories import (
    MarketFactory,
    MemberFactory,
    MembershipFactory,
    OfficeFactory,
    OrganizationFactory,
    TermFactory,
)

MEMBER_BREAKDOWNS = [
    "members_by_market",
    "members_by_home",
    "members_by_occupation",
    "members_by_age_band",
    "members_by_political_status",
    "members_by_education",
]


def _by_key(report):
    return {section.key: section for section in report}


@pytest.fixture
def history(district, district_staff, chair_a, chair_b, today):
    """Members in every history shape: moved in June, left in 2025, joined this year, came
    back, erased; with officers, honors, sites, and a coverage target."""
    d = district
    market_a, market_b = d.market_a.federation, d.market_b.federation
    moved = MemberFactory(name="王芳", occupation=Occupation.STREAMER)
    MembershipFactory(member=moved, organization=market_a, starts_on=datetime.date(2021, 3, 1))
    transfer = services.transfer_request(
        member=moved,
        to_organization=market_b,
        effective_on=datetime.date(2026, 6, 15),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    left = MemberFactory(
        name="刘梅", birth_date=datetime.date(1960, 1, 1), education=Education.BACHELOR
    )
    MembershipFactory(member=left, organization=market_a, starts_on=datetime.date(2020, 1, 1))
    services.member_mark_left(
        member=left, left_on=datetime.date(2025, 9, 1), reason="", by=district_staff
    )
    new = MemberFactory(
        name="陈静",
        joined_on=datetime.date(2026, 4, 2),
        political_status=PoliticalStatus.CPC_MEMBER,
        birth_date=datetime.date(2000, 2, 29),
    )
    MembershipFactory(member=new, organization=market_b, starts_on=datetime.date(2026, 4, 2))
    sector_only = MemberFactory(name="周敏", occupation=Occupation.COURIER)
    MembershipFactory(member=sector_only, organization=d.sector)
    services.honor_award(
        member=d.member_a,
        kind=HonorKind.RED_MERCHANT,
        year=2026,
        awarded_by=d.district,
        by=district_staff,
    )
    term = TermFactory(organization=market_a, starts_on=datetime.date(2021, 3, 1))
    OfficeFactory(term=term, member=d.member_a, position=Position.CHAIR)
    OrganizationFactory(
        name="天泽微家",
        kind=OrganizationKind.MICRO_HOME,
        parent=market_b,
        site_rating="five_star",
        site_rating_year=2025,
    )
    CoverageTarget.objects.create(
        organization=d.cluster, sector_category="new_employment", year=2026, expected_count=4
    )
    return {"moved": moved, "left": left, "new": new, "sector_only": sector_only}


def test_member_moved_mid_year_counts_once_in_her_new_market(district, history):
    report = _by_key(sections.report(district.district, 2026))
    by_market = report["members_by_market"]
    # member_b and 陈静 and 王芳 (moved in June) in B; member_a only in A.
    assert by_market.value(str(district.market_b.federation.pk)) == 3
    assert by_market.value(str(district.market_a.federation.pk)) == 1
    last_year = _by_key(sections.report(district.district, 2025))["members_by_market"]
    assert last_year.value(str(district.market_a.federation.pk)) == 2  # 赵丹, 王芳
    assert last_year.value(str(district.market_b.federation.pk)) == 1


def test_member_who_left_in_2025_counts_in_2024_not_in_2026(district, history):
    summary_2024 = sections.members_summary(district.district, 2024)
    summary_2026 = sections.members_summary(district.district, 2026)
    summary_2025 = sections.members_summary(district.district, 2025)
    # 2024: 赵丹, 李芳, 王芳, 刘梅, 周敏.
    assert summary_2024.value("members") == 5
    assert summary_2025.value("members") == 4
    assert summary_2025.value("left") == 1
    # 2026: 赵丹, 李芳, 王芳, 陈静, 周敏.
    assert summary_2026.value("members") == 5
    assert summary_2026.value("members", 1) == 4
    assert summary_2026.value("members", 2) == 1
    assert summary_2026.value("joined") == 1
    # Against the previous year: 刘梅 left in 2025, nobody in 2026.
    assert summary_2026.value("left", 1) == 1
    assert summary_2026.value("left", 2) == -1


def test_every_member_breakdown_adds_up_to_the_summary(district, history):
    for year in (2024, 2025, 2026):
        report = _by_key(sections.report(district.district, year))
        total = report["summary"].value("members")
        for key in MEMBER_BREAKDOWNS:
            section = report[key]
            assert sum(row.values[0] for row in section.rows) == total, (year, key)
            assert section.total == [total], (year, key)


def test_a_market_sees_only_its_own_members(district, history):
    report = _by_key(sections.report(district.market_a.federation, 2026))
    assert report["summary"].value("members") == 1
    markets = [row.key for row in report["members_by_market"].rows if row.key]
    assert markets == [str(district.market_a.federation.pk)]


def test_age_is_counted_on_the_as_of_day(district, history):
    # 刘梅, born 1 January 1960, was 64 on 31 December 2024; 陈静 (born 29 Feb 2000) was 26
    # on the pinned today (30 November 2026).
    bands_2024 = _by_key(sections.report(district.district, 2024))["members_by_age_band"]
    assert bands_2024.value("60plus") == 1
    bands_2026 = sections.members_by_age_band(district.district, 2026)
    assert bands_2026.value("under30") == 1


@pytest.mark.parametrize("bands", [sections.MEMBER_AGE_BANDS, sections.OFFICER_AGE_BANDS])
def test_age_bands_follow_each_other_from_the_youngest(bands):
    # The report's band expression tests only each band's older bound (sections._band).
    assert bands[0][1] is None and bands[-1][2] is None
    for (_key, _youngest, oldest), (_next, next_youngest, _oldest) in itertools.pairwise(bands):
        assert next_youngest == oldest


def test_a_birthday_on_the_as_of_day_counts_in_the_older_band(district, today):
    # Pinned today: 30 November 2026. Thirty today, thirty tomorrow, forty today.
    market = MarketFactory(name="生日市场", cluster=district.cluster).federation
    for name, born in [
        ("甲", datetime.date(1996, 11, 30)),
        ("乙", datetime.date(1996, 12, 1)),
        ("丙", datetime.date(1986, 11, 30)),
        ("丁", None),
    ]:
        # No ID number: the birth date would be read from it.
        member = MemberFactory(name=name, birth_date=born, id_number="")
        MembershipFactory(member=member, organization=market, starts_on=datetime.date(2026, 1, 1))
    bands = sections.members_by_age_band(market, 2026)
    assert [bands.value(key) for key in ("under30", "30s", "40s", "")] == [1, 1, 1, 1]


def _from_the_history(organization, day):
    return sections._profile(sections.members_on(organization, day), day, sections.MEMBER_AGE_BANDS)


def _places_from_the_history(organization, day):
    in_force = sections.members_on(organization, day).order_by()
    return {
        key: dict(
            sections.memberships_on(organization, day)
            .filter(scope=scope)
            .values_list("organization")
            .annotate(n=Count("*"))
        )
        for key, scope in [("market", MembershipScope.MARKET), ("home", MembershipScope.HOME)]
    } | {"total": in_force.count()}


def _places(organization):
    by_market = sections.members_by_market(organization, 2026)
    by_home = sections.members_by_home(organization, 2026)
    return {
        "market": {int(r.key): r.values[0] for r in by_market.rows if r.key and r.values[0]},
        "home": {int(r.key): r.values[0] for r in by_home.rows if r.key and r.values[0]},
        "total": by_market.total[0],
    }


def _today_agrees_with_the_history(district):
    """This year's members of the federations above the markets, read from the member table
    (status and reach), are the history's members in force today, breakdown by breakdown;
    every organization's members per market and home, read from the open memberships, too."""
    day = sections.as_of(2026)
    for organization in (district.city, district.district, district.cluster):
        assert sections.counted_today(organization, day) is not None  # the member table answers
        expected = _from_the_history(organization, day)
        assert sections.member_profile(organization, 2026) == expected, organization.name
    for organization in (district.district, district.market_a.federation, district.home_a):
        assert sections.open_means_in_force(organization, day)
        assert _places(organization) == _places_from_the_history(organization, day)
    return sections.member_profile(district.district, 2026)


def test_todays_figures_from_the_member_table_agree_with_the_history(
    district, history, district_staff, chair_a, chair_b, today
):
    d = district
    # Moved in June, left in 2025, joined this year, in a sector organization only.
    assert _today_agrees_with_the_history(d)["total"][""] == 5
    # Moved today: counts once, in her new market.
    transfer = services.transfer_request(
        member=d.member_b,
        to_organization=d.market_a.federation,
        effective_on=today,
        reason="",
        by=chair_b,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_a)
    _today_agrees_with_the_history(d)
    # Put into a home of another market than her own.
    services.members_assign_home(
        members=Member.objects.filter(pk=history["new"].pk),
        home=d.home_a,
        starts_on=today,
        by=district_staff,
    )
    _today_agrees_with_the_history(d)
    # Left today: no longer counted today.
    services.member_mark_left(
        member=history["sector_only"], left_on=today, reason="", by=district_staff
    )
    assert _today_agrees_with_the_history(d)["total"][""] == 4
    # Came back (left in 2025), in another market than the one she left.
    services.member_restore(
        member=history["left"],
        market=d.market_b.federation,
        restored_on=today,
        by=district_staff,
    )
    assert _today_agrees_with_the_history(d)["total"][""] == 5
    # Erased at her request: she leaves today, her row stays for past years.
    services.member_erase(member=history["moved"], by=district_staff)
    assert _today_agrees_with_the_history(d)["total"][""] == 4
    # The whole year's report agrees with itself: every breakdown adds up to the summary.
    report = _by_key(sections.report(d.district, 2026))
    total = report["summary"].value("members")
    for key in MEMBER_BREAKDOWNS:
        assert sum(row.values[0] for row in report[key].rows) == total, key


def test_a_move_dated_ahead_leaves_todays_figures_to_the_history(
    district, history, district_staff, chair_a, chair_b, today
):
    d = district
    # She comes back in ten days: current already, and her reach names market B.
    services.member_restore(
        member=history["left"],
        market=d.market_b.federation,
        restored_on=today + datetime.timedelta(days=10),
        by=district_staff,
    )
    transfer = services.transfer_request(
        member=d.member_a,
        to_organization=d.market_b.federation,
        effective_on=today + datetime.timedelta(days=10),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    day = sections.as_of(2026)
    # 赵丹's reach already names market B; the history has her in A until the move.
    assert sections.counted_today(d.district, day) is None
    assert not sections.open_means_in_force(d.district, day)
    assert _places(d.district) == _places_from_the_history(d.district, day)
    assert sections.member_profile(d.district, 2026) == _from_the_history(d.district, day)
    assert sections.member_profile(d.district, 2026)["total"][""] == 5  # not yet 刘梅
    by_market = sections.members_by_market(d.district, 2026)
    assert by_market.value(str(d.market_a.federation.pk)) == 1
    assert sum(row.values[0] for row in by_market.rows) == by_market.total[0]


def test_past_years_and_markets_are_counted_from_the_history(district, history):
    assert sections.counted_today(district.district, datetime.date(2025, 12, 31)) is None
    assert sections.counted_today(district.market_a.federation, sections.as_of(2026)) is None


def test_officers_sites_and_coverage(district, history):
    report = _by_key(sections.report(district.district, 2026))
    assert report["officers_by_level"].value("market", 0) == 1  # one market chair
    assert report["summary"].value("officers") == 1
    assert report["sites_by_rating"].value("five_star", 1) == 1
    assert report["sites_by_market"].total == [1, 1, 2]
    coverage = report["coverage_by_category"]
    assert coverage.value("new_employment", 0) == 1
    assert coverage.value("new_employment", 1) == 4
    assert coverage.value("new_employment", 2) == 0.25
    assert report["elections"].value("market", 1) == 1  # begun 2021: due in 2026
    assert report["honors_by_kind"].value(HonorKind.RED_MERCHANT) == 1


def test_work_record_sections_come_from_the_installed_work_apps(district):
    keys = {section.key for section in sections.report(district.district, 2026)}
    assert {"activities", "deeds", "jobs", "donations", "counselling"} <= keys
    assert "summary" in keys


def test_query_count_does_not_grow_with_markets_or_members(district, history, today):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            sections.report(district.district, 2026)
        return len(queries)

    before = count_queries()
    for n in range(3):
        market = MarketFactory(name=f"新市场{n}", cluster=district.cluster)
        home = OrganizationFactory(
            name=f"新之家{n}", kind=OrganizationKind.WOMENS_HOME, parent=market.federation
        )
        for _i in range(3):
            member = MemberFactory(name="新会员")
            MembershipFactory(member=member, organization=market.federation)
            MembershipFactory(member=member, organization=home)
    assert count_queries() == before
