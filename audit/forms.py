from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AccessKind
from common.widgets import DateInput


class AccessSearchForm(forms.Form):
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    kind = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All events")), *AccessKind.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())
