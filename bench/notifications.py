"""Batch notices to 100,000 members: time to freeze the audience and enqueue, and delivery
throughput to the fake gateway with 2 worker processes, beside the naive one-task-per-
recipient approach, in the same run.

    python bench/notifications.py            # or: make bench-notifications

Uses its own PostgreSQL database (default lusong_bench11, created and seeded with
seed_demo --members 100000 when missing) and Redis (default db 11). Starts the fake gateway
(manage.py fake_sms_gateway) and one Celery worker with 2 processes per run. The machine
may be shared: figures are noisy, compare within one run.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.directory import configure, create_database_if_missing, prepare  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lusong_bench11"


def http(url, data=None):
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(  # noqa: S310 - the local fake gateway
        url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


def start_gateway():
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fake_sms_gateway", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(process.stdout.readline())
    return process, port


def start_worker(env):
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--include",
            "bench.notifications_naive",
            "--hostname",
            f"bench11-{time.monotonic_ns()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_worker(app):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("the worker did not start")


def report(label, stats, limit):
    span = (stats["last"] - stats["first"]) if stats["messages"] > 1 else 0
    rate = stats["messages"] / span if span else 0
    most = stats["max_in_any_second"]
    # Calls after which the second ending there held more than the limit.
    arrivals = stats["arrivals"]
    over, inside, first = 0, 0, 0
    for at, count in arrivals:
        inside += count
        while arrivals[first][0] <= at - 1.0:
            inside -= arrivals[first][1]
            first += 1
        over += inside > limit
    print(
        f"  {label}: {stats['messages']} messages in {span:.1f}s = {rate:.0f} msg/s; "
        f"most received in any 1 s window {most} against the limit {limit}/s "
        f"({'within' if most <= limit else f'ABOVE after {over} of {len(arrivals)} calls'}; "
        f"busiest calendar second {stats['max_per_second']}); "
        f"duplicates {len(stats['duplicates'])}; gateway calls {stats['calls']}"
    )
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
    )
    parser.add_argument("--fast-limit", type=int, default=2000, help="msg/s the gateway allows")
    parser.add_argument("--slow-limit", type=int, default=300, help="a tighter limit to honour")
    parser.add_argument(
        "--naive-seconds", type=int, default=60, help="how long to run the naive way"
    )
    args = parser.parse_args()

    os.environ["REDIS_URL"] = args.redis_url
    if create_database_if_missing(args.database_url):
        print("created the bench database")
    configure(args.database_url)
    prepare(args.members)

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from config.celery import app
    from federation.models import Organization, OrganizationKind
    from notifications import services, tasks
    from notifications.models import (
        Channel,
        Notice,
        NoticeState,
        Recipient,
        SmsSignature,
        SmsTemplate,
    )

    print("The machine is shared with other work (2 cores): figures are noisy.")
    admin = get_user_model().objects.filter(is_superuser=True).first()
    district = Organization.objects.get(kind=OrganizationKind.DISTRICT_FEDERATION)
    signature, _ = SmsSignature.objects.get_or_create(name="芦淞妇联", defaults={"approved": True})
    template, _ = SmsTemplate.objects.get_or_create(
        code="SMS_BENCH11",
        defaults={
            "name": "会议通知",
            "body": "{姓名}您好，{市场}妇联定于{时间}召开会员大会。",
            "signature": signature,
            "approved": True,
        },
    )
    # Earlier runs' notices would count against the per-number daily cap: start clean.
    Recipient.objects.all().delete()
    Notice.objects.all().delete()

    gateway, port = start_gateway()
    gateway_url = f"http://127.0.0.1:{port}"
    base_env = {
        **os.environ,
        "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.AliyunSmsBackend",
        "ALIYUN_SMS_ENDPOINT": f"127.0.0.1:{port}",
        "ALIYUN_SMS_PROTOCOL": "HTTP",
        "NOTIFICATIONS_TASK_BATCH": "500",
    }

    def notice():
        return services.notice_create(
            by=admin,
            organization=district,
            title="bench",
            channel=Channel.SMS,
            sms_template=template,
            event_time="12月5日",
            audience={"everything": True, "query": ""},
            quiet_hours_override=True,
        )

    results = {}
    try:
        for label, limit in (
            ("batched", args.fast_limit),
            ("batched, tight limit", args.slow_limit),
        ):
            app.control.purge()
            http(gateway_url + "/_fake/reset", {})
            worker = start_worker({**base_env, "NOTIFICATIONS_SMS_RATE": str(limit)})
            try:
                wait_for_worker(app)
                item = notice()
                started = time.perf_counter()
                frozen = services.notice_freeze(notice_id=item.pk)
                froze = time.perf_counter() - started
                batches = tasks.notice_enqueue(item.pk)
                enqueued = time.perf_counter() - started
                print(
                    f"{label}: froze {frozen} recipients in {froze:.2f}s, "
                    f"queued {batches} tasks; freeze + enqueue {enqueued:.2f}s"
                )
                while Notice.objects.get(pk=item.pk).state != NoticeState.DONE:
                    time.sleep(1)
                results[label] = report(label, http(gateway_url + "/_fake/stats"), limit)
            finally:
                stop(worker)

        # The naive way: one task per recipient, enqueued in a loop.
        app.control.purge()
        http(gateway_url + "/_fake/reset", {})
        item = notice()
        started = time.perf_counter()
        frozen = services.notice_freeze(notice_id=item.pk)
        ids = list(Recipient.objects.filter(notice=item).values_list("pk", flat=True))
        from bench.notifications_naive import naive_send

        for pk in ids:
            naive_send.delay(pk)
        enqueued = time.perf_counter() - started
        print(f"naive: froze {frozen} recipients and queued {len(ids)} tasks in {enqueued:.2f}s")
        worker = start_worker({**base_env, "NOTIFICATIONS_SMS_RATE": str(args.fast_limit)})
        try:
            wait_for_worker(app)
            time.sleep(args.naive_seconds)
            stats = http(gateway_url + "/_fake/stats")
            results["naive"] = report(
                f"naive (first {args.naive_seconds}s of sending)", stats, args.fast_limit
            )
        finally:
            stop(worker)
            app.control.purge()
        Notice.objects.filter(pk=item.pk).update(
            state=NoticeState.CANCELLED, finished_at=timezone.now()
        )
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    print(json.dumps({k: round(v) for k, v in results.items()}))


if __name__ == "__main__":
    main()
