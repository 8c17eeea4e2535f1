"""Our streaming .xlsx writer, read back by openpyxl and by python-calamine (the readers
closest to what Excel and WPS do): well-formed parts, text stays text, dates are dates."""

import datetime
import io
import zipfile
from xml.etree import ElementTree

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from rosters.xlsxstream import column_letter, write_sheet

HEADERS = ["姓名", "手机号", "身份证号", "出生日期", "备注"]
ROWS = [
    ["赵丹", "13812345678", "43010219850315002X", datetime.date(1985, 3, 15), "=1+1"],
    ["李·芳", "00123", "110101199001011234", None, "a & b < c > d \"e\" 'f'"],
    ["  王 ", "", None, datetime.date(2000, 2, 29), "bell\x07 tab\t _x0041_ end"],
]


def written(rows=ROWS) -> bytes:
    target = io.BytesIO()
    count = write_sheet(
        target, sheet_name="会员", headers=HEADERS, widths=[12, 14, 21, 12, 30], rows=iter(rows)
    )
    assert count == len(rows)
    return target.getvalue()


def test_every_part_is_well_formed_xml():
    with zipfile.ZipFile(io.BytesIO(written())) as package:
        names = package.namelist()
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= set(names)
        for name in names:
            ElementTree.fromstring(package.read(name))  # noqa: S314 (our own output)


def test_openpyxl_reads_text_as_text_and_dates_as_dates():
    workbook = load_workbook(io.BytesIO(written()))
    sheet = workbook.active
    assert sheet.title == "会员"
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert sheet.column_dimensions["C"].width > 20
    mobile, id_number, birth, formula = sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"]
    # Text cells in a Text-formatted column: Excel shows 13812345678, not 1.38E+10.
    assert (mobile.value, mobile.data_type, mobile.number_format) == ("13812345678", "s", "@")
    assert (id_number.value, id_number.data_type) == ("43010219850315002X", "s")
    assert sheet["B3"].value == "00123"  # leading zeros kept
    assert birth.value == datetime.datetime(1985, 3, 15)
    assert birth.number_format == "yyyy\\-mm\\-dd"
    assert sheet["D4"].value == datetime.datetime(2000, 2, 29)
    # A string that looks like a formula is a string cell.
    assert (formula.value, formula.data_type) == ("=1+1", "s")
    assert sheet["E3"].value == "a & b < c > d \"e\" 'f'"
    assert sheet["A4"].value == "  王 "  # spaces kept
    assert sheet["D3"].value is None and sheet["B4"].value is None


def test_control_characters_and_literal_escapes_come_back_as_written():
    # Written as Excel writes them (_x0007_, and _x005F_ for a literal "_x0041_"); calamine
    # decodes them as Excel does (openpyxl leaves them escaped).
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(written())).get_sheet_by_index(0)
    assert sheet.to_python()[3][4] == "bell\x07 tab\t _x0041_ end"


def test_calamine_reads_the_same_values():
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(written())).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0] == HEADERS
    assert rows[1][:3] == ["赵丹", "13812345678", "43010219850315002X"]
    assert rows[1][3] == datetime.date(1985, 3, 15)


def test_an_empty_export_is_a_valid_workbook():
    sheet = load_workbook(io.BytesIO(written(rows=[]))).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip
