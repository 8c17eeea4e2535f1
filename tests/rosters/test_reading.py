"""Reading roster files as Excel, WPS and people really make them (real files, built here)."""

import datetime
import io
import zipfile

import pytest

from rosters.parsing import detect_mapping, find_header, parse_row
from rosters.reading import MAX_ROWS, RosterFileError, read_sheet
from tests.rosters.files import ID_1, ID_2, csv_bytes, id_with_check, xlsx

HEADERS = ["姓名", "手机号", "身份证号码", "出生日期", "入会日期", "备注"]


def parsed(data: bytes, filename: str = "roster.xlsx"):
    sheet = read_sheet(data, filename)
    header = find_header(sheet.rows)
    mapping = detect_mapping(sheet.rows[header][1])
    return [parse_row(n, cells, mapping) for n, cells in sheet.rows[header + 1 :]], mapping


def test_title_row_above_headers_is_skipped_and_row_numbers_are_the_sheets():
    data = xlsx([HEADERS, ["赵丹", "13800138000", ID_1]], title="邵兴城市场妇联会员花名册")
    rows, mapping = parsed(data)
    assert mapping[:3] == ["name", "mobile", "id_number"]
    assert rows[0].number == 3
    assert rows[0].values["name"] == "赵丹"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["名字", "联系电话", "身份证"], ["name", "mobile", "id_number"]),
        ([" 手机 ", "姓名 ", "身份证号"], ["mobile", "name", "id_number"]),
        (
            ["Name", "Mobile", "ID number", "Date of birth"],
            ["name", "mobile", "id_number", "birth_date"],
        ),
        (["姓名", "籍贯", "手机号码"], ["name", "", "mobile"]),
    ],
)
def test_header_variants_in_any_order(headers, expected):
    assert detect_mapping(headers) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding):
    data = csv_bytes([["姓名", "手机号"], ["欧阳·娜娜", "138 0013 8000"]], encoding=encoding)
    rows, _mapping = parsed(data, "roster.csv")
    assert rows[0].values == {"name": "欧阳·娜娜", "mobile": "13800138000"}


def test_csv_utf8_with_bom():
    data = csv_bytes([["姓名", "手机号"], ["赵丹", "+86 138-0013-8000"]], bom=True)
    rows, mapping = parsed(data, "roster.csv")
    assert mapping == ["name", "mobile"]
    assert rows[0].values["mobile"] == "13800138000"


def test_excel_value_forms():
    data = xlsx(
        [
            HEADERS,
            ["迪丽热巴•买买提", 13800138000.0, ID_1, 31121, "2023.3.5"],
            ["王芳", "１３９００１３９０００", ID_2, None, "2023年3月5日"],
            ["李娜", "13700137000.0", None, "1990/03/05", datetime.datetime(2023, 3, 5)],
        ]
    )
    rows, _mapping = parsed(data)
    first, second, third = rows
    assert first.values["name"] == "迪丽热巴·买买提"
    assert first.values["mobile"] == "13800138000"
    assert first.errors == {}
    assert first.values["joined_on"] == datetime.date(2023, 3, 5)
    # Birth date and sex come from the ID number.
    assert first.values["birth_date"] == datetime.date(1985, 3, 15)
    assert first.values["sex"] == "female"
    assert second.values["mobile"] == "13900139000"
    assert second.values["joined_on"] == datetime.date(2023, 3, 5)
    assert third.values["mobile"] == "13700137000"
    assert third.values["birth_date"] == datetime.date(1990, 3, 5)
    assert third.values["joined_on"] == datetime.date(2023, 3, 5)


def test_excel_date_serial_in_a_general_column():
    data = xlsx([HEADERS, ["王芳", "13900139000", None, None, 44990]])
    rows, _mapping = parsed(data)
    assert rows[0].values["joined_on"] == datetime.date(2023, 3, 5)


def test_id_number_stored_as_number_is_an_explained_row_error():
    data = xlsx([HEADERS, ["赵丹", "13800138000", float(ID_1)]])
    rows, _mapping = parsed(data)
    assert "id_number" not in rows[0].values
    assert "Excel" in rows[0].errors["id_number"]


def test_id_number_in_scientific_notation_text_is_an_explained_error():
    data = csv_bytes([["姓名", "手机号", "身份证号"], ["赵丹", "13800138000", "4.30203E+17"]])
    rows, _mapping = parsed(data, "roster.csv")
    assert "Excel" in rows[0].errors["id_number"]


def test_id_number_whose_last_digits_excel_zeroed_says_so():
    zeroed = ID_1[:15] + "000"
    assert zeroed != ID_1
    data = csv_bytes([["姓名", "手机号", "身份证号"], ["赵丹", "13800138000", zeroed]])
    rows, _mapping = parsed(data, "roster.csv")
    assert "000" in rows[0].errors["id_number"]


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        (["", "13800138000"], "name"),
        (["赵丹", "1380013800²"], "mobile"),
        (["赵\x00丹", "13800138000"], "name"),
        (["赵丹", "13800138000", "", "", "2023-02-30"], "joined_on"),
        (["赵丹", "13800138000", "x" * 10_000], "id_number"),
    ],
)
def test_bad_cells_give_a_message_per_cell(cells, field):
    row = parse_row(7, cells, ["name", "mobile", "id_number", "birth_date", "joined_on"])
    assert field in row.errors
    assert field not in row.values


def test_birth_date_contradicting_the_id_number_is_an_error():
    row = parse_row(2, ["赵丹", "13800138000", ID_1, "1990-01-01"], HEADERS_MAP)
    assert "birth_date" in row.errors


HEADERS_MAP = ["name", "mobile", "id_number", "birth_date"]


def test_empty_rows_in_the_middle_are_skipped_with_numbers_kept():
    data = xlsx([HEADERS, ["赵丹", "13800138000"], [None], ["王芳", "13900139000"]])
    rows, _mapping = parsed(data)
    assert [r.number for r in rows] == [2, 4]


def test_xlsm_and_non_spreadsheets_are_refused():
    with pytest.raises(RosterFileError):
        read_sheet(xlsx([HEADERS]), "roster.xlsm")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(RosterFileError, match="xlsm"):
        read_sheet(buffer.getvalue(), "roster.xlsx")
    with pytest.raises(RosterFileError):
        read_sheet(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.png")
    with pytest.raises(RosterFileError):
        read_sheet(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls")
    with pytest.raises(RosterFileError):
        read_sheet(b"PK\x03\x04broken", "roster.xlsx")


def test_too_many_rows_is_refused_with_a_message(settings):
    data = ("姓名,手机号\r\n" + "赵丹,13800138000\r\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(RosterFileError, match="200,000"):
        read_sheet(data, "big.csv")


def test_formulas_are_not_evaluated():
    data = xlsx([HEADERS, ["=1+1", "13800138000"]])
    rows, _mapping = parsed(data)
    # No cached value was saved by openpyxl: the cell reads as empty, never as "2".
    assert rows[0].values.get("name") != "2"
    assert "name" in rows[0].errors


def test_valid_id_helper():
    assert len(id_with_check("43020319850315002")) == 18
