"""The one authority on what a login may do: her role grants, read once per request.

Every other module asks here, through the functions below; none of them reads RoleGrant
itself. A grant's scope is its organization and everything under it. Pages use these answers
to show or hide a button; services use the same answers to refuse (PermissionDenied), so that
the admin, a management command and a Celery task get the answer a page gets.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from federation.models import (
    ADMINISTERING_ROLES,
    EDITING_ROLES,
    MEMBER_READING_ROLES,
    Organization,
    OrganizationKind,
    Role,
    RoleGrant,
)

User = AbstractBaseUser | AnonymousUser


def _is_superuser(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _grants(user: User, roles: Iterable[str]) -> list[RoleGrant]:
    if not user.is_authenticated or not user.is_active:
        return []
    # One query per request: every scope question of a page reuses the user's grants.
    cached = getattr(user, "_role_grants", None)
    if cached is None:
        # Sorted here rather than by the database: RoleGrant's default order (by user, role)
        # costs the ORM about half a millisecond to resolve, on every request.
        cached = sorted(
            RoleGrant.objects.filter(user=user).select_related("organization").order_by(),
            key=lambda grant: (grant.role, grant.pk),
        )
        user._role_grants = cached
    wanted = set(roles)
    return [grant for grant in cached if grant.role in wanted]


def forget_grants(user: User) -> None:
    """After her grants changed in this request (a service granted or revoked a role)."""
    if hasattr(user, "_role_grants"):
        del user._role_grants


def _scope(user: User, roles: Iterable[str]) -> QuerySet[Organization]:
    if _is_superuser(user):
        return Organization.objects.all()
    roots = [grant.organization for grant in _grants(user, roles)]
    if not roots:
        return Organization.objects.none()
    return Organization.objects.subtree_of(roots)


def _covers(grant: RoleGrant, organization: Organization) -> bool:
    # The same test as OrganizationQuerySet.subtree_of, on a grant already loaded.
    return grant.organization_id == organization.pk or organization.path.startswith(
        grant.organization.descendant_path_prefix
    )


def _in_scope(user: User, roles: Iterable[str], organization: Organization) -> bool:
    """Whether _scope(user, roles) holds the organization, without another query."""
    if _is_superuser(user):
        return True
    return any(_covers(grant, organization) for grant in _grants(user, roles))


# --- Organizations a user may see, change, administer -------------------------------------


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


def _roots(user: User, roles: Iterable[str]) -> list[Organization] | None:
    """The tops of the subtrees her grants cover (None: everything, a superuser), with
    nested grants folded into the outer one."""
    if _is_superuser(user):
        return None
    by_prefix = {
        g.organization.descendant_path_prefix: g.organization for g in _grants(user, roles)
    }
    kept: dict[str, Organization] = {}
    for prefix in sorted(by_prefix):  # sorted: an outer prefix comes before the ones it covers
        if not any(prefix.startswith(outer) for outer in kept):
            kept[prefix] = by_prefix[prefix]
    return list(kept.values())


def member_reading_roots(user: User) -> list[Organization] | None:
    """The tops of the subtrees whose members she may read (None: all of them)."""
    return _roots(user, MEMBER_READING_ROLES)


def member_changing_roots(user: User) -> list[Organization] | None:
    """The tops of the subtrees whose members she may change (None: all of them)."""
    return _roots(user, EDITING_ROLES)


def member_access_roots(user: User) -> list[Organization]:
    """The tops of the subtrees whose rosters she reads (organizations_with_member_access),
    a grant under another grant left out: read from the cached grants, no query."""
    roots = [grant.organization for grant in _grants(user, MEMBER_READING_ROLES)]
    return [
        org
        for org in {org.pk: org for org in roots}.values()
        if not any(
            other.pk != org.pk and org.path.startswith(other.descendant_path_prefix)
            for other in roots
        )
    ]


def may_see(user: User, organization: Organization) -> bool:
    return _in_scope(user, Role.values, organization)


def may_read_members_of(user: User, organization: Organization) -> bool:
    return _in_scope(user, MEMBER_READING_ROLES, organization)


def may_change_members_of(user: User, organization: Organization) -> bool:
    return _in_scope(user, EDITING_ROLES, organization)


def may_administer(user: User, organization: Organization) -> bool:
    """Elections, officers and logins of the organization."""
    return _in_scope(user, ADMINISTERING_ROLES, organization)


def require(allowed: bool) -> None:
    """For services: refuse before anything is read or written."""
    if not allowed:
        raise PermissionDenied


# --- What a user may do at all ---------------------------------------------------------------


def has_editing_role(user: User) -> bool:
    """Whether the user may change anything at all (answered from the cached grants)."""
    return _is_superuser(user) or bool(_grants(user, EDITING_ROLES))


def has_member_access(user: User) -> bool:
    """Whether the user reads any roster (a counsellor does not)."""
    return _is_superuser(user) or bool(_grants(user, MEMBER_READING_ROLES))


def can_see_id_numbers(user: User) -> bool:
    """ID numbers are for district and cluster staff; chairs and viewers never see them."""
    return _is_superuser(user) or bool(_grants(user, ADMINISTERING_ROLES))


def can_read_access_log(user: User) -> bool:
    return _is_superuser(user) or bool(_grants(user, {Role.DISTRICT_STAFF}))


def can_handle_personal_data(user: User) -> bool:
    """PIPL requests (hand over everything held about her, erase her data): district staff."""
    return _is_superuser(user) or bool(_grants(user, {Role.DISTRICT_STAFF}))


def needs_second_factor(user: User) -> bool:
    """District staff hold the whole district's data: the rule accounts asks about."""
    return bool(_grants(user, {Role.DISTRICT_STAFF}))


