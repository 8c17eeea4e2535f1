"""Cached lists that are invalidated by bumping a version, not by finding every key.

A list (the organizations a user may filter by, the tags) is cached under a key that holds
the current version of what it is made of; a change bumps the version, and every cached
list of that kind is stale at once, in every web worker (the cache is shared).
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache

TIMEOUT = 10 * 60


def _version_key(kind: str) -> str:
    return f"cache-version:{kind}"


def bump(kind: str) -> None:
    key = _version_key(kind)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def cached(kind: str, key: str, compute: Callable[[], Any], timeout: int = TIMEOUT) -> Any:
    version = cache.get(_version_key(kind), 0)
    return cache.get_or_set(f"{kind}:{version}:{key}", compute, timeout)
