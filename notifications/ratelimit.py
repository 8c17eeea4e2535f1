"""One rate limit for a gateway, shared by every worker: a token bucket in Redis.

Celery's own rate_limit is per worker, so two workers would send twice the provider's
limit. The bucket refills at `rate` tokens a second up to `capacity`; a batch takes as many
tokens as it has messages, or waits until the bucket holds them. Redis's clock is the one
clock, so workers on different machines agree.
"""

import threading
import time

from django.conf import settings

_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = (wanted - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""

_local_lock = threading.Lock()
_local_buckets: dict[str, tuple[float, float]] = {}
_redis_client = None
_script = None


def _redis():
    global _redis_client, _script
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        _script = _redis_client.register_script(_SCRIPT)
    return _script


def _take_local(key: str, rate: float, capacity: float, wanted: int) -> float:
    # Without Redis (development, tasks inline) there is one process: a bucket in memory.
    with _local_lock:
        now = time.monotonic()
        tokens, at = _local_buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * rate)
        if tokens >= wanted:
            _local_buckets[key] = (tokens - wanted, now)
            return 0.0
        _local_buckets[key] = (tokens, now)
        return (wanted - tokens) / rate


def take(key: str, *, rate: float, capacity: float, wanted: int) -> float:
    """Take `wanted` tokens now (returns 0) or say how many seconds to wait before asking
    again (takes nothing)."""
    wanted = min(wanted, int(capacity))
    if settings.REDIS_URL:
        return float(_redis()(keys=[f"lusong:ratelimit:{key}"], args=[rate, capacity, wanted]))
    return _take_local(key, rate, capacity, wanted)


def acquire(key: str, *, rate: float, capacity: float, wanted: int) -> None:
    """Wait until the bucket gives `wanted` tokens."""
    while True:
        wait = take(key, rate=rate, capacity=capacity, wanted=wanted)
        if wait <= 0:
            return
        time.sleep(min(wait, 5.0))
