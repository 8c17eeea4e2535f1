"""Forms parse and type what a page sends; the rules live in elections.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.parsing import parse_id
from federation.models import Position

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_ELIGIBLE = _("Choose a current member of this organization or of one under it.")


class MemberField(forms.ModelChoiceField):
    """One member, chosen with the member picker (a hidden input in a chip)."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid_choice": NOT_ELIGIBLE}


class MemberListField(forms.ModelMultipleChoiceField):
    """Members in the order chosen. A person chosen twice stays twice, so that the service
    refuses the list instead of the form silently dropping one of them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid_choice": NOT_ELIGIBLE,
        "invalid_pk_value": NOT_ELIGIBLE,
    }

    def clean(self, value):
        # Only ids go to the database: a 30-digit number overflows SQLite's integer (a 500).
        if any(parse_id(pk) is None for pk in value or []):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        by_pk = {str(member.pk): member for member in super().clean(value)}
        return [by_pk[str(pk)] for pk in value or []]


class _MembersForm(forms.Form):
    """A form whose member fields choose among `members` (the picker's queryset)."""

    member_fields: tuple[str, ...] = ()

    def __init__(self, *args, members: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.member_fields:
            self.fields[name].queryset = members


class ElectionForm(_MembersForm):
    member_fields = ("chair", "vice_chairs", "executives")

    number = forms.IntegerField(label=_("Term number"), min_value=1, max_value=32767)
    starts_on = forms.DateField(label=_("Start date of the new term"), widget=DATE_WIDGET)
    chair = MemberField(label=_("Chair"), queryset=None)
    vice_chairs = MemberListField(label=_("Vice-chairs"), queryset=None, required=False)
    executives = MemberListField(
        label=_("Executive-committee members"), queryset=None, required=False
    )


class OfficeAddForm(_MembersForm):
    member_fields = ("member",)

    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    member = MemberField(label=_("Member"), queryset=None)
    starts_on = forms.DateField(label=_("In office from"), widget=DATE_WIDGET)


class OfficeReplaceForm(_MembersForm):
    member_fields = ("member",)

    member = MemberField(label=_("Successor"), queryset=None)
    starts_on = forms.DateField(
        label=_("Change takes effect on"),
        widget=DATE_WIDGET,
        help_text=_("The predecessor's last day in office is the day before."),
    )


class OfficeEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("End date"),
        widget=DATE_WIDGET,
        help_text=_("The first day she no longer holds the office."),
    )
