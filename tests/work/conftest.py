import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from work.models import Activity


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def training(district, today):
    """A livestream-selling training in market A, going on now."""
    start = timezone.now() - datetime.timedelta(hours=1)
    return Activity.objects.create(
        organization=district.market_a.federation,
        kind="training",
        title="直播带货培训",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        venue_home=district.home_a,
        certifies="livestream_selling",
    )
