"""One rate limit for a gateway, shared by every worker: a log of admissions in Redis.

Celery's own rate_limit is per worker, so two workers would send twice the provider's
limit. A token bucket is not enough either: a worker takes a whole batch (up to 100
numbers) at once, and a bucket that refills at the limit and holds a batch lets one second
see the limit plus a batch (400 messages at a 300/s limit). Nor is a window counted from
the admissions: the provider counts what it *receives*, and between our admission and its
receipt lies an HTTP call of varying length, so two batches admitted more than a second
apart can arrive within one.

So an admitted batch holds its share of the limit from its admission until one window
(`per`) after its call has returned (`release`): the provider received it somewhere in
between. A batch is admitted only if the shares held now, with it, stay within the limit.
Any two batches that arrive within one window were then both held when the later of them
was admitted — it was admitted before it arrived, less than a window after the other
arrived, so before the other's hold ended — and every window of arrivals holds at most
`limit` messages, whatever the calls' times. A worker that dies mid-call never releases:
its share ends `hold` seconds after its admission (the call's timeout and a window).
Redis's clock is the one clock, so workers on different machines agree.
"""

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings

# KEYS[1]: the log, a sorted set: member "<id>:<count>:<f|d>" (f: its call is in flight,
# d: done), score the moment its share ends. ARGV: limit, wanted, id, hold.
# Returns {admitted (0 or wanted: a batch is admitted whole), seconds, microseconds, wait}.
_TAKE = """
local limit = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local hold = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+):'))
end
if used + wanted <= limit then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3] .. ':' .. wanted .. ':f')
  redis.call('PEXPIRE', KEYS[1], math.ceil(hold * 1000) + 1000)
  return {wanted, tonumber(clock[1]), tonumber(clock[2]), '0'}
end
-- The shares end soonest first (done ones before those still in flight): wait until
-- enough have ended for the batch to fit; behind a call in flight, ask again soon.
local wait = hold
for i = 1, #entries, 2 do
  used = used - tonumber(string.match(entries[i], ':(%d+):'))
  if string.sub(entries[i], -1) == 'f' then
    wait = 0.01
    break
  end
  if used + wanted <= limit then
    wait = tonumber(entries[i + 1]) - now
    break
  end
end
return {0, tonumber(clock[1]), tonumber(clock[2]), string.format('%.6f', wait)}
"""

# KEYS[1]: the log. ARGV: id, count, per. The call has returned: the share ends a window
# from now. Returns 0 when the share had already ended (a call longer than its hold).
_RELEASE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local entry = ARGV[1] .. ':' .. ARGV[2]
if redis.call('ZREM', KEYS[1], entry .. ':f') == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), entry .. ':d')
return 1
"""

_local_lock = threading.Lock()
# Without Redis: key → {id: [ends at, count, in flight]}.
_local_logs: dict[str, dict[str, list]] = {}
_redis_client = None
_scripts = None


def _redis():
    global _redis_client, _scripts
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        _scripts = (
            _redis_client.register_script(_TAKE),
            _redis_client.register_script(_RELEASE),
        )
    return _scripts


@dataclass(frozen=True)
class Admission:
    """A batch's share of the limit: release it when the gateway call has returned."""

    key: str
    id: str
    count: int
    per: float
    at: float  # when it was admitted (Redis's clock)

    def release(self) -> None:
        if not settings.REDIS_URL:
            with _local_lock:
                entry = _local_logs.get(self.key, {}).get(self.id)
                if entry is not None and entry[2]:
                    entry[0], entry[2] = time.time() + self.per, False
            return
        _redis()[1](keys=[self.key], args=[self.id, self.count, self.per])


def _take_local(key: str, limit: int, wanted: int, entry_id: str, hold: float):
    # Without Redis (development, tasks inline) there is one process: the log in memory.
    with _local_lock:
        now = time.time()
        log = {i: e for i, e in _local_logs.get(key, {}).items() if e[0] > now}
        _local_logs[key] = log
        used = sum(e[1] for e in log.values())
        if used + wanted <= limit:
            log[entry_id] = [now + hold, wanted, True]
            return now, 0.0
        for ends, count, in_flight in sorted(log.values(), key=lambda e: (e[2], e[0])):
            used -= count
            if in_flight:
                return now, 0.01
            if used + wanted <= limit:
                return now, ends - now
        return now, hold


def take(
    key: str, *, limit: int, wanted: int, per: float = 1.0, hold: float | None = None
) -> tuple[Admission | None, float]:
    """Admit a batch of `wanted` messages now, whole, if the shares held now and it stay
    within `limit` per `per` seconds. Returns (the admission, 0) or (None, seconds to wait
    before asking again; nothing was taken). `hold`: how long an admission that is never
    released holds its share (at least `per`; the call's timeout and `per`)."""
    if not 1 <= wanted <= limit:
        raise ValueError(f"a batch of {wanted} can never fit a limit of {limit}")
    hold = max(per, hold if hold is not None else 2 * per)
    key = f"lusong:ratelimit:{key}"
    entry_id = uuid.uuid4().hex
    if not settings.REDIS_URL:
        at, wait = _take_local(key, limit, wanted, entry_id, hold)
    else:
        admitted, seconds, micros, answer = _redis()[0](
            keys=[key], args=[limit, wanted, entry_id, hold]
        )
        at, wait = int(seconds) + int(micros) / 1_000_000, (0.0 if admitted else float(answer))
    if wait > 0:
        return None, wait
    return Admission(key=key, id=entry_id, count=wanted, per=per, at=at), 0.0


def acquire(
    key: str,
    *,
    limit: int,
    wanted: int,
    per: float = 1.0,
    hold: float | None = None,
    within: float | None = None,
) -> Admission | None:
    """Wait until a batch of `wanted` is admitted and return the admission, or None when it
    was not admitted `within` seconds (then nothing was taken)."""
    deadline = None if within is None else time.monotonic() + within
    while True:
        admission, wait = take(key, limit=limit, wanted=wanted, per=per, hold=hold)
        if admission is not None:
            return admission
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
