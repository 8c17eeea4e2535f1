"""Exports read back as Excel and WPS would: text stays text, no formulas, masks per role."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from audit.models import AccessEvent, AccessKind
from tests.factories import MemberFactory, MembershipFactory


def export(client, user, **data):
    client.force_login(user)
    return client.post("/rosters/export/", {"file_format": "xlsx", **data})


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.active, [list(r) for r in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def hostile(district):
    member = MemberFactory(name="=HYPERLINK(1)", notes="+cmd|' /C calc'!A0", ethnicity="@SUM(1)")
    MembershipFactory(member=member, organization=district.market_a.federation)
    return member


def test_xlsx_headers_text_and_dates(client, district, district_staff, hostile):
    response = export(client, district_staff, query="status=current")
    assert response.status_code == 200
    sheet, rows = sheet_rows(response)
    assert rows[0][:3] == ["姓名", "性别", "手机号"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref
    by_name = {r[0]: r for r in rows[1:]}
    zhao = by_name["赵丹"]
    assert zhao[2] == district.member_a.mobile  # a string, not 1.38E+10
    assert isinstance(zhao[3], datetime.datetime)  # birth date as a date
    assert "身份证号" not in rows[0]
    # No formula anywhere: the hostile values are string cells, as typed.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert "=HYPERLINK(1)" in by_name


def test_every_export_is_recorded(client, district, district_staff):
    export(client, district_staff, query="occupation=shop_owner")
    event = AccessEvent.objects.get(kind=AccessKind.EXPORT)
    assert event.row_count == 2
    assert event.detail["filter"]["occupation"] == "shop_owner"
    assert event.username == "district_staff"


def test_csv_has_a_bom_and_neutralized_formulas(client, district, district_staff, hostile):
    response = export(client, district_staff, file_format="csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(1)" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1)" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_chair_exports_only_her_market(client, district, chair_a):
    _sheet, rows = sheet_rows(export(client, chair_a))
    assert [r[0] for r in rows[1:]] == ["赵丹"]


def test_viewer_gets_masked_mobiles_and_no_id_numbers(client, district, viewer):
    response = export(client, viewer, id_numbers="1")
    assert response.status_code == 403
    _sheet, rows = sheet_rows(export(client, viewer))
    assert all("****" in r[2] for r in rows[1:])


def test_id_numbers_only_on_request_by_staff(client, district, district_staff):
    sheet, rows = sheet_rows(export(client, district_staff, id_numbers="1"))
    assert rows[0][3] == "身份证号"
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["赵丹"][3] == district.member_a.id_number
    # Mobiles and ID numbers are text cells formatted as Text: Excel keeps all 18 digits.
    for row in sheet.iter_rows(min_row=2):
        for cell in (row[2], row[3]):
            assert (cell.data_type, cell.number_format) == ("s", "@")


def test_selection_exports_the_ticked_members(client, district, district_staff):
    _sheet, rows = sheet_rows(export(client, district_staff, ids=[district.member_b.pk]))
    assert [r[0] for r in rows[1:]] == ["李芳"]


def test_export_queries_do_not_grow_with_rows(
    client, district, district_staff, django_assert_max_num_queries
):
    for i in range(50):
        member = MemberFactory(name=f"会员{i}")
        MembershipFactory(member=member, organization=district.market_a.federation)
    client.force_login(district_staff)
    with django_assert_max_num_queries(15):
        response = client.post("/rosters/export/", {"file_format": "xlsx"})
        b"".join(response.streaming_content)
