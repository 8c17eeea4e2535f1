"""On the demo district: the page, the workbook and direct queries agree, and every
breakdown adds up to the total."""

import datetime
import io

import pytest
from django.db.models import Count
from django.test import Client
from openpyxl import load_workbook

from federation.models import Organization, OrganizationKind
from members.models import Member, Membership
from reports import sections
from reports.workbook import build_workbook
from tests.demo.test_seed_demo import seed_demo

pytestmark = pytest.mark.django_db

SUMMED = [
    "members_by_market",
    "members_by_occupation",
    "members_by_age_band",
    "members_by_political_status",
    "members_by_education",
    "officers_by_age_band",
    "officers_by_education",
    "officers_by_political_status",
    "officers_by_occupation",
]


@pytest.fixture
def demo(db, today):
    seed_demo(members=400, seed=7)
    return Organization.objects.get(kind=OrganizationKind.DISTRICT_FEDERATION)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_breakdowns_add_up_and_match_direct_queries(demo, year):
    report = {s.key: s for s in sections.report(demo, year)}
    day = sections.as_of(year)
    direct_total = Membership.objects.on(day).values("member").distinct().count()
    assert report["summary"].value("members") == direct_total
    for key in SUMMED:
        section = report[key]
        assert sum(row.values[0] for row in section.rows) == section.total[0], key
    for key in SUMMED[:5]:
        assert report[key].total[0] == direct_total, key
    # Members per market, straight from the memberships in force on the day.
    direct = dict(
        Membership.objects.on(day)
        .filter(organization__kind=OrganizationKind.MARKET_FEDERATION)
        .values_list("organization")
        .annotate(n=Count("member", distinct=True))
    )
    by_market = report["members_by_market"]
    for row in by_market.rows:
        if row.key:
            assert row.values[0] == direct.get(int(row.key), 0), row.label
    joined = Member.objects.filter(
        joined_on__year=year, memberships__in=Membership.objects.during_year(year)
    ).distinct()
    assert report["summary"].value("joined") == joined.count()
    by_month = report["members_joined_left"]
    assert by_month.total[0] == report["summary"].value("joined")
    assert by_month.total[1] == report["summary"].value("left")


def test_page_and_workbook_agree(demo, today):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="district"))
    page = client.get("/statistics/", {"organization": demo.pk, "year": 2026})
    assert page.status_code == 200
    shown = {s["key"]: s for s in page.context["sections"]}
    book = load_workbook(io.BytesIO(build_workbook(demo, 2026)), read_only=True)
    summary = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=5, values_only=True)}
    assert summary["会员"] == int(shown["summary"]["rows"][0]["cells"][0].replace(",", ""))
    market_sheet = list(book["按市场统计会员"].iter_rows(min_row=5, values_only=True))
    page_rows = [(r["label"], r["cells"][0]) for r in shown["members_by_market"]["rows"]]
    sheet_rows = [(label, f"{value:,}") for label, value in market_sheet[: len(page_rows)]]
    assert sheet_rows == page_rows
    assert sections.as_of(2026) == datetime.date(2026, 11, 30)
