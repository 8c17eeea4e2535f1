"""Reads for elections: whom the member picker may offer."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from federation.models import Organization
from federation.scope import User
from members.models import Member, Membership
from members.selectors import members_visible_to


def members_eligible_for_office(*, user: User, organization: Organization) -> QuerySet[Member]:
    """Current members the user may see with an open membership of the organization or of
    anything under it: the people an election or a mid-term change may choose from."""
    subtree = Organization.objects.subtree_of([organization])
    belongs = Membership.objects.current().filter(member=OuterRef("pk"), organization__in=subtree)
    return members_visible_to(user).current().filter(Exists(belongs))


PICKER_LIMIT = 20


def member_picker_search(*, user: User, organization: Organization, text: str) -> list[Member]:
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
