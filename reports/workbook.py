"""The annual workbook (.xlsx) from the report's sections, written with XlsxWriter.

A summary sheet with native charts, then one sheet per section; every sheet names the
organization and the as-of day, has Chinese titles and headers, a totals row where the rows
add up, number formats, frozen headers and column widths. Text is always written as text:
a member-supplied name that starts with "=" stays a string, never becomes a formula.
"""

import io
import re
from collections.abc import Callable

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from federation.models import Organization
from reports.sections import Section, as_of, available_entries, shared_reads

# Characters Excel refuses in a sheet name, and its length limit.
_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_LENGTH = 31
FIRST_DATA_ROW = 4  # title, organization and date, blank, headers


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARACTERS.sub("_", title)[:_SHEET_NAME_LENGTH]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"({n})"
        name = base[: _SHEET_NAME_LENGTH - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _display_width(text: str) -> int:
    # A CJK character takes about two columns of a Latin one.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def build_workbook(
    organization: Organization,
    year: int,
    *,
    sections: list[Section] | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The workbook as bytes. `sections` (a frozen report's) are used as they are; otherwise
    every available section is computed now. `progress` is told 0–100."""
    with translation.override("zh-hans"):
        return _build(organization, year, sections, progress or (lambda _n: None))


def _build(organization, year, sections, progress) -> bytes:
    day = as_of(year)
    if sections is None:
        entries = available_entries()
        sections = []
        with shared_reads():
            for i, entry in enumerate(entries):
                sections.append(entry.function(organization, year))
                progress(int(80 * (i + 1) / len(entries)))
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties(
        {"title": _("Yearly statistics %(year)s") % {"year": year}, "author": organization.name}
    )
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "meta": book.add_format({"font_color": "#555555"}),
        "header": book.add_format(
            {"bold": True, "bg_color": "#F3E0E6", "border": 1, "text_wrap": True}
        ),
        "label": book.add_format({"border": 1}),
        "int": book.add_format({"num_format": "#,##0", "border": 1}),
        "percent": book.add_format({"num_format": "0.0%", "border": 1}),
        "total_label": book.add_format({"bold": True, "top": 2, "border": 1}),
        "total_int": book.add_format({"bold": True, "num_format": "#,##0", "top": 2, "border": 1}),
        "total_percent": book.add_format(
            {"bold": True, "num_format": "0.0%", "top": 2, "border": 1}
        ),
        "yuan": book.add_format({"num_format": "#,##0.00", "border": 1}),
        "total_yuan": book.add_format(
            {"bold": True, "num_format": "#,##0.00", "top": 2, "border": 1}
        ),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
    }
    meta = _("Organization: %(organization)s    As of: %(day)s") % {
        "organization": organization.name,
        "day": day.isoformat(),
    }
    used: set[str] = set()
    summary_sheet = book.add_worksheet(_sheet_name(_("Summary"), used))
    placed: dict[str, tuple[str, int, int]] = {}  # section key → sheet, first row, last row
    for i, section in enumerate(sections):
        if section.key == "summary":  # it heads the summary sheet
            continue
        name = _sheet_name(section.title, used)
        sheet = book.add_worksheet(name)
        first, last = _write_section(sheet, section, fmt, meta)
        placed[section.key] = (name, first, last)
        progress(80 + int(15 * (i + 1) / len(sections)))
    _write_summary(book, summary_sheet, sections, placed, fmt, meta, organization, year)
    book.close()
    progress(100)
    return output.getvalue()


def _write_section(sheet, section: Section, fmt, meta: str) -> tuple[int, int]:
    sheet.write_string(0, 0, section.title, fmt["title"])
    sheet.write_string(1, 0, meta, fmt["meta"])
    headers = [_("Item"), *section.columns]
    for col, header in enumerate(headers):
        sheet.write_string(FIRST_DATA_ROW - 1, col, str(header), fmt["header"])
    row_index = FIRST_DATA_ROW
    for row in section.rows:
        sheet.write_string(row_index, 0, row.label, fmt["label"])
        for col, value in enumerate(row.values, start=1):
            _write_value(sheet, row_index, col, value, section, col - 1, fmt, "")
        row_index += 1
    last = row_index - 1
    if section.total is not None:
        sheet.write_string(row_index, 0, _("Total"), fmt["total_label"])
        for col, value in enumerate(section.total, start=1):
            _write_value(sheet, row_index, col, value, section, col - 1, fmt, "total_")
        row_index += 1
    if section.note:
        sheet.write_string(row_index + 1, 0, section.note, fmt["note"])
    widths = [max([_display_width(headers[0]), *(_display_width(r.label) for r in section.rows)])]
    widths += [max(_display_width(h), 10) for h in section.columns]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width + 2, 60))
    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    return FIRST_DATA_ROW, last


def _write_value(sheet, row, col, value, section, column, fmt, prefix) -> None:
    kind = section.formats[column] if column < len(section.formats) else "int"
    style = fmt[f"{prefix}{kind if kind in ('percent', 'yuan') else 'int'}"]
    if value is None:
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, style)
    else:
        sheet.write_string(row, col, str(value), style)


def _write_summary(book, sheet, sections, placed, fmt, meta, organization, year) -> None:
    sheet.write_string(
        0,
        0,
        _("%(organization)s: yearly statistics %(year)s")
        % {"organization": organization.name, "year": year},
        fmt["title"],
    )
    sheet.write_string(1, 0, meta, fmt["meta"])
    sheet.write_string(FIRST_DATA_ROW - 1, 0, _("Item"), fmt["header"])
    sheet.write_string(FIRST_DATA_ROW - 1, 1, _("This year"), fmt["header"])
    sheet.write_string(FIRST_DATA_ROW - 1, 2, _("Previous year"), fmt["header"])
    sheet.write_string(
        FIRST_DATA_ROW - 1, 3, pgettext("against the previous year", "Change"), fmt["header"]
    )
    row_index = FIRST_DATA_ROW
    by_key = {section.key: section for section in sections}
    summary = by_key.get("summary")
    if summary is not None:
        for row in summary.rows:
            sheet.write_string(row_index, 0, row.label, fmt["label"])
            for col, value in enumerate(row.values, start=1):
                _write_value(sheet, row_index, col, value, summary, col - 1, fmt, "")
            row_index += 1
    # Each other section's total, so that every sheet's figure can be checked against it.
    for section in sections:
        if section.key == "summary" or section.total is None:
            continue
        sheet.write_string(row_index, 0, section.title, fmt["label"])
        _write_value(sheet, row_index, 1, section.total[0], section, 0, fmt, "")
        sheet.write_blank(row_index, 2, None, fmt["label"])
        sheet.write_blank(row_index, 3, None, fmt["label"])
        row_index += 1
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 3, 12)
    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    chart_row = 1
    for key, kind in (
        ("members_by_market", "bar"),
        ("members_by_age_band", "column"),
        ("members_joined_left", "line"),
        ("coverage_by_category", "column"),
    ):
        if key not in placed or key not in by_key:
            continue
        name, first, last = placed[key]
        section = by_key[key]
        chart = book.add_chart({"type": kind})
        columns = (section.chart or {}).get("columns", [0])
        for column in columns:
            chart.add_series(
                {
                    "name": [name, FIRST_DATA_ROW - 1, column + 1],
                    "categories": [name, first, 0, last, 0],
                    "values": [name, first, column + 1, last, column + 1],
                }
            )
        chart.set_title({"name": section.title})
        chart.set_legend({"position": "bottom" if len(columns) > 1 else "none"})
        if kind == "bar":
            chart.set_size({"width": 560, "height": max(320, 18 * (last - first + 1))})
        else:
            chart.set_size({"width": 560, "height": 320})
        sheet.insert_chart(chart_row, 5, chart)
        chart_row += 18 if kind != "bar" else max(18, (last - first + 1) + 2)
