import pytest

from counselling import selectors, services
from counselling.models import IntakePoint

pytestmark = pytest.mark.django_db


def test_counselling_year_counts_by_service_topic_and_status_only(
    district, counsellor, a_request, service, today
):
    other = IntakePoint.objects.create(organization=district.market_b.federation)
    services.request_submit(
        intake=other,
        service=service,
        slot=None,
        form_of_address="李",
        mobile="13900001111",
        consent=True,
    )
    services.request_assign(request=a_request, counsellor=counsellor, by=counsellor)
    year = a_request.created_at.year
    totals = selectors.counselling_year(district.district, year)
    assert totals == {
        "requests": 2,
        "by_service": {"心理咨询": 2},
        "by_topic": {"family": 1, "": 1},
        "by_status": {"assigned": 1, "new": 1},
    }
    only_a = selectors.counselling_year(district.market_a.federation, year)
    assert only_a["requests"] == 1
    assert selectors.counselling_year(district.district, year - 1)["requests"] == 0
    text = repr(totals)
    assert "王姐" not in text and "13812345678" not in text and "周转" not in text
