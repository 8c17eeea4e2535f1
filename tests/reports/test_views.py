"""The statistics page, the workbook exports, the year-end close, as each persona."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from audit.models import AccessEvent
from federation.models import CoverageTarget, OrganizationKind, Position
from members import services as member_services
from reports import sections, services
from reports.models import ExportStatus, FrozenReport, WorkbookExport
from tests.factories import (
    MemberFactory,
    MembershipFactory,
    OfficeFactory,
    OrganizationFactory,
    TermFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_and_fragment(district, district_staff, today):
    client = _client(district_staff)
    page = client.get("/statistics/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and 'id="statistics-charts"' in body
    assert "echarts.common.min.js" in body and "cdn" not in body.lower()
    assert page.context["organization"] == district.district
    fragment = client.get(
        "/statistics/", {"organization": district.cluster.pk, "year": 2025}, **HTMX
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert fragment.context["organization"] == district.cluster
    assert fragment.context["year"] == 2025


def test_chair_sees_her_market_only(district, chair_a, today):
    client = _client(chair_a)
    page = client.get("/statistics/")
    assert page.context["organization"] == district.market_a.federation
    choices = [pk for pk, _name in page.context["picker"].fields["organization"].choices]
    assert district.market_b.federation.pk not in choices
    assert district.district.pk not in choices
    other = district.market_b.federation.pk
    assert client.get("/statistics/", {"organization": other}).status_code == 404
    assert client.get(f"/statistics/{other}/").status_code == 404
    assert AccessEvent.objects.filter(kind="permission_denied", user=chair_a).exists()


def test_counsellor_has_no_statistics(counsellor):
    assert _client(counsellor).get("/statistics/").status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"organization": "²"},
        {"organization": "1\x00"},
        {"organization": "9" * 10_000},
        {"year": "²"},
        {"year": "\x00"},
        {"year": "1" * 10_000},
        {"organization": "-1", "year": "-5"},
    ],
)
def test_hostile_input_never_500(district_staff, params, today):
    client = _client(district_staff)
    assert client.get("/statistics/", params).status_code in {200, 400, 404}
    org = district_staff.role_grants.get().organization_id
    assert client.get(f"/statistics/{org}/", params).status_code in {200, 400, 404}
    assert client.post(f"/statistics/{org}/export/", params).status_code in {200, 302, 400}


def _officers(district):
    """Executive committees on both sides of the years the test reads: a chair of market A
    (born 1990), an executive of its home (no birth date, education not recorded), a
    vice-chair of market B who stepped down in mid-2026, and a district executive whose
    term began in 2026."""
    market_a, market_b = district.market_a.federation, district.market_b.federation
    term_a = TermFactory(organization=market_a, starts_on=datetime.date(2022, 3, 1))
    term_b = TermFactory(organization=market_b, starts_on=datetime.date(2021, 5, 1))
    term_home = TermFactory(organization=district.home_a, starts_on=datetime.date(2023, 1, 1))
    term_district = TermFactory(organization=district.district, starts_on=datetime.date(2026, 2, 1))
    district.member_a.birth_date = datetime.date(1990, 4, 2)
    district.member_a.education = "bachelor"
    district.member_a.save()
    OfficeFactory(
        term=term_a, organization=market_a, member=district.member_a, position=Position.CHAIR
    )
    home_executive = MemberFactory(name="周敏", birth_date=None, education="")
    MembershipFactory(member=home_executive, organization=district.home_a)
    MembershipFactory(member=home_executive, organization=market_a)
    OfficeFactory(
        term=term_home,
        organization=district.home_a,
        member=home_executive,
        position=Position.EXECUTIVE,
    )
    OfficeFactory(
        term=term_b,
        organization=market_b,
        member=district.member_b,
        position=Position.VICE_CHAIR,
        ends_on=datetime.date(2026, 7, 1),
    )
    staff_member = MemberFactory(name="刘洋", birth_date=datetime.date(1968, 9, 9))
    MembershipFactory(member=staff_member, organization=market_b)
    OfficeFactory(
        term=term_district,
        organization=district.district,
        member=staff_member,
        position=Position.EXECUTIVE,
    )


def _organizations(district):
    """Service sites and new-sector organizations on both sides of the years the test reads:
    rated before, in and after 2025, established and dissolved in between, one directly
    under the cluster; and members who are in no market, no home, or whose occupation and
    political status are not recorded."""
    market_a, market_b = district.market_a.federation, district.market_b.federation
    OrganizationFactory(
        name="天泽微家",
        kind=OrganizationKind.MICRO_HOME,
        parent=market_b,
        site_rating="five_star",
        site_rating_year=2025,
        established_on=datetime.date(2024, 3, 1),
    )
    OrganizationFactory(
        name="市场群妇女之家",
        kind=OrganizationKind.WOMENS_HOME,
        parent=district.cluster,
        site_rating="city_model",
        site_rating_year=2026,
        established_on=datetime.date(2025, 6, 1),
    )
    OrganizationFactory(
        name="邵兴城二号妇女之家",
        kind=OrganizationKind.WOMENS_HOME,
        parent=market_a,
        site_rating="four_star",
        site_rating_year=2023,
        dissolved_on=datetime.date(2026, 3, 1),
    )
    OrganizationFactory(
        name="家政物业妇女联合会",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.cluster,
        sector_category="new_economic",
        establishment_method="single",
        established_on=datetime.date(2024, 5, 1),
    )
    OrganizationFactory(
        name="外卖送餐妇女小组",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.district,
        sector_category="new_employment",
        establishment_method="industry",
        established_on=datetime.date(2026, 2, 1),
    )
    OrganizationFactory(
        name="社工妇女小组",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.cluster,
        sector_category="new_social",
        established_on=None,
    )
    OrganizationFactory(
        name="直播电商妇女小组",
        kind=OrganizationKind.SECTOR_ORGANIZATION,
        parent=district.cluster,
        sector_category="new_social",
        establishment_method="regional",
        established_on=datetime.date(2023, 1, 1),
        dissolved_on=datetime.date(2026, 6, 1),
    )
    CoverageTarget.objects.create(
        organization=district.cluster, sector_category="new_social", year=2026, expected_count=3
    )
    sector_only = MemberFactory(name="周静", occupation="", political_status="")
    MembershipFactory(member=sector_only, organization=district.sector)
    unrecorded = MemberFactory(name="吴丽", occupation="")
    MembershipFactory(member=unrecorded, organization=market_a)


ORGANIZATION_SECTIONS = {
    "sites_by_market",
    "sites_by_rating",
    "organizations_by_kind",
    "coverage_by_category",
    "sector_by_method",
}


def test_every_linked_figure_lists_exactly_its_members(district, district_staff, today):
    _organizations(district)
    moved = MemberFactory(name="王芳")
    MembershipFactory(
        member=moved,
        organization=district.market_a.federation,
        starts_on=datetime.date(2020, 1, 1),
    )
    member_services.member_mark_left(
        member=moved, left_on=datetime.date(2026, 5, 1), reason="", by=district_staff
    )
    _officers(district)
    client = _client(district_staff)
    checked, nonzero, rest_rows = 0, set(), set()
    for organization in (district.district, district.market_a.federation):
        for year in (2025, 2026):
            for section in sections.report(organization, year):
                for row in section.rows:
                    for column, value in enumerate(row.values):
                        link = row.link_of(column)
                        if not link:
                            continue
                        url = urlsplit(link)
                        # Organization figures list organizations, member figures members.
                        expected_path = (
                            "/organizations/list/"
                            if section.key in ORGANIZATION_SECTIONS
                            else "/members/"
                        )
                        assert url.path == expected_path, (section.key, link)
                        listed = client.get(url.path, parse_qs(url.query))
                        assert listed.status_code == 200, link
                        count = listed.context["page"].paginator.count
                        assert count == value, (year, section.key, row.label, column, link)
                        checked += 1
                        if value:
                            nonzero.add(section.key)
                            if not row.key:
                                rest_rows.add((section.key, row.label))
    assert checked > 200
    # Every organization figure was followed, with organizations in it.
    assert ORGANIZATION_SECTIONS <= nonzero
    # The rows of what remains link too, and had members in them.
    assert {
        ("members_by_market", "不属于任何市场"),
        ("members_by_home", "未加入妇女之家/微家"),
        ("members_by_occupation", "其他"),
        ("members_by_political_status", "其他"),
    } <= rest_rows, rest_rows
    # The officer figures were among those followed, with people in them.
    assert {
        "officers_by_level",
        "officers_by_age_band",
        "officers_by_education",
        "officers_by_political_status",
        "officers_by_occupation",
    } <= nonzero
    summary = {s.key: s for s in sections.report(district.district, 2026)}["summary"]
    assert summary.value("officers") == 3  # chair A, home executive, district executive
    assert summary.value("officers", 1) == 3  # 2025: chair A, home executive, vice-chair B


def test_the_page_links_every_officer_cell(district, district_staff, today):
    _officers(district)
    page = _client(district_staff).get("/statistics/", {"organization": district.district.pk})
    by_level = {s["key"]: s for s in page.context["sections"]}["officers_by_level"]
    market = next(row for row in by_level["rows"] if row["label"] == "市场")
    assert [bool(link) for _cell, link in market["linked"]] == [True, True, True, True]
    assert "office_level=market" in market["linked"][0][1]
    assert "position=chair" in market["linked"][0][1]
    assert f'href="{market["linked"][0][1].replace("&", "&amp;")}"' in page.content.decode()


def _sheet_rows(book, name):
    return list(book[name].iter_rows(values_only=True))


def test_workbook_export_end_to_end(district, district_staff, today):
    client = _client(district_staff)
    org = district.district
    response = client.post(f"/statistics/{org.pk}/export/", {"year": "2026"}, **HTMX)
    assert response.status_code == 200
    export = WorkbookExport.objects.get()
    assert export.requested_by == district_staff and export.status == ExportStatus.WAITING
    recorded = AccessEvent.objects.filter(kind="export", user=district_staff).get()
    assert recorded.detail["year"] == 2026 and recorded.object_id == str(org.pk)

    services.workbook_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.progress == 100
    listing = client.get(f"/statistics/{org.pk}/exports/", **HTMX).content.decode()
    assert f"/statistics/{org.pk}/exports/{export.pk}/" in listing
    download = client.get(f"/statistics/{org.pk}/exports/{export.pk}/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert AccessEvent.objects.filter(kind="export", user=district_staff).count() == 2

    book = load_workbook(io.BytesIO(download.content), read_only=True)
    assert book.sheetnames[0] == "概览"
    assert "按市场统计会员" in book.sheetnames
    summary = _sheet_rows(book, "概览")
    assert summary[0][0] == "芦淞区妇联 2026年度统计"
    assert "芦淞区妇联" in summary[1][0] and "2026-11-30" in summary[1][0]
    members = next(row for row in summary if row[0] == "会员")[1]
    assert members == sections.members_summary(org, 2026).value("members")
    for name in ("按市场统计会员", "按年龄统计会员", "按学历统计会员"):
        rows = _sheet_rows(book, name)
        assert rows[3][:2] == ("项目", "会员")
        body = rows[4:]
        total_row = next(row for row in body if row[0] == "合计")
        figures = [row[1] for row in body[: body.index(total_row)]]
        assert sum(figures) == total_row[1] == members, name


def test_workbook_text_is_never_a_formula(district, today, tmp_path):
    OrganizationFactory(
        name='=HYPERLINK("http://evil.example","点我")',
        kind=OrganizationKind.MARKET_FEDERATION,
        parent=district.cluster,
    )
    out = tmp_path / "stats.xlsx"
    call_command("export_stats", str(out), year=2026, org=str(district.district.pk))
    book = load_workbook(out)  # not read-only: the cells' data types
    sheet = book["按市场统计会员"]
    cell = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYP"))
    assert cell.data_type == "s"
    assert AccessEvent.objects.filter(kind="export", username="manage.py export_stats").exists()


def test_export_stats_refuses_bad_arguments(district, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export_stats", str(tmp_path / "x.xlsx"), year=1800)
    with pytest.raises(CommandError):
        call_command("export_stats", str(tmp_path / "x.xlsx"), year=2026, org="没有这个组织")
    with pytest.raises(CommandError):
        call_command("export_stats", str(tmp_path / "x.csv"), year=2025)
    assert not list(tmp_path.iterdir())


def test_chair_cannot_download_another_markets_workbook(district, chair_a, chair_b, today):
    export = services.workbook_export_request(
        organization=district.market_b.federation, year=2026, by=chair_b
    )
    services.workbook_export_build(export_id=export.pk)
    b = district.market_b.federation.pk
    assert _client(chair_a).get(f"/statistics/{b}/exports/{export.pk}/").status_code == 404
    a = district.market_a.federation.pk
    assert _client(chair_a).get(f"/statistics/{a}/exports/{export.pk}/").status_code == 404
    assert _client(chair_b).get(f"/statistics/{b}/exports/{export.pk}/").status_code == 200


def test_year_end_close(district, district_staff, chair_a, today):
    a = district.market_a.federation
    org = district.district
    staff = _client(district_staff)
    close = staff.get(f"/statistics/{org.pk}/close/", {"year": 2026})
    assert [row["confirmation"] for row in close.context["rows"]] == [None, None]

    chair = _client(chair_a)
    assert chair.post(f"/statistics/{a.pk}/confirm/", {"year": "2026"}).status_code == 302
    close = staff.get(f"/statistics/{org.pk}/close/", {"year": 2026})
    confirmed = {row["market"].pk: row["confirmation"] for row in close.context["rows"]}
    assert confirmed[a.pk] is not None and confirmed[district.market_b.federation.pk] is None
    # A chair may not freeze; staff may.
    assert chair.post(f"/statistics/{a.pk}/close/", {"year": "2026"}).status_code == 403
    assert staff.post(f"/statistics/{org.pk}/close/", {"year": "2026"}).status_code == 302
    frozen = FrozenReport.objects.get(organization=org, year=2026)
    frozen_members = next(s for s in frozen.sections if s["key"] == "summary")["rows"][0]

    # A correction after the freeze: 李芳 left in March.
    member_services.member_mark_left(
        member=district.member_b, left_on=datetime.date(2026, 3, 1), reason="", by=district_staff
    )
    frozen.refresh_from_db()
    assert next(s for s in frozen.sections if s["key"] == "summary")["rows"][0] == frozen_members
    page = staff.get("/statistics/", {"organization": org.pk, "year": 2026})
    differences = page.context["frozen_differences"]
    members_row = next(d for d in differences if d["section"] == "会员概况" and d["row"] == "会员")
    assert members_row["frozen"] == 2 and members_row["today"] == 1
    assert members_row["difference"] == -1
    # The workbook of a frozen year is the frozen report.
    export = services.workbook_export_request(organization=org, year=2026, by=district_staff)
    export = services.workbook_export_build(export_id=export.pk)
    with export.file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    assert next(r for r in _sheet_rows(book, "概览") if r[0] == "会员")[1] == 2
    # Confirming after the freeze is refused with a message, not an error page.
    response = chair.post(f"/statistics/{a.pk}/confirm/", {"year": "2025"}, follow=True)
    assert response.status_code == 200


def test_page_query_count_does_not_grow_with_markets_or_members(district, district_staff, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MarketFactory

    client = _client(district_staff)
    params = {"organization": district.district.pk, "year": 2026}

    def count() -> int:
        client.get("/statistics/", params)  # the session's first touch is not counted
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/statistics/", params, **HTMX).status_code == 200
        return len(captured)

    before = count()
    for n in range(4):
        market = MarketFactory(name=f"新市场{n}", cluster=district.cluster)
        for _i in range(5):
            MembershipFactory(member=MemberFactory(name="新会员"), organization=market.federation)
    assert count() == before


def test_a_chair_follows_her_market_organization_links_to_the_same_counts(district, chair_a, today):
    """The list a chair reaches from her market's statistics holds what the figure counts:
    her market's homes are hers to see."""
    _organizations(district)
    client = _client(chair_a)
    followed = 0
    for year in (2025, 2026):
        for section in sections.report(district.market_a.federation, year):
            if section.key not in ORGANIZATION_SECTIONS:
                continue
            for row in section.rows:
                for column, value in enumerate(row.values):
                    if link := row.link_of(column):
                        url = urlsplit(link)
                        listed = client.get(url.path, parse_qs(url.query))
                        assert listed.context["page"].paginator.count == value, link
                        followed += 1
    assert followed > 40
