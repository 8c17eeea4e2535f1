import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from members.picker import NOT_FOUND, MemberField, MemberListField, MemberPickers
from members.validators import normalize_mobile, validate_mobile
from work.models import (
    ActivityKind,
    Certification,
    DeedStatus,
    Donation,
    JobPosting,
)


class MobileField(forms.CharField):
    """A mainland mobile as people type it, stored as its 11 ASCII digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("Mobile"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        number = normalize_mobile(value)
        validate_mobile(number)
        return number


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS; a bot fills every field it finds.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


# A record names any member she may see: one not offered is "not found", not "not eligible"
# (the picker's default, for elections).
PICKED = {"invalid_choice": NOT_FOUND, "invalid_pk_value": NOT_FOUND}


class ActivityForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organizer"))
    kind = forms.ChoiceField(choices=ActivityKind.choices, label=_("Kind"))
    title = forms.CharField(max_length=100, label=_("Title"))
    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    venue_home = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Women's home or micro-home")
    )
    venue_address = forms.CharField(max_length=200, required=False, label=_("Address"))
    capacity = forms.IntegerField(min_value=1, max_value=10000, required=False, label=_("Capacity"))
    certifies = forms.ChoiceField(
        choices=[("", "—"), *Certification.choices],
        required=False,
        label=_("Certifies"),
        help_text=_("A training that qualifies those who attend, e.g. livestream selling."),
    )
    repeat_weekly = forms.IntegerField(
        min_value=1,
        max_value=52,
        initial=1,
        label=_("Weekly occurrences"),
        help_text=_("More than 1 makes a weekly series, e.g. the weekly parent-child market."),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, organizations, homes, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["venue_home"].queryset = homes
        self.fields["description"].label = _("Description")
        if editing:  # a correction is to one occurrence, never a new series
            del self.fields["repeat_weekly"]

    @staticmethod
    def initial_of(activity) -> dict:
        tz = timezone.get_current_timezone()
        starts, ends = activity.starts_at.astimezone(tz), activity.ends_at.astimezone(tz)
        return {
            "organization": activity.organization,
            "kind": activity.kind,
            "title": activity.title,
            "day": starts.date(),
            "start": starts.time(),
            "end": ends.time(),
            "venue_home": activity.venue_home,
            "venue_address": activity.venue_address,
            "capacity": activity.capacity,
            "certifies": activity.certifies,
            "description": activity.description,
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The activity must end after it starts."))
        if not data.get("venue_home") and not data.get("venue_address"):
            self.add_error("venue_address", _("Give a women's home or an address."))
        return data

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        starts = datetime.datetime.combine(data["day"], data["start"], tzinfo=tz)
        ends = datetime.datetime.combine(data["day"], data["end"], tzinfo=tz)
        return starts, ends


class CheckinForm(HoneypotMixin):
    name = forms.CharField(max_length=50, label=_("Name"))
    mobile = MobileField()
    children = forms.IntegerField(
        min_value=0,
        max_value=20,
        initial=0,
        required=False,
        label=_("Children with you"),
    )


class AttendeeAddForm(forms.Form):
    member = forms.IntegerField(min_value=1)
    children = forms.IntegerField(min_value=0, max_value=20, required=False)


class DeedForm(MemberPickers, forms.Form):
    member_fields = ("responsible", "beneficiaries")

    organization = forms.ModelChoiceField(queryset=None, label=_("Organization"))
    title = forms.CharField(max_length=100, label=_("Title"))
    done_on = forms.DateField(label=_("Date"), widget=DateInput())
    responsible = MemberField(
        queryset=None,
        required=False,
        label=_("Responsible executive"),
        error_messages=PICKED,
    )
    beneficiaries = MemberListField(
        queryset=None,
        required=False,
        distinct=True,
        label=_("Beneficiary members"),
        error_messages=PICKED,
    )
    beneficiary_count = forms.IntegerField(
        min_value=0,
        max_value=100000,
        initial=0,
        label=_("Number of beneficiaries"),
        help_text=_("At least the number of beneficiary members named above."),
    )
    status = forms.ChoiceField(choices=DeedStatus.choices, label=_("Status"))
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        label=_("Evidence notes"),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class JobForm(forms.ModelForm):
    class Meta:
        model = JobPosting
        fields = [
            "organization",
            "employer",
            "position",
            "openings",
            "pay_min",
            "pay_max",
            "posted_on",
            "closes_on",
            "contact",
        ]
        widgets = {
            "posted_on": DateInput(),
            "closes_on": DateInput(),
        }

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self):
        data = super().clean()
        low, high = data.get("pay_min"), data.get("pay_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("The lowest pay cannot be above the highest."))
        return data

    def _post_clean(self):
        # The service writes the row; the model's own checks run there.
        pass


class JobFilledForm(forms.Form):
    filled = forms.IntegerField(min_value=0, max_value=100000, label=_("Filled"))


class DonationForm(MemberPickers, forms.ModelForm):
    member_fields = ("recipients",)

    recipients = MemberListField(
        queryset=None,
        required=False,
        distinct=True,
        label=_("Recipient members"),
        error_messages=PICKED,
    )

    class Meta:
        model = Donation
        fields = ["kind", "donor", "organization", "value_yuan", "goods", "given_on", "purpose"]
        widgets = {"given_on": DateInput()}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["value_yuan"].min_value = 0

    def clean_value_yuan(self):
        value = self.cleaned_data["value_yuan"]
        if value is not None and value < 0:
            raise ValidationError(_("A donation's value cannot be negative."))
        return value

    def _post_clean(self):
        pass
