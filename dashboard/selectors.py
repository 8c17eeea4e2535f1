"""The headline figures of the dashboard, within the user's scope."""

from django.db.models import Count

from federation.models import Office, OrganizationKind
from federation.scope import User, organizations_visible_to
from members.selectors import current_member_count


def dashboard_counts(user: User) -> dict[str, int]:
    """The headline figures, computed from the data within the user's scope."""
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
