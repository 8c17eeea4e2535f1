"""Masking of personal numbers (PIPL): mobiles and resident ID numbers never leave in clear."""

import re

# A mainland mobile or an 18-character ID number standing on its own (not inside a longer
# run of digits such as a timestamp or a database id).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3})([\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


# The same numbers as people paste them: +86 in front, spaces or dashes between the digits,
# full-width digits. Dots are not separators here, or an IP address could be taken for one.
_DIGIT = "[0-9\uff10-\uff19]"
# In URLs (request logs) a space is "+" or "%20", a dash "%2D", a plus "%2B".
_GAP = "(?:[ \t\u3000\u00a0\\-\u2010\u2011\u2013\u2014\uff0d+]|%20|%2[dD])?"
_PASTED_MOBILE_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?:(?:\+|%2[bB]|\uff0b|00)?(?:86|\uff18\uff16){_GAP})?"
    rf"[1\uff11]{_GAP}[3-9\uff13-\uff19](?:{_GAP}{_DIGIT}){{9}}(?![0-9\uff10-\uff19])"
)
_PASTED_ID_RE = re.compile(
    rf"(?<![0-9A-Za-z\uff10-\uff19]){_DIGIT}(?:{_GAP}{_DIGIT}){{16}}{_GAP}[0-9Xx\uff10-\uff19\uff38\uff58]"
    rf"(?![0-9A-Za-z\uff10-\uff19])"
)
_TO_ASCII = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"\uff38": "X", "\uff58": "x"}
)


def _digits(text: str) -> str:
    text = re.sub(r"%2[0dDbB]", "", text)
    return re.sub(r"[^0-9Xx]", "", text.translate(_TO_ASCII))


def _masked_id(match: re.Match) -> str:
    digits = _digits(match.group(0))
    return f"{digits[:6]}********{digits[14:17]}*"


def _masked_mobile(match: re.Match) -> str:
    digits = _digits(match.group(0))[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def redact(text: str) -> str:
    text = _ID_RE.sub(r"\1********\2*", text)
    text = _MOBILE_RE.sub(r"\1****\2", text)
    if not text.isascii() or any(sep in text for sep in (" ", "-", "+", "%")):
        text = _PASTED_ID_RE.sub(_masked_id, text)
        text = _PASTED_MOBILE_RE.sub(_masked_mobile, text)
    return text


def redact_value(value):
    """Redact strings inside nested JSON-like data (the detail of an access record)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value
