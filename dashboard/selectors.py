"""The headline figures of the dashboard, within the user's scope."""

from django.db.models import Count

from federation.models import Office, OrganizationKind, Role
from federation.scope import (
    MEMBER_READING_ROLES,
    User,
    has_member_access,
    organizations_visible_to,
    user_roles,
)
from members.selectors import current_member_count

ABOVE_MARKETS = {
    OrganizationKind.CITY_FEDERATION,
    OrganizationKind.DISTRICT_FEDERATION,
    OrganizationKind.MARKET_CLUSTER_FEDERATION,
}
EVERY_TILE = (
    "members",
    "markets",
    "womens_homes",
    "micro_homes",
    "sector_organizations",
    "officers",
)


def dashboard_tiles(user: User) -> tuple[str, ...]:
    """Which headline figures concern the user: each role sees its own work. A counsellor
    reads no roster, so no figure; a home manager her home's members, not 0 markets beside
    38; a market chair her market's members, homes and officers; staff and viewers above the
    markets everything."""
    if not has_member_access(user):
        return ()
    if user.is_superuser:
        return EVERY_TILE
    kinds = {g.organization.kind for g in user_roles(user) if g.role in MEMBER_READING_ROLES}
    if kinds & ABOVE_MARKETS:
        return EVERY_TILE
    if OrganizationKind.MARKET_FEDERATION in kinds:
        return ("members", "womens_homes", "micro_homes", "officers")
    return ("members",)


def dashboard_homes(user: User) -> list:
    """The homes a home manager runs: her dashboard links to their members."""
    return [g.organization for g in user_roles(user) if g.role == Role.HOME_MANAGER]


def dashboard_counts(user: User) -> dict[str, int]:
    """The headline figures, computed from the data within the user's scope."""
    if not has_member_access(user):
        return {}
    visible = organizations_visible_to(user)
    by_kind = dict(
        visible.active().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return {
        "members": current_member_count(user),
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
