from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.services import FIRST_YEAR


def year_choices() -> list[tuple[int, str]]:
    return [(year, str(year)) for year in range(timezone.localdate().year, FIRST_YEAR - 1, -1)]


class PickerForm(forms.Form):
    """The organization and year of the statistics page, as carried in the URL."""

    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, organizations: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # Only organizations in her scope can be chosen: any other id is a form error.
        self.fields["organization"].choices = organizations
        self.fields["year"].choices = year_choices()


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