def user_roles(user: User) -> list[RoleGrant]:
    return _grants(user, Role.values)


def grants_key(user: User) -> str:
    """What decides this user's scope, as a cache key: equal keys, equal answers."""
    if _is_superuser(user):
        return "superuser"
    return ",".join(
        f"{g.role}:{g.organization_id}"
        for g in sorted(_grants(user, Role.values), key=lambda g: (g.role, g.organization_id))
    )


# --- One organization -------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationAbilities:
    """What the user may do on one organization's page."""

    read_roster: bool  # members, and officers by name
    administer: bool  # elections, officers, logins
    print_poster: bool = False  # the counselling poster (娘家有约) of a market or home


def organization_abilities(*, user: User, organization: Organization) -> OrganizationAbilities:
    return OrganizationAbilities(
        read_roster=may_read_members_of(user, organization),
        administer=may_administer(user, organization),
        print_poster=organization.kind in POSTER_KINDS and may_print_poster_for(user, organization),
    )


# Which roles make sense on which kind of organization: district staff work for a district
# federation, a market chair for a market federation, a home manager for a home.
ROLES_FOR_KIND: dict[str, frozenset[str]] = {
    OrganizationKind.CITY_FEDERATION: frozenset({Role.VIEWER}),
    OrganizationKind.DISTRICT_FEDERATION: frozenset(
        {Role.DISTRICT_STAFF, Role.COUNSELLOR, Role.VIEWER}
    ),
    OrganizationKind.MARKET_CLUSTER_FEDERATION: frozenset(
        {Role.CLUSTER_STAFF, Role.COUNSELLOR, Role.VIEWER}
    ),
    OrganizationKind.MARKET_FEDERATION: frozenset({Role.MARKET_CHAIR, Role.VIEWER}),
    OrganizationKind.WOMENS_HOME: frozenset({Role.HOME_MANAGER}),
    OrganizationKind.MICRO_HOME: frozenset({Role.HOME_MANAGER}),
    OrganizationKind.SECTOR_ORGANIZATION: frozenset({Role.HOME_MANAGER, Role.VIEWER}),
}


def _roles_held_over(user: User, organization: Organization) -> set[str]:
    return {g.role for g in _grants(user, ADMINISTERING_ROLES) if _covers(g, organization)}


def _roles_administrable_by(user: User, organization: Organization) -> list[str]:
    """District staff manage any role within their scope; cluster staff any role but
    district staff; nobody else manages roles."""
    if _is_superuser(user):
        return list(Role.values)
    held = _roles_held_over(user, organization)
    if Role.DISTRICT_STAFF in held:
        return list(Role.values)
    if Role.CLUSTER_STAFF in held:
        return [role for role in Role.values if role != Role.DISTRICT_STAFF]
    return []


def roles_grantable_by(*, user: User, organization: Organization) -> list[str]:
    """The roles the user may grant on the organization: those she manages there that fit
    its kind (no district staff on a market)."""
    fitting = ROLES_FOR_KIND.get(organization.kind, frozenset())
    return [role for role in _roles_administrable_by(user, organization) if role in fitting]


def roles_revocable_by(*, user: User, organization: Organization) -> list[str]:
    """The roles she may revoke there: any she manages, fitting or not (a grant made before
    the rule must still be removable)."""
    return _roles_administrable_by(user, organization)


@dataclass(frozen=True)
class LoginAbilities:
    deactivate: bool
    reset_password: bool


