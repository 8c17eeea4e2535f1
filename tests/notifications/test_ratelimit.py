"""The global SMS limit: several processes taking batches from the one log in the real Redis
never get more than the limit into any one second, wherever the second starts, and still
get close to the limit."""

import multiprocessing
import os
import time
import uuid

import pytest

from notifications import ratelimit
from notifications.fake_gateway import max_in_window
from tests.notifications.ratelimit_taker import take_batches
from tests.test_celery_worker import redis_answers

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url(settings):
    url = os.environ.get("REDIS_URL", "")
    if not (url and redis_answers(url)):
        pytest.skip("needs Redis: set REDIS_URL=redis://…")
    settings.REDIS_URL = url
    ratelimit._redis_client = None  # a client of this Redis, not one made before
    return url


def _run_takers(*, limit, sizes_per_taker, seconds, slow=0.3):
    # Separate processes (spawned: each its own Redis connection), as Celery workers are.
    key = f"test:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 5  # once every process has started
    until = start_at + seconds
    takers = [
        context.Process(target=take_batches, args=(key, limit, sizes, start_at, until, slow, out))
        for sizes in sizes_per_taker
    ]
    for taker in takers:
        taker.start()
    batches = [entry for _taker in takers for entry in out.get(timeout=seconds + 60)]
    for taker in takers:
        taker.join(timeout=10)
    assert all(at >= start_at - 0.01 for at, _received, _n in batches)
    return sorted(batches)


def test_concurrent_senders_never_get_more_than_the_limit_into_any_second(redis_url):
    # Four processes, as four Celery workers would, with whole batches of 100 (SendBatchSms)
    # and smaller ones, against a limit of 300 a second, their calls taking 0–300 ms: what
    # the gateway receives in any one second, [t, t + 1) for every t, stays within the
    # limit. (The token bucket this replaces let 400 through, and a window counted from the
    # admissions alone let a slow call's batch land in the next batches' second.)
    batches = _run_takers(
        limit=300, sizes_per_taker=[[100], [100], [100, 40], [60, 100]], seconds=4
    )
    received = [(at, n) for _admitted, at, n in batches]
    assert max_in_window(received, 1.0) <= 300
    # ... and the limit is used: the first three seconds took close to 900.
    first = batches[0][0]
    in_three_seconds = sum(n for at, _received, n in batches if at < first + 3.0)
    assert in_three_seconds >= 0.8 * 900, in_three_seconds


def test_a_batch_whose_sender_died_holds_its_share_only_until_its_hold(redis_url):
    key = f"test:{uuid.uuid4().hex}"
    admission, _wait = ratelimit.take(key, limit=100, wanted=100, hold=1.5)
    assert admission is not None  # and never released: its worker died mid-call
    _none, wait = ratelimit.take(key, limit=100, wanted=1, hold=1.5)
    assert _none is None and 0 < wait <= 0.05  # in flight: asked again soon
    started = time.monotonic()
    assert ratelimit.acquire(key, limit=100, wanted=1, hold=1.5, within=3) is not None
    assert 1.3 < time.monotonic() - started < 2.5


def test_after_a_quiet_spell_a_burst_is_held_to_the_limit(redis_url):
    key = f"test:{uuid.uuid4().hex}"
    admissions = [ratelimit.take(key, limit=300, wanted=100)[0] for _ in range(3)]
    for admission in admissions:
        admission.release()  # their calls returned at once
    _none, wait = ratelimit.take(key, limit=300, wanted=100)
    # The fourth batch waits until the first's share has ended: about a second.
    assert _none is None and 0.8 < wait <= 1.0
    # A batch that fits what is left goes at once; one that does not, waits.
    other = f"test:{uuid.uuid4().hex}"
    assert ratelimit.take(other, limit=300, wanted=250)[0] is not None
    assert ratelimit.take(other, limit=300, wanted=50)[0] is not None
    assert ratelimit.take(other, limit=300, wanted=1)[1] > 0


def test_without_redis_one_process_keeps_the_same_limit(settings):
    settings.REDIS_URL = ""
    key = f"test:{uuid.uuid4().hex}"
    admitted = []
    until = time.time() + 2.5
    while time.time() < until:
        admission = ratelimit.acquire(key, limit=300, wanted=100)
        admitted.append((time.time(), 100))  # the gateway receives it, then the call returns
        admission.release()
    assert max_in_window(admitted, 1.0) <= 300
    assert len(admitted) >= 6


def test_a_batch_larger_than_the_limit_is_refused_not_let_through(settings):
    settings.REDIS_URL = ""
    with pytest.raises(ValueError):
        ratelimit.take("test:too-big", limit=50, wanted=100)


@pytest.mark.parametrize(
    ("limit", "size"), [(2000, 100), (500, 100), (300, 100), (250, 83), (60, 60), (1, 1)]
)
def test_batches_are_sized_to_fill_the_limit(limit, size):
    assert ratelimit.batch_size(limit, 100) == size


def test_the_gateway_counts_any_second_not_only_calendar_seconds():
    arrivals = [(10.6, 100), (10.9, 100), (11.2, 100), (11.5, 100)]
    # Calendar seconds 10 and 11 hold 200 each; [10.6, 11.6) holds all 400.
    assert max_in_window(arrivals, 1.0) == 400
    assert max_in_window([(10.0, 100), (11.0, 100)], 1.0) == 100
    assert max_in_window([], 1.0) == 0
