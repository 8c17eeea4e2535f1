"""A process taking batches from the shared SMS limit, as a Celery worker does (for
test_ratelimit; a module of its own so that a spawned process imports only this)."""

import time


def take_batches(key, limit, margin, sizes, start_at, until, out):
    from notifications import ratelimit

    ratelimit.take(f"{key}:warm-up", limit=1, wanted=1)  # connected before the start
    time.sleep(max(0.0, start_at - time.time()))
    admitted = []
    turn = 0
    while time.time() < until:
        wanted = sizes[turn % len(sizes)]
        turn += 1
        at = ratelimit.acquire(key, limit=limit, wanted=wanted, margin=margin)
        admitted.append((at, wanted))
    out.put(admitted)
