import re
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import get_visible_or_404
from common.htmx import fragment_or_page
from federation import scope
from federation.models import OrganizationKind
from reports import selectors, services, tasks
from reports.forms import PickerForm, YearForm
from reports.models import ExportStatus
from reports.sections import Section, as_of, report


def _year(request: HttpRequest) -> int:
    form = YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return timezone.localdate().year


def _charts(sections: dict[str, Section]) -> list[dict]:
    """What ECharts draws (static/js/statistics.js); the same numbers are in the tables."""
    charts = []
    for key in (
        "members_by_market",
        "members_by_age_band",
        "members_joined_left",
        "coverage_by_category",
        "members_by_occupation",
        "officers_by_level",
    ):
        section = sections.get(key)
        if section is None or section.chart is None:
            continue
        rows = [row for row in section.rows if row.key or any(row.values)]
        charts.append(
            {
                "id": f"chart-{key}",
                "type": section.chart["type"],
                "title": section.title,
                "categories": [row.label for row in rows],
                "series": [
                    {"name": section.columns[c], "data": [row.values[c] or 0 for row in rows]}
                    for c in section.chart["columns"]
                ],
                "horizontal": key == "members_by_market",
            }
        )
    return charts


def _cell(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "yuan":
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _display(section: Section) -> dict:
    """A section as the page's table shows it: formatted cells, each linked to the directory
    when it counts members (`linked`: the cells with their links)."""
    formats = section.formats or ["int"] * len(section.columns)

    def cells(values):
        return [_cell(v, formats[i] if i < len(formats) else "int") for i, v in enumerate(values)]

    return {
        "key": section.key,
        "title": section.title,
        "columns": section.columns,
        "note": section.note,
        "rows": [
            {
                "label": r.label,
                "link": r.link,
                "cells": cells(r.values),
                "linked": [(cell, r.link_of(i)) for i, cell in enumerate(cells(r.values))],
            }
            for r in section.rows
        ],
        "total": cells(section.total) if section.total is not None else None,
    }


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The statistics page of the organization and year chosen (or her highest organization
    and this year)."""
    choices = selectors.report_organization_choices(request.user)
    if not choices:
        raise PermissionDenied
    organization_id = request.GET.get("organization", "")
    if not organization_id:
        organization = selectors.default_report_organization(request.user)
    elif re.fullmatch(r"[0-9]{1,9}", organization_id):
        organization = get_visible_or_404(
            request, selectors.report_organizations(request.user), pk=int(organization_id)
        )
    else:
        raise Http404
    return _page(request, organization, _year(request), choices)


@require_GET
def statistics_report(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    choices = selectors.report_organization_choices(request.user)
    return _page(request, organization, _year(request), choices)


def _page(request, organization, year, choices) -> HttpResponse:
    sections = report(organization, year)
    by_key = {section.key: section for section in sections}
    frozen = selectors.frozen_report(organization, year)
    frozen_differences = None
    if frozen is not None:
        frozen_differences = selectors.differences(
            [Section.from_data(data) for data in frozen.sections], sections
        )
    picker = PickerForm(
        initial={"organization": organization.pk, "year": year}, organizations=choices
    )
    context = {
        "organization": organization,
        "year": year,
        "as_of": as_of(year),
        "picker": picker,
        "sections": [_display(section) for section in sections],
        "summary": by_key.get("summary"),
        "charts": _charts(by_key),
        "frozen": frozen,
        "frozen_differences": frozen_differences,
        "confirmation": selectors.confirmation(organization, year),
        "can_confirm": organization.kind == OrganizationKind.MARKET_FEDERATION
        and scope.may_change_members_of(request.user, organization)
        and frozen is None,
        "can_close": scope.may_administer(request.user, organization),
        "exports": selectors.exports_for(organization),
        "query": urlencode({"organization": organization.pk, "year": year}),
    }
    return fragment_or_page(request, "reports/statistics.html", "report", context)


@require_POST
def statistics_export(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    form = YearForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a year."), status=400)
    export = services.workbook_export_request(
        organization=organization, year=form.cleaned_data["year"], by=request.user, request=request
    )
    tasks.workbook_export_build.delay_on_commit(export.pk)
    if request.htmx:
        return _exports(request, organization)
    return redirect(reverse("statistics_report", args=[organization.pk]) + f"?year={export.year}")


@require_GET
def statistics_exports(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    return _exports(request, organization)


def _exports(request, organization) -> HttpResponse:
    exports = selectors.exports_for(organization)
    context = {
        "organization": organization,
        "exports": exports,
        "polling": any(e.status in (ExportStatus.WAITING, ExportStatus.BUILDING) for e in exports),
    }
    return fragment_or_page(request, "reports/exports.html", "exports", context)


@require_GET
def statistics_export_download(request: HttpRequest, pk: int, export: int) -> HttpResponse:
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    found = get_visible_or_404(request, selectors.exports_of(organization), pk=export)
    try:
        data = services.workbook_export_download(export=found, by=request.user, request=request)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _attachment(found.filename)
    return response


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"statistics.xlsx\"; filename*=UTF-8''{quote(filename)}"


@require_POST
def statistics_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    form = YearForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a year."), status=400)
    year = form.cleaned_data["year"]
    try:
        services.year_confirm(organization=organization, year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You confirmed the figures of %(year)s.") % {"year": year})
    return redirect(reverse("statistics_report", args=[organization.pk]) + f"?year={year}")


@require_http_methods(["GET", "POST"])
def statistics_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: which markets confirmed the year's figures, and the freeze."""
    organization = get_visible_or_404(request, selectors.report_organizations(request.user), pk=pk)
    scope.require(scope.may_administer(request.user, organization))
    if request.method == "POST":
        form = YearForm(request.POST)
        if not form.is_valid():
            return HttpResponse(_("Choose a year."), status=400)
        year = form.cleaned_data["year"]
        try:
            services.report_freeze(organization=organization, year=year, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The report of %(year)s is frozen.") % {"year": year})
        return redirect(reverse("statistics_close", args=[organization.pk]) + f"?year={year}")
    year = _year(request)
    rows = selectors.confirmations_under(organization, year)
    context = {
        "organization": organization,
        "year": year,
        "rows": rows,
        "confirmed": sum(1 for row in rows if row["confirmation"]),
        "frozen": selectors.frozen_report(organization, year),
        "years": YearForm().fields["year"].choices,
    }
    return fragment_or_page(request, "reports/close.html", "content", context)
