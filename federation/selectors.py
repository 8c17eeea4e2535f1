"""Reads for organizations, and the one place that decides a user's scope."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

from federation.models import (
    ADMINISTERING_ROLES,
    EDITING_ROLES,
    MEMBER_READING_ROLES,
    Office,
    Organization,
    OrganizationKind,
    Position,
    Role,
    RoleGrant,
    Term,
)

User = AbstractBaseUser | AnonymousUser


def _grants(user: User, roles: Iterable[str]) -> list[RoleGrant]:
    if not user.is_authenticated or not user.is_active:
        return []
    # One query per request: every scope question of a page reuses the user's grants.
    cached = getattr(user, "_role_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).select_related("organization"))
        user._role_grants = cached
    wanted = set(roles)
    return [grant for grant in cached if grant.role in wanted]


def _scope(user: User, roles: Iterable[str]) -> QuerySet[Organization]:
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Organization.objects.all()
    roots = [grant.organization for grant in _grants(user, roles)]
    if not roots:
        return Organization.objects.none()
    return Organization.objects.subtree_of(roots)


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """Organizations the user may see: the subtree of each of her role grants."""
    return _scope(user, Role.values)


def organizations_changeable_by(user: User) -> QuerySet[Organization]:
    """Organizations whose members and records the user may change."""
    return _scope(user, EDITING_ROLES)


def organizations_administered_by(user: User) -> QuerySet[Organization]:
    """Where the user runs elections and manages logins: district and cluster staff only."""
    return _scope(user, ADMINISTERING_ROLES)


def organizations_with_member_access(user: User) -> QuerySet[Organization]:
    """Organizations whose rosters the user may read (a counsellor sees none)."""
    return _scope(user, MEMBER_READING_ROLES)


def has_editing_role(user: User) -> bool:
    """Whether the user may change anything at all (answered from the cached grants)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return bool(_grants(user, EDITING_ROLES))


