"""Masking of personal numbers (PIPL): mobiles and resident ID numbers never leave in clear."""

import re

# A mainland mobile or an 18-character ID number standing on its own (not inside a longer
# run of digits such as a timestamp or a database id).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3})([\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    text = _ID_RE.sub(r"\1********\2*", text)
    return _MOBILE_RE.sub(r"\1****\2", text)


def redact_value(value):
    """Redact strings inside nested JSON-like data (the detail of an access record)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value
