import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from counselling.models import CounsellingService, DutySlot, IntakePoint
from counselling.services import request_submit


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # The flood counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service(district):
    return CounsellingService.objects.create(
        name="心理咨询", kind="psychological", organization=district.cluster
    )


@pytest.fixture
def slot(service, counsellor, today):
    starts = timezone.now() + datetime.timedelta(days=1)
    slot = DutySlot.objects.create(
        service=service, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), capacity=2
    )
    slot.counsellors.set([counsellor])
    return slot


@pytest.fixture
def intake_a(district):
    return IntakePoint.objects.create(organization=district.market_a.federation)


@pytest.fixture
def a_request(intake_a, service):
    return request_submit(
        intake=intake_a,
        service=service,
        slot=None,
        form_of_address="王姐",
        mobile="13812345678",
        consent=True,
        topic="family",
        words="丈夫欠债，店里周转不开",
    )
