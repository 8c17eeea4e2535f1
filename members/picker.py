"""The member picker: find members by name, pinyin or initials and choose them as chips.

Used by every form that names members (an election's officers, an office's holder, a practical
deed's responsible executive and beneficiaries, a donation's recipients). A picker searches the
current members the user may see, either all of them or those of one organization's subtree
(`organization_pk`); the form that receives the choice checks it again against its own queryset.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from audit.services import get_visible_or_404
from common.htmx import fragment_or_page, wants_fragment
from common.parsing import id_or_400, parse_id, parse_ids
from federation import scope
from federation.models import Organization
from federation.scope import User
from members.models import Member, Membership
from members.selectors import members_visible_to

PICKER_LIMIT = 20
NOT_ELIGIBLE = _("Choose a current member of this organization or of one under it.")
NOT_FOUND = _("Choose a member found by the search.")


# --- Reads ------------------------------------------------------------------------------------


def current_members_under(*, user: User, organization: Organization) -> QuerySet[Member]:
    """Current members the user may see with an open membership of the organization or of
    anything under it: the people an election or a mid-term change may choose from."""
    subtree = Organization.objects.subtree_of([organization])
    belongs = Membership.objects.current().filter(member=OuterRef("pk"), organization__in=subtree)
    return members_visible_to(user).current().filter(Exists(belongs))


def _pool(user: User, organization: Organization | None) -> QuerySet[Member]:
    if organization is None:
        return members_visible_to(user).current()
    return current_members_under(user=user, organization=organization)


def picker_search(
    *, user: User, text: str, organization: Organization | None = None
) -> list[Member]:
    """By name, or by pinyin or initials prefix ("zd" finds 赵丹); at most PICKER_LIMIT."""
    text = text.strip()
    if not text:
        return []
    condition = Q(name__icontains=text)
    latin = text.lower().replace(" ", "")
    if latin.isascii() and latin.isalpha():
        condition |= Q(name_pinyin__startswith=latin) | Q(name_initials__startswith=latin)
    members = _pool(user, organization).filter(condition)
    return list(members.order_by("name_pinyin", "pk")[:PICKER_LIMIT])


# --- Form fields ------------------------------------------------------------------------------


class MemberField(forms.ModelChoiceField):
    """One member, chosen with the member picker (a hidden input in a chip)."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid_choice": NOT_ELIGIBLE}

    def clean(self, value):
        # Only ids go to the database: "²" or a 30-digit number would fail there (a 500).
        if value not in self.empty_values and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class MemberListField(forms.ModelMultipleChoiceField):
    """Members in the order chosen. A person chosen twice stays twice, so that the service
    refuses the list instead of the form silently dropping one of them, unless the field is
    `distinct`: then the form refuses it."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid_choice": NOT_ELIGIBLE,
        "invalid_pk_value": NOT_ELIGIBLE,
        "twice": _("A member is named twice."),
    }

    def __init__(self, *args, distinct: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.distinct = distinct

    def clean(self, value):
        if any(parse_id(pk) is None for pk in value or []):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if self.distinct and len(set(map(str, value or []))) != len(value or []):
            raise ValidationError(self.error_messages["twice"], code="twice")
        by_pk = {str(member.pk): member for member in super().clean(value)}
        return [by_pk[str(pk)] for pk in value or []]


# The names of every picker field of every form: a chip's hidden input takes only one of them.
PICKER_FIELDS: set[str] = set()


class MemberPickers:
    """Mixed into a form whose picker fields (`member_fields`) choose among `members`."""

    member_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        PICKER_FIELDS.update(cls.member_fields)

    def __init__(self, *args, members: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        for name in self.member_fields:
            self.fields[name].queryset = members

    def is_single(self, name: str) -> bool:
        """A picker that holds one person: a new choice replaces the chip."""
        return not isinstance(self.fields[name], forms.ModelMultipleChoiceField)

    def chosen(self) -> dict[str, list[Member]]:
        """The members already chosen in each picker, to show again as chips (after an error,
        or a record's current choice when correcting it)."""
        chosen: dict[str, list[Member]] = {}
        for name in self.member_fields:
            value = self[name].value() or []
            values = value if isinstance(value, (list, tuple)) else [value]
            ids = parse_ids(getattr(item, "pk", item) for item in values)
            by_pk = self.members.in_bulk(ids)
            chosen[name] = [by_pk[pk] for pk in ids if pk in by_pk]
        return chosen


class MembersForm(MemberPickers, forms.Form):
    pass


# --- Views ------------------------------------------------------------------------------------


def _field(request: HttpRequest) -> str:
    field = request.GET.get("field", "member")
    return field if field in PICKER_FIELDS else "member"


def _organization(request: HttpRequest, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    return get_visible_or_404(request, scope.organizations_visible_to(request.user), pk=pk)


@require_GET
def member_search(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Current members (of the organization's subtree, if one is named) whom the user may
    see, with masked mobiles."""
    organization = _organization(request, pk)
    query = request.GET.get("q", "")[:50]
    context = {
        "organization": organization,
        "field": _field(request),
        "single": request.GET.get("single") == "1",
        "q": query,
        "results": picker_search(user=request.user, organization=organization, text=query),
    }
    return fragment_or_page(request, "members/member_picker.html", "results", context)


@require_GET
def member_chip(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """One chosen member as a chip holding her hidden input (appended by the picker)."""
    organization = _organization(request, pk)
    member_id = id_or_400(request.GET.get("member", ""))
    member = get_object_or_404(_pool(request.user, organization), pk=member_id)
    context = {
        "organization": organization,
        "field": _field(request),
        "member": member,
        # Clears the search results once she is chosen (an out-of-band swap).
        "oob": True,
    }
    if wants_fragment(request):
        return render(request, "members/member_picker.html#chip", context)
    return render(request, "members/member_picker.html", {**context, "results": [member]})


@require_GET
def member_chip_remove(request: HttpRequest) -> HttpResponse:
    # htmx swaps the chip for this empty answer, which removes it: no script needed. The
    # address means nothing outside the picker, so a browser opening it gets a plain 400.
    if not wants_fragment(request):
        return HttpResponse(status=400)
    return HttpResponse("")
