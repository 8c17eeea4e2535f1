"""Option lists of organizations for the directory's filter and bulk forms, cached.

The organization tree changes a few times a year; the directory is opened all day. Each
list is cached under a key made of what decides it (the user's grants, read per request
anyway) and a version that every save of an organization bumps (federation.apps), so an
edit shows at once and a page load costs no query for its option lists.
"""

from common import cache
from federation.scope import (
    HOME_KINDS,
    User,
    grants_key,
    organizations_changeable_by,
    organizations_visible_to,
)


def visible_organization_choices(user: User) -> list[tuple[int, str]]:
    return cache.cached(
        "organizations",
        f"visible:{grants_key(user)}",
        lambda: list(
            organizations_visible_to(user)
            .order_by("path", "kind", "sort_name", "name")
            .values_list("pk", "name")
        ),
    )


def changeable_home_choices(user: User) -> list[tuple[int, str]]:
    return cache.cached(
        "organizations",
        f"homes:{grants_key(user)}",
        lambda: list(
            organizations_changeable_by(user)
            .filter(kind__in=HOME_KINDS)
            .order_by("sort_name", "name")
            .values_list("pk", "name")
        ),
    )
