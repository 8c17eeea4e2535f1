"""A counter per key and time window in the shared cache: enough to slow down someone
looking up numbers one after another, across every web worker."""

import time

from django.core.cache import cache


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
