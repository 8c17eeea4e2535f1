"""Real roster files, built the way Excel, WPS and people make them."""

import io

from openpyxl import Workbook

from members.validators import id_number_check_char


def id_with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


# Valid resident ID numbers of women (even 17th digit), born 1985-03-15, 1990-01-01, 1992-07-04.
ID_1 = id_with_check("43020319850315002")
ID_2 = id_with_check("43020319900101004")
ID_3 = id_with_check("43020319920704008")


def xlsx(
    rows: list[list], *, title: str | None = None, number_formats: dict | None = None
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (number_formats or {}).items():
        sheet[coordinate].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
