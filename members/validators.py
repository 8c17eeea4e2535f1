"""Validation of mainland mobile numbers and resident ID numbers (GB 11643-1999)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


# Full-width digits, plus, minus and X (typed with a Chinese input method) as ASCII. Only
# these: other "digits" (², ٣) stay as they are and fail validation.
_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "－": "-", "Ｘ": "X", "ｘ": "x"}
)
# What people put between the digits of a number they paste: spaces (also the full-width
# and no-break ones), dashes, dots, brackets.
_SEPARATORS = re.compile(r"[\s\u3000\u00a0\-‐‑–—.·()（）]")


def normalize_mobile(value: str) -> str:
    """A mobile as people paste it (+86 139 0733 1234, 139-0733-1234, full-width digits)
    as its 11 digits. Anything that is not a mobile comes back without separators and
    fails validate_mobile."""
    digits = _SEPARATORS.sub("", (value or "").translate(_FULL_WIDTH))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86") and MOBILE_RE.fullmatch(digits[2:]):
        digits = digits[2:]
    return digits


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Enter a valid 11-digit mainland mobile number, such as 13812345678."),
            code="invalid_mobile",
        )


def normalize_id_number(value: str) -> str:
    """An ID number as people paste it (with spaces, full-width digits, a lowercase x)."""
    return _SEPARATORS.sub("", (value or "").translate(_FULL_WIDTH)).upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def id_number_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_number_sex(value: str) -> str:
    """'female' or 'male', from the parity of the 17th digit."""
    return "male" if int(value[16]) % 2 else "female"


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(value)},
        )
    if not ID_NUMBER_RE.fullmatch(value):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="id_format",
        )
    birth_date = id_number_birth_date(value)
    if birth_date is None or not (datetime.date(1900, 1, 1) <= birth_date <= datetime.date.today()):
        raise ValidationError(
            _("The birth date in this ID number (characters 7–14) is not a real date."),
            code="id_birth_date",
        )
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please check it for a typo."),
            code="id_checksum",
        )
