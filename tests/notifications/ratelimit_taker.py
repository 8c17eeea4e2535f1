"""A process sending batches under the shared SMS limit, as a Celery worker does (for
test_ratelimit; a module of its own so that a spawned process imports only this)."""

import random
import time


def take_batches(key, limit, sizes, start_at, until, slow, out):
    """Each admitted batch makes a 'gateway call' of 0–`slow` seconds (some calls are slow,
    as on a loaded network); the gateway receives it at a random moment of the call. Puts
    [(admitted at, received at, count)] on `out`."""
    from notifications import ratelimit

    ratelimit.take(f"{key}:warm-up", limit=1, wanted=1)  # connected before the start
    time.sleep(max(0.0, start_at - time.time()))
    batches = []
    turn = 0
    rng = random.Random()
    while time.time() < until:
        wanted = sizes[turn % len(sizes)]
        turn += 1
        admission = ratelimit.acquire(key, limit=limit, wanted=wanted)
        started = time.time()
        call = rng.choice([0.0, 0.005, 0.02, slow * rng.random()])
        received = started + call * rng.random()
        time.sleep(call)
        admission.release()
        batches.append((admission.at, received, wanted))
    out.put(batches)
