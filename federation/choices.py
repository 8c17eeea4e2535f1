"""Option lists for the directory's filter and bulk forms, cached between requests.

The organization tree and the tag list change a few times a year; the directory is opened
all day. Each list is cached under a key made of what decides it (the user's grants, read
per request anyway) and a version that every save of an organization or tag bumps, so an
edit shows at once and a page load costs no query for its option lists.
"""

from django.core.cache import cache

from federation.models import OrganizationKind
from federation.selectors import (
    User,
    organizations_changeable_by,
    organizations_visible_to,
    user_roles,
)

TIMEOUT = 10 * 60
_VERSION_KEYS = {"organizations": "choices-version:organizations", "tags": "choices-version:tags"}
HOME_KINDS = (OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME)


def bump(kind: str) -> None:
    """An organization or tag changed: every cached list of that kind is stale."""
    key = _VERSION_KEYS[kind]
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def _version(kind: str) -> int:
    return cache.get(_VERSION_KEYS[kind], 0)


def _whose(user: User) -> str:
    if user.is_superuser:
        return "superuser"
    return ",".join(
        f"{g.role}:{g.organization_id}"
        for g in sorted(user_roles(user), key=lambda g: (g.role, g.organization_id))
    )


def visible_organization_choices(user: User) -> list[tuple[int, str]]:
    key = f"choices:orgs:{_version('organizations')}:{_whose(user)}"
    return cache.get_or_set(
        key,
        lambda: list(
            organizations_visible_to(user).order_by("path", "name").values_list("pk", "name")
        ),
        TIMEOUT,
    )


def changeable_home_choices(user: User) -> list[tuple[int, str]]:
    key = f"choices:homes:{_version('organizations')}:{_whose(user)}"
    return cache.get_or_set(
        key,
        lambda: list(
            organizations_changeable_by(user)
            .filter(kind__in=HOME_KINDS)
            .order_by("name")
            .values_list("pk", "name")
        ),
        TIMEOUT,
    )


def tag_choices() -> list[tuple[int, str]]:
    from members.models import Tag

    key = f"choices:tags:{_version('tags')}"
    return cache.get_or_set(
        key, lambda: list(Tag.objects.order_by("name").values_list("pk", "name")), TIMEOUT
    )
