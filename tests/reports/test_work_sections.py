"""The adapter for the work-records sections (work.selectors.*_year and
counselling.selectors.counselling_year, another branch): their figures, flat or broken down,
money as Decimal, become a section the page, the workbook and the frozen report can hold."""

import io
import json
from decimal import Decimal

from openpyxl import load_workbook

from reports import sections
from reports.workbook import build_workbook

# The shapes those selectors return (work/selectors.py, counselling/selectors.py on main).
ACTIVITIES = {
    "activities": 12,
    "by_kind": {"training": 7, "market": 5},
    "attendances": 340,
    "member_attendances": 300,
    "guest_attendances": 40,
    "members": 210,
    "children": 0,
    "members_trained_as_streamers": 35,
    "members_certified": {"livestream_selling": 35},
}
DONATIONS = {
    "donations": 3,
    "money_donations": 2,
    "goods_donations": 1,
    "value_yuan": Decimal("3200000.50"),
    "money_yuan": Decimal("3000000.00"),
    "goods_yuan": Decimal("200000.50"),
}


def test_figures_and_breakdowns_become_rows():
    section = sections._counts_section("activities", "活动", ACTIVITIES)
    values = {row.key: row.values for row in section.rows}
    assert values["activities"] == [12, None]
    assert values["by_kind:training"] == [7, None]
    assert values["members_certified:livestream_selling"] == [35, None]
    assert section.total is None  # the figures are not parts of one whole


def test_money_is_a_number_in_yuan_and_survives_the_frozen_report(district, today):
    section = sections._counts_section("donations", "捐赠", DONATIONS)
    assert section.value("value_yuan", 1) == 3200000.5
    data = json.loads(json.dumps(section.as_data()))  # what FrozenReport.sections stores
    assert sections.Section.from_data(data).value("money_yuan", 1) == 3000000.0
    book = load_workbook(
        io.BytesIO(build_workbook(district.district, 2026, sections=[section])), read_only=True
    )
    rows = list(book["捐赠"].iter_rows(min_row=5, values_only=True))
    assert ("价值（元）", None, 3200000.5) in rows


def test_sections_of_apps_not_installed_are_absent(monkeypatch):
    installed = sections.apps.is_installed
    monkeypatch.setattr(
        sections.apps,
        "is_installed",
        lambda name: name not in {"work", "counselling"} and installed(name),
    )
    keys = {entry.key for entry in sections.available_entries()}
    assert not keys & {"activities", "deeds", "jobs", "donations", "counselling"}
    assert "summary" in keys
