"""The statistics page, the workbook exports, the year-end close, as each persona."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from audit.models import AccessEvent
from federation.models import OrganizationKind
from members import services as member_services
from reports import sections, services
from reports.models import ExportStatus, FrozenReport, WorkbookExport
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

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


def test_every_linked_figure_lists_exactly_its_members(district, district_staff, today):
    moved = MemberFactory(name="王芳")
    MembershipFactory(
        member=moved,
        organization=district.market_a.federation,
        starts_on=datetime.date(2020, 1, 1),
    )
    member_services.member_mark_left(
        member=moved, left_on=datetime.date(2026, 5, 1), reason="", by=district_staff
    )
    client = _client(district_staff)
    checked = 0
    for year in (2025, 2026):
        for section in sections.report(district.district, year):
            for row in section.rows:
                if not row.link:
                    continue
                url = urlsplit(row.link)
                listed = client.get(url.path, parse_qs(url.query))
                assert listed.status_code == 200, row.link
                count = listed.context["page"].paginator.count
                assert count == row.values[0], (year, section.key, row.label, row.link)
                checked += 1
    assert checked > 20


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
