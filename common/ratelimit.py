"""Flood limits in the shared cache (Redis in production, so every web worker sees the same
count): the public forms per client address and per mobile number (django-ratelimit), and a
plain counter per key and window for logged-in look-ups (someone trying numbers one after
another). Numbers are counted under a keyed digest: the cache never holds a mobile."""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
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


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one more use of `key` in the current window; False once `limit` is passed."""
    bucket = f"ratelimit:{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, window + 60)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, window + 60)
        count = 1
    return count <= limit
