import copy

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.parsing import coerce_id
from common.widgets import DateInput
from federation.models import Organization, Position
from markets.models import Shop
from members.models import (
    Education,
    HonorKind,
    Member,
    Occupation,
    PoliticalStatus,
    mask_id_number,
)
from members.selectors import (
    AGE_BANDS,
    MEMBER_FIELDS,
    OFFICE_AGE_BANDS,
    OFFICE_LEVELS,
    SORTS,
    DirectoryQuery,
)
from members.validators import normalize_id_number, normalize_mobile

STATUS_CHOICES = [
    ("current", _("Current members")),
    ("left", _("Members who left")),
    ("all", _("Everyone")),
]
AGE_BAND_LABELS = {
    "under30": _("Under 30"),
    "30s": _("30–39"),
    "40s": _("40–49"),
    "50s": _("50–59"),
    "60plus": _("60 and over"),
}


# How long a pasted mobile or ID number may be before it is normalized.
PASTE_ROOM = {"mobile": 24, "id_number": 32}


def _blank(label):
    return [("", label)]


class _SharedChoices:
    """A form's copy of the field shares the class's list of choices instead of a deep copy:
    the directory's form is built for every search, and Django deep-copies each choice and
    its lazy label (about a third of building it). The tuples are never changed in place; a
    form that needs other choices assigns a new list (DirectoryForm's organizations)."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)  # widget (choices: its own list), validators
        result._choices = copy.copy(self._choices)
        return result


class ChoiceField(_SharedChoices, forms.ChoiceField):
    pass


class TypedChoiceField(_SharedChoices, forms.TypedChoiceField):
    pass


class DirectoryForm(forms.Form):
    """The directory's search, filters, sort and page, as carried in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    organization = TypedChoiceField(
        label=_("Organization"), required=False, coerce=coerce_id, empty_value=None
    )
    occupation = ChoiceField(
        label=_("Occupation"),
        required=False,
        choices=[*_blank(_("All occupations")), *Occupation.choices, ("none", _("Not recorded"))],
    )
    political_status = ChoiceField(
        label=_("Political status"),
        required=False,
        choices=[
            *_blank(_("Any political status")),
            *PoliticalStatus.choices,
            ("none", _("Not recorded")),
        ],
    )
    position = ChoiceField(
        label=_("Office held"),
        required=False,
        choices=[*_blank(_("Any or none")), ("any", _("Any office")), *Position.choices],
    )
    honor = ChoiceField(
        label=_("Honor"), required=False, choices=_blank(_("Any or none")) + HonorKind.choices
    )
    tag = TypedChoiceField(label=_("Tag"), required=False, coerce=coerce_id, empty_value=None)
    status = ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    joined_year = forms.IntegerField(
        label=_("Joined in"), required=False, min_value=1990, max_value=2100
    )
    age_band = ChoiceField(
        label=_("Age"),
        required=False,
        choices=[
            *_blank(_("Any age")),
            *[(key, AGE_BAND_LABELS[key]) for key in AGE_BANDS],
            ("none", _("Birth date not recorded")),
        ],
    )
    not_in = ChoiceField(
        label=_("Not in"),
        required=False,
        choices=[
            *_blank(_("Any place")),
            ("market", _("Not in a market")),
            ("home", _("Not in a women's home or micro-home")),
        ],
    )
    sort = ChoiceField(label=_("Sort"), required=False, choices=[(k, k) for k in SORTS])
    # Carried by the links of the yearly statistics (reports), not shown as filters.
    as_of = forms.DateField(required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(
        required=False, min_value=1990, max_value=2100, widget=forms.HiddenInput
    )
    education = ChoiceField(
        required=False,
        choices=[*_blank(_("Any education")), *Education.choices, ("none", _("Not recorded"))],
        widget=forms.HiddenInput,
    )
    left_year = forms.IntegerField(
        required=False, min_value=1990, max_value=2100, widget=forms.HiddenInput
    )
    honor_year = forms.IntegerField(
        required=False, min_value=1990, max_value=2100, widget=forms.HiddenInput
    )
    office_on = forms.DateField(required=False, widget=forms.HiddenInput)
    office_level = ChoiceField(
        required=False,
        choices=[("", ""), *[(key, key) for key in OFFICE_LEVELS]],
        widget=forms.HiddenInput,
    )
    office_age_band = ChoiceField(
        required=False,
        choices=[("", ""), *[(key, key) for key in OFFICE_AGE_BANDS], ("none", "none")],
        widget=forms.HiddenInput,
    )

    def __init__(
        self, *args, organizations: list[tuple[int, str]], tags: list[tuple[int, str]], **kwargs
    ):
        super().__init__(*args, **kwargs)
        # Only organizations in her scope can be chosen: any other id is a form error.
        self.fields["organization"].choices = [
            ("", _("All organizations in my scope")),
            *organizations,
        ]
        self.fields["tag"].choices = [("", _("Any tag")), *tags]
        self.fields["q"].widget.attrs.update(
            {
                "type": "search",
                "placeholder": _("Name, pinyin (zd), mobile or its last 4 digits"),
                "autocomplete": "off",
                "autofocus": True,
            }
        )

    def query(self) -> DirectoryQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return DirectoryQuery(
            q=data.get("q") or "",
            organization=data.get("organization"),
            occupation=data.get("occupation") or "",
            political_status=data.get("political_status") or "",
            position=data.get("position") or "",
            honor=data.get("honor") or "",
            tag=data.get("tag"),
            status=data.get("status") or "current",
            joined_year=data.get("joined_year"),
            age_band=data.get("age_band") or "",
            sort=data.get("sort") or "name",
            as_of=data.get("as_of"),
            year=data.get("year"),
            education=data.get("education") or "",
            left_year=data.get("left_year"),
            honor_year=data.get("honor_year"),
            office_on=data.get("office_on"),
            office_level=data.get("office_level") or "",
            office_age_band=data.get("office_age_band") or "",
            not_in=data.get("not_in") or "",
        )


class MemberForm(forms.ModelForm):
    """Create or correct a member. Which fields appear follows the editor's role."""

    stall_number = forms.CharField(
        label=_("Stall number"),
        required=False,
        max_length=20,
        help_text=_("Her shop's stall in her market, e.g. A1-023."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Member
        # The shop is chosen by its stall number (below), within her market.
        fields = [name for name in MEMBER_FIELDS if name != "shop"]
        widgets = {
            "birth_date": DateInput(),
            "joined_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(
        self,
        *args,
        allowed: tuple[str, ...],
        market: Organization | None,
        duplicate_check=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # members.services.member_duplicate_lookup bound to the user and request: it decides
        # what she is told about a number already registered, and records it.
        self.duplicate_check = duplicate_check
        self.market = market
        for name in list(self.fields):
            if name in {"version", "stall_number"}:
                continue
            if name not in allowed:
                del self.fields[name]
        if "shop" not in allowed:
            del self.fields["stall_number"]
        elif self.instance.shop_id:
            self.fields["stall_number"].initial = self.instance.shop.stall_number
        if "id_number" in self.fields:
            self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})
        # Numbers are pasted with +86, spaces and dashes: room for those, no silent cut at
        # 11 or 18 characters. They are normalized (clean_*) and then validated whole.
        for name, room in PASTE_ROOM.items():
            if name in self.fields:
                field = self.fields[name]
                field.max_length = room
                field.validators = [
                    v for v in field.validators if not isinstance(v, MaxLengthValidator)
                ]
                field.validators.append(MaxLengthValidator(room))
                field.widget.attrs["maxlength"] = str(room)
        self.fields["version"].initial = self.instance.version
        if self.instance.pk:
            self._mask_numbers()
        self.duplicate = None  # a members.services.DuplicateAnswer

    def _mask_numbers(self) -> None:
        """One rule for full numbers: they appear only through the recorded "显示" on her
        record. The edit form shows them masked; typing a new number replaces the old one,
        leaving the box empty keeps it."""
        masked = {
            "mobile": self.instance.masked_mobile,
            "id_number": mask_id_number(self.instance.id_number),
        }
        for name, shown in masked.items():
            if name not in self.fields or not shown:
                continue
            field = self.fields[name]
            field.required = False
            self.initial[name] = ""
            field.widget.attrs["placeholder"] = shown
            field.help_text = _(
                "Now %(masked)s. Leave empty to keep it; type a new one to change it."
            ) % {"masked": shown}

    def _kept(self, name: str, typed: str) -> str:
        if not typed and self.instance.pk:
            return getattr(self.instance, name)
        return typed

    def clean_mobile(self):
        return self._kept("mobile", normalize_mobile(self.cleaned_data.get("mobile", "")))

    def clean_id_number(self):
        return self._kept("id_number", normalize_id_number(self.cleaned_data.get("id_number", "")))

    def clean_stall_number(self):
        stall = self.cleaned_data.get("stall_number", "").strip().upper()
        if not stall:
            return None
        market = self.market
        shop = Shop.objects.filter(market__federation=market, stall_number=stall).first()
        if shop is None:
            raise forms.ValidationError(
                _("There is no stall %(stall)s in %(market)s."),
                params={"stall": stall, "market": market},
            )
        return shop

    def clean(self):
        cleaned = super().clean()
        if self.duplicate_check is None or not (cleaned.get("mobile") or cleaned.get("id_number")):
            return cleaned
        # The database would refuse a duplicate too; here she learns where she is (named
        # only if she may see her).
        answer = self.duplicate_check(
            mobile=cleaned.get("mobile", ""),
            id_number=cleaned.get("id_number", ""),
            exclude_pk=self.instance.pk,
        )
        if not answer.found:
            return cleaned
        self.duplicate = answer
        if answer.limited:
            message = _(
                "This number is registered elsewhere, and you have looked up too many such "
                "numbers in the last hour. Try again later."
            )
        elif answer.elsewhere:
            message = _("A current member of %(market)s has this number; ask for her transfer.") % {
                "market": answer.market.name if answer.market else _("another organization")
            }
        else:
            message = _("Already registered: see the note above the form.")
        self.add_error(answer.field, message)
        return cleaned

    def _post_clean(self):
        # No model validation here: the services (member_create / member_update) run the
        # model's full_clean on exactly the fields the editor's role may change, and the view
        # puts their errors back next to the fields.
        pass

    def changed_values(self) -> dict:
        values = {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in {"version", "stall_number"}
        }
        if "stall_number" in self.fields:
            values["shop"] = self.cleaned_data.get("stall_number")
        return values


class MemberCreatePlaceForm(forms.Form):
    """Where a new member belongs: her market (within the editor's scope) and optionally a home."""

    market = forms.ModelChoiceField(label=_("Market"), queryset=Organization.objects.none())
    home = forms.ModelChoiceField(
        label=_("Women's home / micro-home"), required=False, queryset=Organization.objects.none()
    )

    def __init__(self, *args, markets, homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = markets
        self.fields["home"].queryset = homes
        if markets.count() == 1:
            self.fields["market"].initial = markets.get()

    def clean(self):
        cleaned = super().clean()
        market, home = cleaned.get("market"), cleaned.get("home")
        if market and home and home.parent_id not in {market.pk, market.parent_id}:
            self.add_error("home", _("This home belongs to another market."))
        return cleaned


class LeaveForm(forms.Form):
    left_on = forms.DateField(
        label=_("Left on"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on > timezone.localdate():
            raise forms.ValidationError(_("The leaving date cannot be in the future."))
        return left_on


class TransferForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("To market"), queryset=Organization.objects.none()
    )
    effective_on = forms.DateField(
        label=_("Moves on"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, markets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = markets


class BulkForm(forms.Form):
    ACTIONS = [
        ("add_tag", _("Add a tag")),
        ("remove_tag", _("Remove a tag")),
        ("assign_home", _("Assign a women's home / micro-home")),
        ("mark_left", _("Mark as left")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    # Which of the fields below each action needs (the page shows only those).
    FIELDS_FOR_ACTION = {
        "add_tag": ("tag",),
        "remove_tag": ("tag",),
        "assign_home": ("home",),
        "mark_left": ("on", "reason"),
    }
    ids = forms.TypedMultipleChoiceField(coerce=coerce_id, required=False, choices=())
    everything = forms.BooleanField(required=False)
    # How many members "everything matching" meant on the page she confirmed it on.
    expected = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=30)
    home = forms.TypedChoiceField(
        label=_("Women's home / micro-home"), required=False, coerce=coerce_id, empty_value=None
    )
    on = forms.DateField(label=_("Left on"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, homes: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].choices = [("", _("Choose a home")), *homes]
        # Any id may be posted; the view intersects them with what the user may change.
        self.fields["ids"].valid_value = lambda value: True

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if not cleaned.get("ids") and not cleaned.get("everything"):
            raise forms.ValidationError(_("Select members first."))
        if cleaned.get("everything") and cleaned.get("expected") is None:
            raise forms.ValidationError(
                _("Reload the list and confirm how many members the action is for.")
            )
        if action in {"add_tag", "remove_tag"} and not cleaned.get("tag"):
            self.add_error("tag", _("Enter a tag."))
        if action == "assign_home" and not cleaned.get("home"):
            self.add_error("home", _("Choose a home."))
        if action == "mark_left" and not cleaned.get("reason"):
            self.add_error("reason", _("Enter the reason."))
        if action in {"assign_home", "mark_left"} and not cleaned.get("on"):
            cleaned["on"] = timezone.localdate()
        if action == "mark_left" and cleaned.get("on") and cleaned["on"] > timezone.localdate():
            self.add_error("on", _("The leaving date cannot be in the future."))
        return cleaned
