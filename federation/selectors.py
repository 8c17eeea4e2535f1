"""Reads for organizations, and the one place that decides a user's scope."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from federation.models import (
    ADMINISTERING_ROLES,
    EDITING_ROLES,
    MEMBER_READING_ROLES,
    Office,
    Organization,
    OrganizationKind,
    Role,
    RoleGrant,
)

User = AbstractBaseUser | AnonymousUser


def _grants(user: User, roles: Iterable[str]) -> list[RoleGrant]:
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        RoleGrant.objects.filter(user=user, role__in=list(roles)).select_related("organization")
    )


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
