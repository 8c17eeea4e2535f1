"""Forms parse and type what a page sends; the rules live in federation.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from federation.models import Role


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
