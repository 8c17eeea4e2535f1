import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from counselling.models import ServiceKind, Topic
from members.validators import normalize_mobile, validate_mobile


def _slot_label(slot) -> str:
    starts, ends = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{slot.service.name} · {starts:%m-%d %H:%M}–{ends:%H:%M}"


class IntakeForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=None,
        label=_("What would you like help with?"),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    slot = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("When may we call you back?"),
        empty_label=_("Any time in the next two days"),
    )
    form_of_address = forms.CharField(
        max_length=30,
        label=_("How should we address you?"),
        help_text=_("A surname or a nickname is enough, e.g. 王姐."),
    )
    mobile = forms.CharField(max_length=30, label=_("Mobile for the call-back"))
    topic = forms.ChoiceField(
        choices=[("", _("I'd rather say on the phone")), *Topic.choices],
        required=False,
        label=_("Topic (optional)"),
    )
    words = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("A few words (optional)"),
    )
    consent = forms.BooleanField(
        required=True,
        label=_(
            "I agree that the counsellors of the women's federation keep what I wrote and "
            "call me back, as described above."
        ),
        error_messages={"required": _("Please read and accept the confidentiality terms.")},
    )
    website = forms.CharField(
        required=False,
        max_length=200,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, services, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = _slot_label
        self.fields["mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean_mobile(self):
        number = normalize_mobile(self.cleaned_data["mobile"])
        validate_mobile(number)
        return number

    def clean(self):
        data = super().clean()
        slot, service = data.get("slot"), data.get("service")
        if slot is not None and service is not None and slot.service_id != service.pk:
            self.add_error("slot", _("This time belongs to another service; please choose again."))
        return data

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class AssignForm(forms.Form):
    counsellor = forms.ModelChoiceField(queryset=None, label=_("Counsellor"))

    def __init__(self, *args, counsellors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].queryset = counsellors


class CloseForm(forms.Form):
    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Closing note (only you can read it)"),
    )


class ServiceForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Run by"))
    name = forms.CharField(max_length=50, label=_("Name"))
    kind = forms.ChoiceField(choices=ServiceKind.choices, label=_("Kind"))
    description = forms.CharField(max_length=200, required=False, label=_("Description"))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class SlotForm(forms.Form):
    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    counsellors = forms.ModelMultipleChoiceField(
        queryset=None, label=_("On duty"), widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(min_value=1, max_value=50, initial=4, label=_("Call-backs"))

    def __init__(self, *args, services, counsellors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["counsellors"].queryset = counsellors

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The slot must end after it starts."))
        return data

    def moments(self):
        tz = timezone.get_current_timezone()
        data = self.cleaned_data
        return (
            datetime.datetime.combine(data["day"], data["start"], tzinfo=tz),
            datetime.datetime.combine(data["day"], data["end"], tzinfo=tz),
        )
