"""The daily anonymization, run by a real Celery worker against real Redis and PostgreSQL."""

import datetime
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from counselling import services
from counselling.models import CounsellingRequest
from counselling.tasks import anonymize_closed_requests
from tests.conftest import require_service, uses_postgres
from tests.test_celery_worker import redis_answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_worker(settings):
    url = os.environ.get("REDIS_URL", "")
    require_service("Redis", bool(url) and redis_answers(url), "set REDIS_URL=redis://…")
    require_service("PostgreSQL", uses_postgres(), "set DATABASE_URL=postgres://…")
    db = connection.settings_dict
    # The worker reads the test database, not the one DATABASE_URL names.
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "REDIS_URL": url, "DATABASE_URL": database_url, "DATABASE_POOL": "0"}
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
            "pytest-anonymize@%h",
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


def test_worker_anonymizes_expired_closed_requests_once(
    db_worker, district, counsellor, a_request, settings
):
    services.request_assign(request=a_request, counsellor=counsellor, by=counsellor)
    services.request_close(request=a_request, note="已转介", by=counsellor)
    old = timezone.now() - datetime.timedelta(days=settings.COUNSELLING_RETENTION_DAYS + 1)
    CounsellingRequest.objects.filter(pk=a_request.pk).update(closed_at=old)

    first = anonymize_closed_requests.delay()
    assert first.get(timeout=60) == 1
    again = anonymize_closed_requests.delay()
    assert again.get(timeout=60) == 0  # a second delivery does no harm
    kept = CounsellingRequest.objects.get()
    assert kept.mobile == "" and kept.words == "" and kept.anonymized_at is not None
    assert kept.service_id == a_request.service_id and kept.topic == "family"