def can_see_id_numbers(user: User) -> bool:
    """ID numbers are for district and cluster staff; chairs and viewers never see them."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return bool(_grants(user, ADMINISTERING_ROLES))


def user_roles(user: User) -> list[RoleGrant]:
    return _grants(user, Role.values)


class _DistinctMemberCount(Subquery):
    """COUNT(DISTINCT member_id) over a membership subquery: a member of a market and of a
    home under it is one member, not two."""

    template = "(SELECT COUNT(DISTINCT _m.member_id) FROM (%(subquery)s) _m)"
    output_field = IntegerField()


def _subtree_member_count() -> _DistinctMemberCount:
    """Current members of the outer organization and of everything under it."""
    from members.models import Membership

    below = Concat(OuterRef("path"), Cast(OuterRef("pk"), CharField()), Value("/"))
    memberships = Membership.objects.current().filter(
        Q(organization=OuterRef("pk")) | Q(organization__path__startswith=below)
    )
    return _DistinctMemberCount(memberships.values("member_id"))


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
        member_count=_subtree_member_count(),
    ).order_by("kind", "name")


def organization_member_count(organization: Organization) -> int:
    """Current members of the organization and of everything under it, each counted once."""
    return (
        Organization.objects.filter(pk=organization.pk)
        .annotate(member_count=_subtree_member_count())
        .values_list("member_count", flat=True)
        .get()
    )


def organization_current_officers(organization: Organization) -> QuerySet[Office]:
    return (
        Office.objects.current()
        .filter(organization=organization)
        .select_related("member", "term")
        .order_by("position", "starts_on", "member__name_pinyin")
    )


def dashboard_counts(user: User) -> dict[str, int]:
    """The headline figures, computed from the data within the user's scope."""
    from members.selectors import members_visible_to

    visible = organizations_visible_to(user)
    by_kind = dict(
        visible.active().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return {
        "members": members_visible_to(user).current().count(),
        "markets": by_kind.get(OrganizationKind.MARKET_FEDERATION, 0),
        "womens_homes": by_kind.get(OrganizationKind.WOMENS_HOME, 0),
        "micro_homes": by_kind.get(OrganizationKind.MICRO_HOME, 0),
        "sector_organizations": by_kind.get(OrganizationKind.SECTOR_ORGANIZATION, 0),
        "officers": Office.objects.current()
        .filter(organization__in=visible)
        .values("member")
        .distinct()
        .count(),
    }


def organization_ancestors(*, user: User, organization: Organization) -> list[Organization]:
    """The breadcrumb: ancestors the user may open, root first."""
    ids = [int(part) for part in organization.path.strip("/").split("/") if part]
    by_id = organizations_visible_to(user).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


# --- Officers, terms and logins: the organization page and its administration -------------

HOME_KINDS = frozenset({OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME})


def _covers(grant: RoleGrant, organization: Organization) -> bool:
    # The same test as OrganizationQuerySet.subtree_of, on a grant already loaded.
    return grant.organization_id == organization.pk or organization.path.startswith(
        grant.organization.descendant_path_prefix
    )


def _in_scope(user: User, roles: Iterable[str], organization: Organization) -> bool:
    """Whether _scope(user, roles) holds the organization, without another query."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return any(_covers(grant, organization) for grant in _grants(user, roles))


@dataclass(frozen=True)
class OrganizationAbilities:
    """What the user may do on one organization's page."""

    read_roster: bool
    administer: bool


def organization_abilities(*, user: User, organization: Organization) -> OrganizationAbilities:
    return OrganizationAbilities(
        read_roster=_in_scope(user, MEMBER_READING_ROLES, organization),
        administer=_in_scope(user, ADMINISTERING_ROLES, organization),
    )


def organization_is_administered_by(*, user: User, organization: Organization) -> bool:
    """Whether organizations_administered_by(user) holds it: elections, officers, logins."""
    return _in_scope(user, ADMINISTERING_ROLES, organization)


def roles_grantable_by(*, user: User, organization: Organization) -> list[str]:
    """The roles the user may grant (or revoke) on the organization.

    District staff grant any role within their scope; cluster staff any role but district
    staff; nobody else grants anything.
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return list(Role.values)
    grants = _grants(user, ADMINISTERING_ROLES)
    held = {grant.role for grant in grants if _covers(grant, organization)}
    if Role.DISTRICT_STAFF in held:
        return list(Role.values)
    if Role.CLUSTER_STAFF in held:
        return [role for role in Role.values if role != Role.DISTRICT_STAFF]
    return []


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


def members_eligible_for_office(*, user: User, organization: Organization) -> QuerySet:
    """Current members the user may see with an open membership of the organization or of
    anything under it: the people an election or a mid-term change may choose from."""
    from members.models import Membership
    from members.selectors import members_visible_to

    subtree = Organization.objects.subtree_of([organization])
    belongs = Membership.objects.current().filter(member=OuterRef("pk"), organization__in=subtree)
    return members_visible_to(user).current().filter(Exists(belongs))


PICKER_LIMIT = 20


def member_picker_search(*, user: User, organization: Organization, text: str) -> list:
    """The member picker: by name, or by pinyin or initials prefix ("zd" finds 赵丹)."""
    text = text.strip()
    if not text:
        return []
    condition = Q(name__icontains=text)
    latin = text.lower().replace(" ", "")
    if latin.isascii() and latin.isalpha():
        condition |= Q(name_pinyin__startswith=latin) | Q(name_initials__startswith=latin)
    members = members_eligible_for_office(user=user, organization=organization)
    return list(members.filter(condition).order_by("name_pinyin", "pk")[:PICKER_LIMIT])


def organization_role_grants(organization: Organization) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.filter(organization=organization)
        .select_related("user", "granted_by")
        .order_by("role", "user__username")
    )


def coverage_rates(*, organization: Organization, year: int) -> list[dict]:
    """组建率 per new-sector category: organizations established by the end of the year under
    the federation, over the number that should be (its coverage targets for that year)."""
    import datetime

    from federation.models import CoverageTarget, SectorCategory

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
