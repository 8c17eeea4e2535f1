"""Forms parse and type what a page sends; the rules live in federation.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from common.parsing import coerce_id, parse_id
from federation.models import (
    EstablishmentMethod,
    OrganizationKind,
    Role,
    SectorCategory,
    SiteRating,
)
from federation.selectors import ORGANIZATION_SORTS, SITE_KINDS, OrganizationQuery


class _RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the roles this user may grant here: anything else is "not a valid choice".
        # No role is preselected, so that nobody becomes district staff by an oversight.
        self.fields["role"].choices = [("", "---------")] + [
            (value, Role(value).label) for value in roles
        ]


class RoleGrantForm(_RoleForm):
    username = forms.CharField(label=_("Username of an existing login"), max_length=150)
    field_order = ["username", "role"]

    def __init__(self, *args, **kwargs):
        # Two forms on one page share field names; their ids must differ.
        kwargs.setdefault("auto_id", "grant_%s")
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no login with this username."))
        return user


class LoginCreateForm(_RoleForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        # Django's own wording, already translated.
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    field_order = ["username", "full_name", "role"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "new_%s")
        super().__init__(*args, **kwargs)


class OrganizationListForm(forms.Form):
    """The organization list's search, filters, sort and page, as carried in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    organization = forms.TypedChoiceField(
        label=_("Within"), required=False, coerce=coerce_id, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("All kinds")),
            (SITE_KINDS, _("Women's homes and micro-homes")),
            *OrganizationKind.choices,
        ],
    )
    category = forms.ChoiceField(
        label=_("New-sector category"),
        required=False,
        choices=[("", _("Any category")), *SectorCategory.choices],
    )
    method = forms.ChoiceField(
        label=_("How it was established"),
        required=False,
        choices=[("", _("Any way")), *EstablishmentMethod.choices, ("none", _("Not recorded"))],
    )
    rating = forms.ChoiceField(
        label=_("Site rating"),
        required=False,
        choices=[("", _("Any rating")), *SiteRating.choices, ("none", _("Not rated"))],
    )
    rated_in = forms.IntegerField(
        label=_("Rated in"), required=False, min_value=1990, max_value=2100
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Existing today")),
            ("dissolved", _("Dissolved")),
            ("all", _("All, dissolved too")),
        ],
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in ORGANIZATION_SORTS], widget=forms.HiddenInput
    )
    # Carried by the links of the yearly statistics (reports), not shown as filters.
    below = forms.BooleanField(required=False, widget=forms.HiddenInput)
    parent = forms.CharField(required=False, max_length=19, widget=forms.HiddenInput)
    on = forms.DateField(required=False, widget=forms.HiddenInput)
    established_by = forms.DateField(required=False, widget=forms.HiddenInput)
    rated_by = forms.IntegerField(
        required=False, min_value=1990, max_value=2100, widget=forms.HiddenInput
    )

    def __init__(self, *args, organizations: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # Only organizations in her scope can be chosen: any other id is a form error.
        self.fields["organization"].choices = [
            ("", _("All organizations in my scope")),
            *organizations,
        ]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name or pinyin"), "autocomplete": "off"}
        )

    def clean_parent(self) -> int | None:
        # Any organization's id, not only those she sees: the list holds only what she may
        # see anyway, and a women's home's statistics count the home under its market,
        # which its manager does not see.
        value = self.cleaned_data["parent"]
        if not value:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(_("Not a valid organization."), code="invalid")
        return number

    def query(self) -> OrganizationQuery:
        data = self.cleaned_data
        return OrganizationQuery(
            q=data.get("q") or "",
            organization=data.get("organization"),
            below=bool(data.get("below")),
            parent=data.get("parent"),
            kind=data.get("kind") or "",
            category=data.get("category") or "",
            method=data.get("method") or "",
            rating=data.get("rating") or "",
            rated_in=data.get("rated_in"),
            status=data.get("status") or "existing",
            sort=data.get("sort") or "name",
            on=data.get("on"),
            established_by=data.get("established_by"),
            rated_by=data.get("rated_by"),
        )
