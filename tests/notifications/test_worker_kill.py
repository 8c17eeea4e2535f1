"""The heart of issue 11: real Celery workers against the real Redis and PostgreSQL send a
notice to 1,000 members while the worker is killed with SIGKILL five times and started
again; the fake gateway (a real process speaking Alibaba's protocol) must have received
every recipient's message exactly once, and the notice must end done."""

import datetime
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db.models import Count

from config.celery import app
from members.models import Member, Membership, MembershipScope, members_reach_refresh
from notifications import services, tasks
from notifications.models import Channel, NoticeState, Recipient, RecipientState
from tests.conftest import require_service, uses_postgres
from tests.notifications.conftest import SECRET, start_gateway
from tests.test_celery_worker import redis_answers

RECIPIENTS = 1000
KILLS = 5


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own worker
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
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"killtest-{time.monotonic_ns()}@%h",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool too
    )


def kill(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait(timeout=20)


def forget_killed_workers_messages() -> None:
    """Messages that the killed workers had reserved stay "unacked" in Redis until the
    visibility timeout, then go to whichever worker runs next (another test's). The test's
    own Redis database: drop them, and the queue, when the test ends."""
    import redis

    app.control.purge()
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("unacked", "unacked_index")


@pytest.fixture
def services_for_workers(transactional_db):
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")


@pytest.mark.redis
@pytest.mark.postgres
def test_every_recipient_gets_the_notice_once_while_workers_are_killed(
    services_for_workers, district, district_staff, template, settings
):
    market = district.market_a.federation
    members = Member.objects.bulk_create(
        Member(name=f"会员{i}", mobile=f"186{i:08d}", occupation="shop_owner")
        for i in range(RECIPIENTS - 1)
    )
    Membership.objects.bulk_create(
        Membership(
            member=m,
            organization=market,
            # bulk_create skips save(): the scope path the services would set.
            organization_path=market.descendant_path_prefix,
            scope=MembershipScope.MARKET,
            starts_on=datetime.date(2020, 1, 1),
        )
        for m in members
    )
    members_reach_refresh([m.pk for m in members])  # and who sees them (Member.reach)
    gateway = start_gateway()
    # The gateway takes a batch, then answers a second later: a worker killed in that second
    # leaves rows "sending" that the gateway has; sending them again would duplicate them.
    gateway.control(delay=0.1, delay_after=1.0)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "0",
        "NOTIFICATIONS_SMS_BACKEND": "notifications.channels.AliyunSmsBackend",
        "ALIYUN_SMS_ENDPOINT": gateway.endpoint,
        "ALIYUN_SMS_PROTOCOL": "HTTP",
        "ALIYUN_SMS_TIMEOUT_MS": "3000",
        "NOTIFICATIONS_SENDING_TIMEOUT": "5",
        "NOTIFICATIONS_TASK_BATCH": "100",
        "NOTIFICATIONS_SMS_RATE": "60",
        "NOTIFICATIONS_CALLBACK_SECRET": SECRET,
    }
    # The sweep runs in the workers too (as beat would queue it): their settings apply.
    settings.NOTIFICATIONS_TASK_BATCH = 100
    app.control.purge()
    worker = None
    beat_stop = threading.Event()
    os.makedirs("test-artifacts", exist_ok=True)
    log = open("test-artifacts/notifications-kill-workers.log", "w")
    try:
        notice = services.notice_create(
            by=district_staff,
            organization=district.district,
            title="会员大会",
            channel=Channel.SMS,
            sms_template=template,
            audience={"query": f"organization={market.pk}", "everything": True},
            quiet_hours_override=True,
        )
        tasks.notice_dispatch.delay(notice.pk)
        # What beat does every minute in production, here every 3 s throughout the test.

        def beat():
            while not beat_stop.wait(3):
                tasks.recipients_sweep.delay()

        beat_thread = threading.Thread(target=beat, daemon=True)
        beat_thread.start()
        rng = random.Random(11)
        kills = 0
        deadline = time.monotonic() + 240
        while kills < KILLS:
            worker = start_worker(env, log)
            # Kill once it is sending: after the gateway took a batch from it, at a random
            # moment (waiting for tokens, inside a gateway call, recording the answer).
            before = gateway.stats()["messages"]
            while gateway.stats()["messages"] == before and time.monotonic() < deadline:
                time.sleep(0.05)
            # Even rounds: while the gateway's answer is on its way (rows taken, not recorded);
            # odd rounds: at a random moment (waiting for tokens, claiming, recording).
            time.sleep(rng.uniform(0.05, 0.3) if kills % 2 == 0 else rng.uniform(0.1, 2.0))
            kill(worker)
            kills += 1
        sent_before_last_start = gateway.stats()["messages"]
        worker = start_worker(env, log)
        while time.monotonic() < deadline:
            notice.refresh_from_db()
            if notice.state == NoticeState.DONE:
                break
            time.sleep(0.5)
        beat_stop.set()
        notice.refresh_from_db()
        stats = gateway.stats()
        received = {}
        for message in gateway.messages():
            received[message["phone"]] = received.get(message["phone"], 0) + 1
    finally:
        beat_stop.set()
        if worker is not None:
            kill(worker)
        gateway.process.kill()
        gateway.process.wait(timeout=10)
        log.close()
        forget_killed_workers_messages()
    expected = {m.mobile for m in members} | {district.member_a.mobile}
    assert 0 < sent_before_last_start < RECIPIENTS, "the kills did not land during the send"
    assert notice.state == NoticeState.DONE, list(
        Recipient.objects.filter(notice=notice).values("state").annotate(n=Count("pk"))
    )
    assert stats["duplicates"] == {}
    assert set(received) == expected
    assert all(count == 1 for count in received.values())
    assert Recipient.objects.filter(notice=notice, state=RecipientState.SENT).count() == RECIPIENTS
    # The sweep found batches of killed workers at the gateway (by their send key) and
    # recorded them without sending again: their rows carry the lookup's id, not a BizId.
    assert Recipient.objects.filter(notice=notice, provider_id__startswith="out-").exists()
