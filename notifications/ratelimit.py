"""One rate limit for a gateway, shared by every worker: a sliding-window log in Redis.

Celery's own rate_limit is per worker, so two workers would send twice the provider's
limit. A token bucket is not enough either: a worker takes a whole batch (up to 100
numbers) at once, and a bucket that refills at the limit and holds a batch lets one second
see the limit plus a batch (400 messages at a 300/s limit). So the log keeps every
admission of the last window (its time and how many messages it admitted) and admits a
batch only if the window ending now, with the batch, stays within the limit. Every window
of that length, wherever it starts, then holds at most `limit` messages: a window holding
several admissions lies inside the window ending at the last of them, which was checked
when that one was admitted.

The window may be a little longer than the provider's (`per`, by `margin`): between the
admission and the gateway's receipt lies an HTTP call (the sender claims its rows first and
is admitted just before the call), and two batches whose calls took different times could
otherwise land in one of the provider's seconds. Redis's clock is the one
clock, so workers on different machines agree.
"""

import threading
import time
import uuid

from django.conf import settings

# KEYS[1]: the log (a sorted set: member "<id>:<count>", score the admission time).
# ARGV: limit, window (seconds), wanted, id. Returns {admitted, seconds, microseconds, wait}:
# admitted is 0 or wanted (a batch is admitted whole); wait (a string) how long to wait
# before asking again when nothing was admitted.
_SCRIPT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+)$'))
end
if used + wanted <= limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. wanted)
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return {wanted, tonumber(clock[1]), tonumber(clock[2]), '0'}
end
-- Wait until the oldest admissions have left the window and the batch fits.
local wait = window
for i = 1, #entries, 2 do
  used = used - tonumber(string.match(entries[i], ':(%d+)$'))
  if used + wanted <= limit then
    wait = tonumber(entries[i + 1]) + window - now
    break
  end
end
return {0, tonumber(clock[1]), tonumber(clock[2]), string.format('%.6f', wait)}
"""

_local_lock = threading.Lock()
_local_logs: dict[str, list[tuple[float, int]]] = {}
_redis_client = None
_script = None


def _redis():
    global _redis_client, _script
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        _script = _redis_client.register_script(_SCRIPT)
    return _script


def _take_local(key: str, limit: int, window: float, wanted: int) -> tuple[float, float]:
    # Without Redis (development, tasks inline) there is one process: the log in memory.
    with _local_lock:
        now = time.time()
        log = [(at, n) for at, n in _local_logs.get(key, []) if at > now - window]
        _local_logs[key] = log
        used = sum(n for _at, n in log)
        if used + wanted <= limit:
            log.append((now, wanted))
            return now, 0.0
        for at, n in log:
            used -= n
            if used + wanted <= limit:
                return now, at + window - now
        return now, window


def take_at(key: str, *, limit: int, wanted: int, per: float = 1.0, margin: float = 0.0):
    """Admit a batch of `wanted` messages now, whole, if the last `per + margin` seconds
    plus the batch stay within `limit`. Returns (admitted at, seconds to wait): the wait is
    0 when admitted, else how long before asking again (nothing was taken)."""
    if not 1 <= wanted <= limit:
        raise ValueError(f"a batch of {wanted} can never fit a limit of {limit}")
    window = per + margin
    if not settings.REDIS_URL:
        return _take_local(key, limit, window, wanted)
    admitted, seconds, micros, wait = _redis()(
        keys=[f"lusong:ratelimit:{key}"], args=[limit, window, wanted, uuid.uuid4().hex]
    )
    return int(seconds) + int(micros) / 1_000_000, (0.0 if admitted else float(wait))


def take(key: str, *, limit: int, wanted: int, per: float = 1.0, margin: float = 0.0) -> float:
    """Admit `wanted` now (returns 0) or say how many seconds to wait before asking again
    (takes nothing)."""
    return take_at(key, limit=limit, wanted=wanted, per=per, margin=margin)[1]


def acquire(
    key: str,
    *,
    limit: int,
    wanted: int,
    per: float = 1.0,
    margin: float = 0.0,
    within: float | None = None,
) -> float | None:
    """Wait until a batch of `wanted` is admitted; returns when (Redis's clock), or None
    when it was not admitted `within` seconds (then nothing was taken)."""
    deadline = None if within is None else time.monotonic() + within
    while True:
        at, wait = take_at(key, limit=limit, wanted=wanted, per=per, margin=margin)
        if wait <= 0:
            return at
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            wait = min(wait, left + 0.001)
        time.sleep(min(wait, 5.0))


def batch_size(limit: int, largest: int) -> int:
    """The batch size, at most `largest`, that fills a window of `limit` best: 300 → 100,
    250 → 83 (three batches, 249 a window, where batches of 100 would send 200), 50 → 50."""
    if limit < 1:
        raise ValueError("the limit must be at least 1")
    batches = -(-limit // largest)  # ceil
    return max(1, min(largest, limit // batches))
