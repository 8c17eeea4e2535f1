"""Flood limits of the public forms (no login): per client address and per mobile number.

django-ratelimit counts in the shared cache (Redis in production, so every web worker sees
the same count). The mobile is counted under a keyed digest: the cache never holds a number.
"""

import hashlib
import hmac

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def address_flooding(request, *, group: str, address: str | None, rate: str) -> bool:
    """Counts this request against the address; True once the address is over its rate."""
    return is_ratelimited(
        request,
        group=f"{group}:ip",
        key=lambda _group, _request: _digest(address or "unknown"),
        rate=rate,
        method="POST",
        increment=True,
    )


def mobile_flooding(request, *, group: str, mobile: str, rate: str) -> bool:
    """Counts this request against the mobile number; True once it is over its rate."""
    return is_ratelimited(
        request,
        group=f"{group}:mobile",
        key=lambda _group, _request: _digest(mobile),
        rate=rate,
        method="POST",
        increment=True,
    )
