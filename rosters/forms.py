from django import forms
from django.utils.translation import gettext_lazy as _

from rosters.parsing import FIELD_LABELS, FIELDS
from rosters.reading import MAX_BYTES


class UploadForm(forms.Form):
    market = forms.TypedChoiceField(label=_("Market"), coerce=int)
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))

    def __init__(self, *args, markets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].choices = [(m.pk, m.name) for m in markets]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB.") % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def field_choices():
    return [("", _("(not imported)")), *((name, FIELD_LABELS[name]) for name in FIELDS)]


class CommitForm(forms.Form):
    mark_left = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    request_transfers = forms.BooleanField(required=False)

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mark_left"].choices = [(m["m"], m["name"]) for m in missing]


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])
    id_numbers = forms.BooleanField(required=False)
    everything = forms.BooleanField(required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: True
