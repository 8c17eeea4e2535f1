"""Members out to .xlsx and .csv that Excel and WPS open cleanly.

Rows are read from the database in chunks as plain values (no model instances) and written
as they come: memory does not grow with the number of rows. Mobiles and ID numbers are text
(never 1.38E+10), dates are dates, and no cell can start a formula.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from federation.scope import User, can_see_id_numbers, has_editing_role
from members.models import (
    Education,
    Member,
    Membership,
    MembershipScope,
    MemberStatus,
    Occupation,
    PoliticalStatus,
    Sex,
    mask_mobile,
)
from rosters import xlsxstream

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 5000


def neutralized(text: str) -> str:
    """A text that no spreadsheet will run as a formula (OWASP: CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: int
    kind: str = "text"  # text | date


def export_columns(*, id_numbers: bool) -> list[Column]:
    columns = [
        Column("name", _("Name"), 12),
        Column("sex", _("Sex"), 6),
        Column("mobile", _("Mobile"), 14),
    ]
    if id_numbers:
        columns.append(Column("id_number", _("ID number"), 21))
    columns += [
        Column("birth_date", _("Birth date"), 12, "date"),
        Column("ethnicity", _("Ethnicity"), 8),
        Column("political_status", _("Political status"), 12),
        Column("education", _("Education"), 12),
        Column("occupation", _("Occupation"), 12),
        Column("market", _("Market"), 18),
        Column("joined_on", _("Joined on"), 12, "date"),
        Column("status", _("Status"), 10),
        Column("left_on", _("Left on"), 12, "date"),
        Column("notes", _("Notes"), 30),
    ]
    return columns


@dataclass(frozen=True)
class ExportPolicy:
    full_mobiles: bool
    id_numbers: bool


def export_policy(user: User, *, id_numbers_asked: bool) -> ExportPolicy:
    """Mobiles in full for those who keep rosters, masked for readers; ID numbers only when
    asked for, and only by a role that may see them."""
    return ExportPolicy(
        full_mobiles=has_editing_role(user),
        id_numbers=id_numbers_asked and can_see_id_numbers(user),
    )


def export_rows(members: QuerySet[Member], policy: ExportPolicy) -> Iterator[list]:
    """One list of cell values per member, in the columns' order."""
    labels = {
        "sex": dict(Sex.choices),
        "political_status": dict(PoliticalStatus.choices),
        "education": dict(Education.choices),
        "occupation": dict(Occupation.choices),
        "status": dict(MemberStatus.choices),
    }
    labels = {name: {k: str(v) for k, v in choices.items()} for name, choices in labels.items()}
    market = Membership.objects.filter(
        member=OuterRef("pk"), scope=MembershipScope.MARKET
    ).order_by(F("ends_on").desc(nulls_first=True), "-starts_on")
    fields = ["name", "sex", "mobile", "birth_date", "ethnicity", "political_status"]
    fields += ["education", "occupation", "joined_on", "status", "left_on", "notes"]
    rows = (
        members.annotate(market=Subquery(market.values("organization__name")[:1]))
        .order_by("pk")
        .values_list(*fields, "market", "id_number" if policy.id_numbers else "pk")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        (name, sex, mobile, birth, ethnicity, political, education, occupation) = row[:8]
        joined, status, left_on, notes, market_name, extra = row[8:]
        cells = [
            name,
            labels["sex"].get(sex, sex),
            mobile if policy.full_mobiles else mask_mobile(mobile or ""),
        ]
        if policy.id_numbers:
            cells.append(extra or "")
        cells += [
            birth,
            ethnicity,
            labels["political_status"].get(political, political),
            labels["education"].get(education, education),
            labels["occupation"].get(occupation, occupation),
            market_name or "",
            joined,
            labels["status"].get(status, status),
            left_on,
            notes,
        ]
        yield cells


def write_csv(rows: Iterator[list], columns: list[Column], out) -> int:
    """UTF-8 with a BOM, so Excel on Windows reads the Chinese correctly."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    count = 0
    for row in rows:
        writer.writerow(
            [
                v.isoformat()
                if isinstance(v, datetime.date)
                else neutralized(v)
                if isinstance(v, str)
                else ("" if v is None else v)
                for v in row
            ]
        )
        count += 1
    return count


def write_xlsx(rows: Iterator[list], columns: list[Column], target) -> int:
    """Our streaming writer (rosters.xlsxstream): text cells styled as Text, dates as dates,
    a bold frozen header with an autofilter, the columns' widths. Measured against XlsxWriter
    in constant_memory mode in bench/rosters.py (100,000 members: see bench/README.md)."""
    return xlsxstream.write_sheet(
        target,
        sheet_name=_("Members")[:31],
        headers=[str(c.header) for c in columns],
        widths=[c.width for c in columns],
        rows=rows,
    )


def _counted(rows: Iterator[list], progress: Callable[[int], None], every: int) -> Iterator[list]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if count % every == 0:
            progress(count)


def export_members(
    *,
    members: QuerySet[Member],
    policy: ExportPolicy,
    file_format: str,
    target,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the members to `target` (a path or binary file); returns the number of rows.
    `progress`, if given, is called with the rows written so far every CHUNK rows."""
    columns = export_columns(id_numbers=policy.id_numbers)
    rows = export_rows(members, policy)
    if progress is not None:
        rows = _counted(rows, progress, CHUNK)
    if file_format == "csv":
        wrapper = io.TextIOWrapper(target, encoding="utf-8", newline="")
        try:
            return write_csv(rows, columns, wrapper)
        finally:
            wrapper.flush()
            wrapper.detach()
    return write_xlsx(rows, columns, target)
