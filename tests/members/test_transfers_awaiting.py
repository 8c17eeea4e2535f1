"""Issue 9, item 10: transfers waiting for her decision show where the chair lands."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import services
from members.selectors import transfer_abilities, transfers_awaiting_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_to_a(district, chair_b):
    return services.transfer_request(
        member=district.member_b,
        to_organization=district.market_a.federation,
        effective_on=datetime.date(2026, 11, 20),
        reason="换档口",
        by=chair_b,
        by_receiver=False,
    )


def test_the_receiving_chair_is_asked_and_the_sender_is_not(sent_to_a, chair_a, chair_b):
    assert list(transfers_awaiting_decision(chair_a)) == [sent_to_a]
    assert not transfers_awaiting_decision(chair_b).exists()
    assert transfer_abilities(user=chair_a, transfer=sent_to_a).decide


def test_asked_for_by_the_receiver_waits_for_her_current_market(district, chair_a, chair_b):
    transfer = services.transfer_request(
        member=district.member_b,
        to_organization=district.market_a.federation,
        effective_on=datetime.date(2026, 11, 20),
        reason="",
        by=chair_a,
        by_receiver=True,
    )
    assert list(transfers_awaiting_decision(chair_b)) == [transfer]
    assert not transfers_awaiting_decision(chair_a).exists()


def test_dashboard_and_nav_show_the_count(client, sent_to_a, chair_a):
    client.force_login(chair_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert "1 个调动等待您确认" in html
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert 'class="count-badge"' in nav and ">1<" in nav


def test_nothing_waiting_shows_no_badge(client, district, chair_b, sent_to_a):
    client.force_login(chair_b)
    html = client.get(reverse("dashboard")).content.decode()
    assert "count-badge" not in html and "等待您确认" not in html


def test_a_decision_clears_the_badge(client, sent_to_a, chair_a):
    client.force_login(chair_a)
    client.post(reverse("transfer_decide", args=[sent_to_a.pk]), {"decision": "confirm"})
    assert "count-badge" not in client.get(reverse("dashboard")).content.decode()


def test_a_fragment_does_not_count(client, district, chair_a, sent_to_a):
    client.force_login(chair_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("member_list"), headers={"HX-Request": "true", "HX-Target": "results"})
    assert not any("members_transferrequest" in q["sql"] for q in queries.captured_queries)
