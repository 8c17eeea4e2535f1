from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.selectors import dashboard_counts, dashboard_homes, dashboard_tiles
from federation.scope import user_roles
from federation.selectors import coverage_rates


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    year = timezone.localdate().year
    coverage = []
    # The coverage rate (组建率) of the highest federation the user works for, if it has targets.
    for grant in sorted(roles, key=lambda grant: grant.organization.depth):
        rows = coverage_rates(organization=grant.organization, year=year)
        if any(row["expected"] for row in rows):
            coverage = rows
            break
    context = {
        "counts": dashboard_counts(request.user),
        "tiles": dashboard_tiles(request.user),
        "managed_homes": dashboard_homes(request.user),
        "roles": roles,
        "coverage": coverage,
        "year": year,
    }
    return render(request, "dashboard/dashboard.html", context)
