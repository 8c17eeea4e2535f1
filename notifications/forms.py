from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.widgets import DateInput
from notifications.models import Channel, ConsentMethod


class NoticeForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Send in the name of"), coerce=int)
    audience_organization = forms.TypedChoiceField(
        label=_("To the members of"), coerce=int, required=False, empty_value=None
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.SMS)
    sms_template = forms.TypedChoiceField(
        label=_("SMS template"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text (e-mail)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Variables: {姓名} {市场} {时间}"),
    )
    event_time = forms.CharField(label=_("Time ({时间})"), max_length=40, required=False)
    send_at = forms.DateTimeField(
        label=_("Send at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    quiet_hours_override = forms.BooleanField(
        label=_("Send SMS during the quiet hours (21:00–08:00) anyway"), required=False
    )
    promotional = forms.BooleanField(
        label=_("Promotional notice"),
        required=False,
        help_text=_(
            "Reaches only members who consented to this channel, with the opt-out line. "
            "An SMS is promotional when its template is."
        ),
    )
    wecom_bot = forms.TypedChoiceField(
        label=_("Also post to a WeChat Work group"), coerce=int, required=False, empty_value=None
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, organizations, audience_organizations, templates, bots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations
        self.fields["audience_organization"].choices = [
            ("", _("— as chosen in the directory —")),
            *audience_organizations,
        ]
        self.fields["sms_template"].choices = [("", "—"), *templates]
        self.fields["wecom_bot"].choices = [("", "—"), *bots]

    def clean_send_at(self):
        value = self.cleaned_data.get("send_at")
        if value and value < timezone.now() - timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("This time has passed."))
        return value


RECORD_CONSENT = "consent"
RECORD_OPT_OUT = "opt_out"
# The ways staff hear it, for consent and opt-out alike (OptOutSource spells them the same).
STAFF_METHODS = [
    (ConsentMethod.IN_PERSON.value, pgettext_lazy("consent or opt-out", "In person")),
    (ConsentMethod.PAPER_FORM.value, pgettext_lazy("consent or opt-out", "Signed form")),
    (ConsentMethod.PHONE.value, pgettext_lazy("consent or opt-out", "By phone")),
]


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    record = forms.ChoiceField(
        label=_("Record"),
        choices=[
            (RECORD_CONSENT, _("She gives her consent")),
            (RECORD_OPT_OUT, _("She opts out / withdraws her consent")),
        ],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How"), choices=STAFF_METHODS)
    on = forms.DateField(label=_("On"), widget=DateInput())

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return value
