"""Reads for elections: the logins an election calls for."""

from dataclasses import dataclass

from federation.models import Organization, OrganizationKind, Position, Role, Term
from federation.scope import (
    User,
    organization_role_grants,
    roles_grantable_by,
    roles_revocable_by,
)

# --- Logins after an election ---------------------------------------------------------------

# The role an officer's login has on her organization, by its kind.
OFFICER_LOGIN_ROLE = {
    OrganizationKind.MARKET_FEDERATION: Role.MARKET_CHAIR,
    OrganizationKind.WOMENS_HOME: Role.HOME_MANAGER,
    OrganizationKind.MICRO_HOME: Role.HOME_MANAGER,
    OrganizationKind.SECTOR_ORGANIZATION: Role.HOME_MANAGER,
    OrganizationKind.MARKET_CLUSTER_FEDERATION: Role.CLUSTER_STAFF,
    OrganizationKind.DISTRICT_FEDERATION: Role.DISTRICT_STAFF,
}
LOGIN_POSITIONS = (Position.CHAIR, Position.VICE_CHAIR)


@dataclass
class ElectionLogins:
    """What an election means for the organization's logins.

    Logins are not linked to member records: a login is matched to an officer by the full
    name it was created with, and staff confirm each change."""

    term: Term | None
    role: str | None  # the role an officer's login gets here, if the user may grant it
    outgoing: list  # role grants here whose holder left office with this election
    staying: list  # the other role grants here
    incoming: list  # the new chair and vice-chairs who hold no login here yet


def election_logins(*, user: User, organization: Organization) -> ElectionLogins:
    terms = list(Term.objects.filter(organization=organization).order_by("-number")[:2])
    current = terms[0] if terms and terms[0].ends_on is None else None
    previous = terms[1] if current and len(terms) > 1 else None
    sitting = (
        list(
            current.offices.filter(ends_on__isnull=True, position__in=LOGIN_POSITIONS)
            .select_related("member")
            .order_by("position", "pk")
        )
        if current
        else []
    )
    sitting_names = {office.member.name for office in sitting}
    left_names = (
        {
            office.member.name
            for office in previous.offices.filter(ends_on=current.starts_on).select_related(
                "member"
            )
        }
        - sitting_names
        if previous
        else set()
    )
    grants = [g for g in organization_role_grants(organization) if g.user.is_active]
    revocable = set(roles_revocable_by(user=user, organization=organization))
    outgoing, staying = [], []
    for grant in grants:
        name = grant.user.get_full_name() or grant.user.first_name
        if name in left_names and grant.role in revocable:
            outgoing.append(grant)
        else:
            staying.append(grant)
    with_login = {g.user.get_full_name() or g.user.first_name for g in grants}
    role = OFFICER_LOGIN_ROLE.get(organization.kind)
    if role not in roles_grantable_by(user=user, organization=organization):
        role = None
    incoming = [o for o in sitting if o.member.name not in with_login] if role else []
    return ElectionLogins(current, role, outgoing, staying, incoming)
