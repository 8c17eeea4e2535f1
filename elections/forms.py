"""Forms parse and type what a page sends; the rules live in elections.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from federation.models import Position
from members.picker import MemberField, MemberListField, MembersForm

DATE_WIDGET = DateInput()


class ElectionForm(MembersForm):
    member_fields = ("chair", "vice_chairs", "executives")

    number = forms.IntegerField(label=_("Term number"), min_value=1, max_value=32767)
    starts_on = forms.DateField(label=_("Start date of the new term"), widget=DATE_WIDGET)
    chair = MemberField(label=_("Chair"), queryset=None)
    vice_chairs = MemberListField(label=_("Vice-chairs"), queryset=None, required=False)
    executives = MemberListField(
        label=_("Executive-committee members"), queryset=None, required=False
    )


class OfficeAddForm(MembersForm):
    member_fields = ("member",)

    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    member = MemberField(label=_("Member"), queryset=None)
    starts_on = forms.DateField(label=_("In office from"), widget=DATE_WIDGET)


class OfficeReplaceForm(MembersForm):
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
