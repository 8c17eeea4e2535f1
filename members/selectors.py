"""Reads for members. Every list, page and export starts from members_visible_to()."""

from django.db.models import Exists, OuterRef, QuerySet

from federation.selectors import User, organizations_with_member_access
from members import crypto
from members.models import Member, Membership


def members_visible_to(user: User) -> QuerySet[Member]:
    """Members (current or past) whose current or last membership lies in the user's scope."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Member.objects.all()
    scope = organizations_with_member_access(user)
    in_scope = Membership.objects.filter(member=OuterRef("pk"), organization__in=scope)
    # A member who left is still seen by the federation she left; a member who moved away
    # is seen by her new market only (her open membership), not by the one she left.
    return Member.objects.filter(
        Exists(in_scope.filter(ends_on__isnull=True))
        | (
            Exists(in_scope)
            & ~Exists(Membership.objects.filter(member=OuterRef("pk"), ends_on__isnull=True))
        )
    )


def members_matching_id_number(members: QuerySet[Member], text: str) -> QuerySet[Member]:
    """Exact ID number, or its last four characters, through the keyed digests."""
    value = text.strip().upper()
    if len(value) == 18:
        return members.filter(id_number_digest=crypto.full_digest(value))
    if len(value) == crypto.TAIL_LENGTH:
        return members.filter(id_number_tail_digest=crypto.tail_digest(value))
    return members.none()
