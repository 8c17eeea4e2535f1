"""Parsing what a request carries, in one place.

Ids: ASCII digits only. `str.isdigit()` and `int()` accept "²", "١٢" or full-width digits, which
the ORM then refuses with a 500; a number beyond a bigint overflows the database. Here such a
value is simply not an id: views answer 400 or 404, forms a validation error.

Control characters: PostgreSQL refuses NUL in text, and no field of ours means any C0 control
but tab and line breaks; requests carrying them are refused at the edge
(config.middleware.RefuseControlCharactersMiddleware).
"""

import re
from collections.abc import Iterable

from django.core.exceptions import BadRequest

MAX_ID = 2**63 - 1  # PostgreSQL bigint
_ID = re.compile(r"[0-9]{1,19}")
# C0 controls except tab, line feed and carriage return (a textarea sends those), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_id(value: object) -> int | None:
    """A positive database id written in ASCII digits, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The values that are ids, in order; the others are left out."""
    return [number for number in map(parse_id, values) if number is not None]


def id_or_400(value: object) -> int:
    """An id a request must carry: anything else is a bad request (400)."""
    number = parse_id(value)
    if number is None:
        raise BadRequest("not an id")
    return number


def coerce_id(value: object) -> int:
    """For TypedChoiceField(coerce=…): ValueError becomes the field's 'invalid choice'."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))
