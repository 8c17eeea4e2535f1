"""Reads for organizations: the tree, an organization's page, its officers, coverage rates.

Who may see what is decided in federation.scope; these reads start from its answers.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Max, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone

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
from federation.scope import HOME_KINDS, User, organizations_visible_to


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


# --- The organization list ---------------------------------------------------------------

# Sort keys the URL may carry, and what they sort by (whitelist: nothing else reaches SQL).
ORGANIZATION_SORTS = {
    "name": ("sort_name", "name", "pk"),
    "-name": ("-sort_name", "-name", "-pk"),
    "kind": ("kind", "sort_name", "pk"),
    "-kind": ("-kind", "sort_name", "pk"),
    "established": (F("established_on").asc(nulls_last=True), "sort_name", "pk"),
    "-established": (F("established_on").desc(nulls_last=True), "sort_name", "pk"),
    "members": ("member_count", "sort_name", "pk"),
    "-members": ("-member_count", "sort_name", "pk"),
}
# "sites": women's homes and micro-homes together (the statistics' service sites).
SITE_KINDS = "sites"


@dataclass(frozen=True)
class OrganizationQuery:
    q: str = ""
    organization: int | None = None  # an id among the user's visible organizations
    below: bool = False  # only what is under `organization`, not the organization itself
    parent: int | None = None  # directly under this organization
    kind: str = ""  # a kind, or SITE_KINDS
    category: str = ""  # a new-sector category
    method: str = ""  # how a new-sector organization was established, or "none"
    rating: str = ""  # a site rating, or "none"
    rated_in: int | None = None  # the rating was given in this year
    status: str = "existing"  # existing today | dissolved | all
    sort: str = "name"
    # From the yearly statistics (reports), so that a figure's link lists exactly the
    # organizations it counts: those existing on a day (instead of `status`), established
    # (a date recorded) on or before a day, and the rating as it stood at the end of a year
    # (a rating given later did not hold then).
    on: datetime.date | None = None
    established_by: datetime.date | None = None
    rated_by: int | None = None


def existing_on(day: datetime.date) -> Q:
    """Organizations that exist on the day: established by then (or no date recorded), not
    yet dissolved."""
    return (Q(established_on__isnull=True) | Q(established_on__lte=day)) & (
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
    )


def _rating_condition(query: OrganizationQuery) -> Q:
    if query.rated_by is None:
        if query.rating == "none":
            return Q(site_rating="")
        return Q(site_rating=query.rating)
    if query.rating == "none":
        # Not rated by the end of that year: no rating, or one given later (or in no year).
        return (
            Q(site_rating="")
            | Q(site_rating_year__isnull=True)
            | Q(site_rating_year__gt=query.rated_by)
        )
    return Q(site_rating=query.rating, site_rating_year__lte=query.rated_by)


def organization_list(*, user: User, query: OrganizationQuery) -> QuerySet[Organization]:
    """The organizations a user may see, searched, filtered and sorted as the list asks,
    each with its current member count (kept, not counted)."""
    organizations = organizations_visible_to(user)
    text = query.q.strip()
    if text:
        # 邵兴城 is found as "邵兴", "shaoxing" or "xing cheng".
        latin = text.lower().replace(" ", "")
        organizations = organizations.annotate(
            pinyin=Replace("sort_name", Value(" "), Value(""))
        ).filter(Q(name__contains=text) | Q(pinyin__contains=latin))
    if query.organization is not None:
        chosen = Organization.objects.filter(pk=query.organization).first()
        if chosen is None:
            return Organization.objects.none()
        under = Q(path__startswith=chosen.descendant_path_prefix)
        organizations = organizations.filter(under if query.below else under | Q(pk=chosen.pk))
    if query.parent is not None:
        organizations = organizations.filter(parent_id=query.parent)
    if query.kind == SITE_KINDS:
        organizations = organizations.filter(kind__in=HOME_KINDS)
    elif query.kind:
        organizations = organizations.filter(kind=query.kind)
    if query.category or query.method:
        organizations = organizations.filter(kind=OrganizationKind.SECTOR_ORGANIZATION)
    if query.category:
        organizations = organizations.filter(sector_category=query.category)
    if query.method:
        method = "" if query.method == "none" else query.method
        organizations = organizations.filter(establishment_method=method)
    if query.rating or query.rated_in is not None:
        organizations = organizations.filter(kind__in=HOME_KINDS)
    if query.rating:
        organizations = organizations.filter(_rating_condition(query))
    if query.rated_in is not None:
        organizations = organizations.filter(site_rating_year=query.rated_in)
    if query.on is not None:
        organizations = organizations.filter(existing_on(query.on))
    elif query.status == "existing":
        organizations = organizations.filter(existing_on(timezone.localdate()))
    elif query.status == "dissolved":
        organizations = organizations.filter(dissolved_on__lte=timezone.localdate())
    if query.established_by is not None:
        organizations = organizations.filter(established_on__lte=query.established_by)
    sort = ORGANIZATION_SORTS.get(query.sort, ORGANIZATION_SORTS["name"])
    return (
        organizations.select_related("parent")
        .annotate(member_count=_member_total())
        .order_by(*sort)
    )
