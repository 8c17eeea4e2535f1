"""Reads for organizations: the tree, an organization's page, its officers, coverage rates.

Who may see what is decided in federation.scope; these reads start from its answers.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Max, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from federation.models import (
    CoverageTarget,
    MemberCount,
    Office,
    Organization,
    OrganizationKind,
    Position,
    SectorCategory,
    Term,
)
from federation.scope import User, organizations_visible_to


# One level of the tree, and the organization page, read the kept counts (MemberCount).
def _member_total() -> Coalesce:
    return Coalesce(F("tally__members"), Value(0))


def organization_children(*, user: User, parent: Organization | None) -> QuerySet[Organization]:
    """One level of the tree as the user may see it, with the counts the tree shows."""
    visible = organizations_visible_to(user)
    if parent is None:
        # The top of *her* tree: visible organizations whose parent she cannot see.
        children = visible.exclude(parent__in=visible)
    else:
        children = visible.filter(parent=parent)
    return children.annotate(
        child_count=Count("children", distinct=True),
        member_count=_member_total(),
    ).order_by("kind", "sort_name", "name")


# The levels above the markets: the tree opens them on arrival, so that staff see the
# markets at once (a few dozen rows), and each market opens on a click.
OPENED_KINDS = {
    OrganizationKind.CITY_FEDERATION,
    OrganizationKind.DISTRICT_FEDERATION,
    OrganizationKind.MARKET_CLUSTER_FEDERATION,
}


def organization_tree_opened(*, user: User) -> list[Organization]:
    """The top of her tree with the levels above the markets opened: each such node gets
    `opened`, its children (one query per opened node, a handful in all)."""
    top = list(organization_children(user=user, parent=None))
    level = top
    while level:
        below = []
        for node in level:
            node.opened = None
            if node.kind in OPENED_KINDS and node.child_count:
                node.opened = list(organization_children(user=user, parent=node))
                below.extend(node.opened)
        level = below
    return top


def organization_member_count(organization: Organization) -> int:
    """Current members of the organization and of everything under it, each counted once."""
    return (
        MemberCount.objects.filter(organization=organization)
        .values_list("members", flat=True)
        .first()
        or 0
    )


def organization_current_officers(organization: Organization) -> QuerySet[Office]:
    return (
        Office.objects.current()
        .filter(organization=organization)
        .select_related("member", "term")
        .order_by("position", "starts_on", "member__name_pinyin")
    )


def organization_ancestors(*, user: User, organization: Organization) -> list[Organization]:
    """The breadcrumb: ancestors the user may open, root first."""
    ids = [int(part) for part in organization.path.strip("/").split("/") if part]
    by_id = organizations_visible_to(user).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


# --- Officers, terms and logins: the organization page and its administration -------------


def _position_rank() -> Case:
    # Chair, then vice-chairs, then the executive committee (not the alphabetical order).
    return Case(
        When(position=Position.CHAIR, then=Value(0)),
        When(position=Position.VICE_CHAIR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _offices_in_order() -> QuerySet[Office]:
    return (
        Office.objects.select_related("member")
        .annotate(rank=_position_rank())
        .order_by("rank", "starts_on", "member__name_pinyin", "pk")
    )


@dataclass(frozen=True)
class OfficerHistory:
    current_term: Term | None
    sitting: list[Office]  # open offices of the open term, chair first
    left_this_term: list[Office]  # replaced or ended during the open term
    past_terms: list[Term]  # newest first, each with .offices.all() prefetched


def organization_officer_history(organization: Organization) -> OfficerHistory:
    """Every term with its officers, in two queries however many terms and officers."""
    terms = list(
        Term.objects.filter(organization=organization)
        .order_by("-number")
        .prefetch_related(Prefetch("offices", queryset=_offices_in_order()))
    )
    current = next((term for term in terms if term.ends_on is None), None)
    offices = list(current.offices.all()) if current else []
    return OfficerHistory(
        current_term=current,
        sitting=[office for office in offices if office.ends_on is None],
        left_this_term=[office for office in offices if office.ends_on is not None],
        past_terms=[term for term in terms if term is not current],
    )


def organization_sitting_offices(organization: Organization) -> QuerySet[Office]:
    """Offices held now (open, in the open term), chair first."""
    return (
        _offices_in_order()
        .filter(organization=organization, ends_on__isnull=True, term__ends_on__isnull=True)
        .select_related("term")
    )


def organization_next_term_number(organization: Organization) -> int:
    latest = Term.objects.filter(organization=organization).aggregate(n=Max("number"))["n"]
    return (latest or 0) + 1


def coverage_rates(*, organization: Organization, year: int) -> list[dict]:
    """组建率 per new-sector category: organizations established by the end of the year under
    the federation, over the number that should be (its coverage targets for that year)."""
    year_end = datetime.date(year, 12, 31)
    established = dict(
        Organization.objects.subtree_of([organization])
        .filter(kind=OrganizationKind.SECTOR_ORGANIZATION, established_on__lte=year_end)
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=year_end))
        .values_list("sector_category")
        .annotate(n=Count("pk"))
        .values_list("sector_category", "n")
    )
    targets = dict(
        CoverageTarget.objects.filter(organization=organization, year=year).values_list(
            "sector_category", "expected_count"
        )
    )
    rows = []
    for category in SectorCategory:
        expected = targets.get(category.value)
        count = established.get(category.value, 0)
        rows.append(
            {
                "category": category.label,
                "established": count,
                "expected": expected,
                "rate": round(100 * count / expected, 1) if expected else None,
            }
        )
    return rows
