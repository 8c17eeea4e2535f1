"""Reading a roster file as Excel and WPS really write it: rows of cell values.

- `.xlsx` through python-calamine (Rust): a formula cell gives the value Excel last computed
  and saved, nothing is ever evaluated here. Chosen by measuring (bench/rosters.py): openpyxl
  in read-only mode took 7.5 s for 10,000 rows of six columns, calamine a tenth of that.
  Calamine holds the sheet's values in memory rather than streaming them; the limits below
  (file size, rows, cells) bound that memory.
- `.csv` in UTF-8 (with or without BOM), GB18030/GBK (what Excel on a Chinese Windows
  saves as "CSV") or UTF-16 ("Unicode text"), detected, never asked for.
- Refused with a message: macro workbooks (.xlsm), old .xls, anything that is not a
  spreadsheet, and files over the limits on size, rows and cells.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

MAX_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELLS = 4_000_000
MAX_COLUMNS = 60
# A cell longer than any field we keep is cut here, so a crafted 10 MB cell cannot make the
# preview or the error workbook huge.
MAX_CELL_CHARS = 1000


class RosterFileError(Exception):
    """The file cannot be read as a roster; the message is for the user."""


@dataclass(frozen=True)
class Sheet:
    """Rows of a sheet with their numbers as the spreadsheet shows them (1-based)."""

    rows: list[tuple[int, list]]
    kind: str  # "xlsx" | "csv"
    encoding: str = ""


def _kind(data: bytes, filename: str) -> str:
    lower = filename.lower()
    if lower.endswith((".xlsm", ".xltm", ".xlam")):
        raise RosterFileError(_("Workbooks with macros (.xlsm) are not accepted; save as .xlsx."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            _("This is an old Excel file (.xls); open it and save it as .xlsx, then upload.")
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise RosterFileError(_("The file is damaged and cannot be opened.")) from None
        if "xl/vbaProject.bin" in names:
            raise RosterFileError(
                _("Workbooks with macros (.xlsm) are not accepted; save as .xlsx.")
            )
        if "xl/workbook.xml" not in names:
            raise RosterFileError(_("This file is not an Excel workbook (.xlsx) or CSV."))
        return "xlsx"
    if lower.endswith((".xlsx", ".xls")):
        raise RosterFileError(_("This file is not an Excel workbook (.xlsx) or CSV."))
    return "csv"


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if b"\x00" in data[:4096]:
        raise RosterFileError(_("This file is not an Excel workbook (.xlsx) or CSV."))
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: every file Excel saves as "CSV" on a
        # Chinese Windows decodes with it.
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise RosterFileError(
            _("The text encoding of this CSV file is not recognized; save it as UTF-8 CSV.")
        ) from None


def _check_counts(row_count: int, cell_count: int) -> None:
    if row_count > MAX_ROWS:
        raise RosterFileError(
            _("The sheet has more than %(max)s rows; split it into smaller files.")
            % {"max": f"{MAX_ROWS:,}"}
        )
    if cell_count > MAX_CELLS:
        raise RosterFileError(
            _("The sheet has more than %(max)s cells; remove unneeded columns.")
            % {"max": f"{MAX_CELLS:,}"}
        )


def _trimmed(values) -> list:
    cells = list(values[:MAX_COLUMNS])
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return [c[:MAX_CELL_CHARS] if isinstance(c, str) else c for c in cells]


def _csv_rows(text: str) -> Iterator[list]:
    sample = text[:4096]
    first_line = sample.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    if not first_line.count(delimiter):
        delimiter = ","
    # NUL cannot reach the csv module or the database; it is no part of any roster.
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=delimiter)
    for row in reader:
        yield [cell.strip() for cell in row]


def _xlsx_rows(data: bytes) -> Iterator[list]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except Exception:  # calamine raises several kinds on a damaged package
        raise RosterFileError(_("The file is damaged and cannot be opened.")) from None
    if sheet.height * max(sheet.width, 1) > MAX_CELLS * 2:
        _check_counts(sheet.height, sheet.height * sheet.width)
    rows = sheet.iter_rows()
    # Calamine starts at the sheet's first row (empty rows above included) in the versions we
    # use; older ones started at the first used row. Row numbers must be the sheet's.
    first_row = 0 if sheet.height == sheet.end[0] + 1 else sheet.start[0]
    for _blank in range(first_row):
        yield []
    yield from rows


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The first sheet's rows, empty rows dropped, each with its spreadsheet row number."""
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(max)d MB.") % {"max": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise RosterFileError(_("The file is empty."))
    kind = _kind(data, filename)
    encoding = ""
    if kind == "xlsx":
        source = _xlsx_rows(data)
    else:
        text, encoding = _decode(data)
        source = _csv_rows(text)
    rows: list[tuple[int, list]] = []
    cells = 0
    for number, values in enumerate(source, start=1):
        trimmed = _trimmed(values)
        if not any(v is not None and v != "" for v in trimmed):
            continue
        rows.append((number, trimmed))
        cells += len(trimmed)
        if len(rows) > MAX_ROWS or cells > MAX_CELLS:
            _check_counts(len(rows), cells)
    if not rows:
        raise RosterFileError(_("The file has no rows."))
    return Sheet(rows=rows, kind=kind, encoding=encoding)
