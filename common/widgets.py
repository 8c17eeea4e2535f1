from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Its value must be ISO (2026-11-29) whatever the language:
    the Chinese locale's 2026/11/29 would leave the picker empty and block the form."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