def login_abilities(*, user: User, login: AbstractBaseUser) -> LoginAbilities:
    """Whether `user` may deactivate `login` or give it a temporary password: she manages
    every role the login holds (so cluster staff cannot lock out district staff), and it is
    not her own login. A login with no role, or a superuser, is for superusers only."""
    if not user.is_authenticated or user.pk == login.pk or not login.is_active:
        return LoginAbilities(False, False)
    if _is_superuser(user):
        return LoginAbilities(True, True)
    if login.is_superuser:
        return LoginAbilities(False, False)
    grants = list(RoleGrant.objects.filter(user=login).select_related("organization"))
    allowed = bool(grants) and all(
        g.role in _roles_administrable_by(user, g.organization) for g in grants
    )
    return LoginAbilities(allowed, allowed)


def organization_role_grants(organization: Organization) -> QuerySet[RoleGrant]:
    """The logins holding a role on this organization (its logins page)."""
    return (
        RoleGrant.objects.filter(organization=organization)
        .select_related("user", "granted_by")
        .order_by("role", "user__username")
    )


def role_grant_exists(*, user: AbstractBaseUser, role: str, organization: Organization) -> bool:
    return RoleGrant.objects.filter(user=user, role=role, organization=organization).exists()


def administering_grant_ids(user: AbstractBaseUser, *, for_update: bool = False) -> list[int]:
    grants = RoleGrant.objects.filter(user=user, role__in=ADMINISTERING_ROLES)
    if for_update:
        grants = grants.select_for_update()
    return list(grants.values_list("pk", flat=True))


HOME_KINDS = frozenset({OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME})
# Where a counselling poster hangs: markets, homes, new-sector organizations.
POSTER_KINDS = HOME_KINDS | {
    OrganizationKind.MARKET_FEDERATION,
    OrganizationKind.SECTOR_ORGANIZATION,
}


# --- The federation's work (activities, deeds, jobs, donations) and counselling -----------

# Counselling requests are sensitive: the counsellors and the district's administrators read
# them, nobody else (not chairs, not cluster staff, not viewers).
COUNSELLING_ROLES = frozenset({Role.COUNSELLOR, Role.DISTRICT_STAFF})


def organizations_with_work_access(user: User) -> QuerySet[Organization]:
    """Organizations whose activities, deeds, jobs and donations the user may read."""
    return _scope(user, MEMBER_READING_ROLES)


def may_read_work_of(user: User, organization: Organization) -> bool:
    return _in_scope(user, MEMBER_READING_ROLES, organization)


def may_record_work_of(user: User, organization: Organization) -> bool:
    """Create activities, record attendance, deeds, jobs and donations of the organization."""
    return _in_scope(user, EDITING_ROLES, organization)


def organizations_with_counselling_access(user: User) -> QuerySet[Organization]:
    """Organizations whose counselling requests the user may read."""
    return _scope(user, COUNSELLING_ROLES)


def has_counselling_access(user: User) -> bool:
    return _is_superuser(user) or bool(_grants(user, COUNSELLING_ROLES))


def is_counsellor(user: User) -> bool:
    return bool(_grants(user, {Role.COUNSELLOR}))


def may_read_counselling_of(user: User, organization: Organization) -> bool:
    return _in_scope(user, COUNSELLING_ROLES, organization)


def may_manage_counselling(user: User) -> bool:
    """Services, duty rosters and assigning requests: the district's administrators."""
    return _is_superuser(user) or bool(_grants(user, {Role.DISTRICT_STAFF}))


def may_print_poster_for(user: User, organization: Organization) -> bool:
    """The counselling poster of a market or home: whoever records its work (no content)."""
    return _in_scope(user, EDITING_ROLES, organization)


def counsellors_covering(organization: Organization) -> QuerySet:
    """Active logins with the counsellor role over the organization (to assign a request)."""
    ancestors = [int(pk) for pk in organization.path.strip("/").split("/") if pk]
    grants = RoleGrant.objects.filter(
        role=Role.COUNSELLOR, organization_id__in=[*ancestors, organization.pk]
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .order_by("username")
    )


def is_counsellor_for(user: User, organization: Organization) -> bool:
    return _in_scope(user, {Role.COUNSELLOR}, organization)


def counsellors_within(user: User) -> QuerySet:
    """Active logins with the counsellor role inside the user's scope (the duty roster)."""
    grants = RoleGrant.objects.filter(
        role=Role.COUNSELLOR, organization__in=organizations_visible_to(user)
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .order_by("username")
    )
