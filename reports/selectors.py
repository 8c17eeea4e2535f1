"""Reads of the yearly statistics within the user's scope."""

from django.db.models import QuerySet

from federation.models import Organization, OrganizationKind
from federation.scope import User, organizations_with_member_access
from reports.models import FrozenReport, WorkbookExport, YearConfirmation
from reports.sections import Section, as_of

# The organizations a report is made for (a women's home is counted in its market's).
REPORT_KINDS = (
    OrganizationKind.CITY_FEDERATION,
    OrganizationKind.DISTRICT_FEDERATION,
    OrganizationKind.MARKET_CLUSTER_FEDERATION,
    OrganizationKind.MARKET_FEDERATION,
    OrganizationKind.WOMENS_HOME,
    OrganizationKind.MICRO_HOME,
    OrganizationKind.SECTOR_ORGANIZATION,
)


def report_organizations(user: User) -> QuerySet[Organization]:
    """Organizations whose statistics the user may read: those whose rosters she reads."""
    return organizations_with_member_access(user).filter(kind__in=REPORT_KINDS)


def report_organization_choices(user: User) -> list[tuple[int, str]]:
    return list(
        report_organizations(user).order_by("path", "kind", "name").values_list("pk", "name")
    )


def default_report_organization(user: User) -> Organization | None:
    """The highest organization in her scope (the district for district staff, her market
    for a chair)."""
    candidates = list(report_organizations(user).only("pk", "path", "name", "kind")[:500])
    return min(candidates, key=lambda o: (o.depth, o.name), default=None)


def exports_for(organization: Organization) -> QuerySet[WorkbookExport]:
    return (
        WorkbookExport.objects.filter(organization=organization)
        .select_related("requested_by", "organization")
        .order_by("-requested_at")[:20]
    )


def exports_of(organization: Organization) -> QuerySet[WorkbookExport]:
    return WorkbookExport.objects.filter(organization=organization).select_related("organization")


def frozen_report(organization: Organization, year: int) -> FrozenReport | None:
    return FrozenReport.objects.filter(organization=organization, year=year).first()


def confirmation(organization: Organization, year: int) -> YearConfirmation | None:
    return YearConfirmation.objects.filter(organization=organization, year=year).first()


def confirmations_under(organization: Organization, year: int) -> list[dict]:
    """Each market under the organization (existing on the as-of day) and whether its chair
    confirmed the year's figures: two queries."""
    day = as_of(year)
    markets = list(
        Organization.objects.subtree_of([organization])
        .filter(kind=OrganizationKind.MARKET_FEDERATION)
        .exclude(established_on__gt=day)
        .exclude(dissolved_on__lte=day)
        .order_by("name")
    )
    confirmed = {
        c.organization_id: c
        for c in YearConfirmation.objects.filter(
            organization__in=[m.pk for m in markets], year=year
        ).select_related("confirmed_by")
    }
    return [{"market": m, "confirmation": confirmed.get(m.pk)} for m in markets]


def differences(frozen: list[Section], live: list[Section]) -> list[dict]:
    """Where today's figures differ from the frozen report, and by how much."""
    live_by_key = {section.key: section for section in live}
    found = []
    for old in frozen:
        new = live_by_key.get(old.key)
        if new is None:
            continue
        new_rows = {row.key: row for row in new.rows}
        for row in old.rows:
            now = new_rows.get(row.key)
            for column, before in enumerate(row.values):
                after = now.values[column] if now is not None and column < len(now.values) else None
                if before != after and isinstance(before, int) and isinstance(after, int):
                    found.append(
                        {
                            "section": new.title,
                            "row": row.label,
                            "column": new.columns[column] if column < len(new.columns) else "",
                            "frozen": before,
                            "today": after,
                            "difference": after - before,
                        }
                    )
    return found
