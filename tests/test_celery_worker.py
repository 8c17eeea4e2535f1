"""The worker that docker-compose starts really boots with our settings and answers."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from config.celery import app
from tests.conftest import require_service


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def worker():
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    env = {**os.environ, "REDIS_URL": url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--hostname",
            "pytest-worker@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_worker_started_like_docker_compose_answers_a_ping(worker):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    deadline = time.monotonic() + 30
    replies = []
    while time.monotonic() < deadline and not replies:
        assert worker.poll() is None, worker.stdout.read()
        replies = app.control.ping(timeout=1.0)
    assert any(name.startswith("pytest-worker@") for reply in replies for name in reply)


def test_without_redis_tasks_run_inline():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
