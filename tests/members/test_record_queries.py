"""A member's page checks the scope once and asks the same number of questions however long
her history is; outside the scope it still answers 404 and records the attempt."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent, AccessKind
from members import services

pytestmark = pytest.mark.usefixtures("today")


def record_queries(client, pk: int) -> list[str]:
    url = reverse("member_detail", args=[pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_record_queries_do_not_grow_with_her_history(client, district, chair_a, chair_b):
    client.force_login(chair_b)
    short = record_queries(client, district.member_b.pk)
    # 赵丹 moves from market A (and its home) to B, leaves, comes back: a longer history.
    member = district.member_a
    transfer = services.transfer_request(
        member=member,
        to_organization=district.market_b.federation,
        effective_on=datetime.date(2026, 3, 1),
        reason="",
        by=chair_a,
        by_receiver=False,
    )
    services.transfer_confirm(transfer=transfer, by=chair_b)
    services.member_mark_left(
        member=member, left_on=datetime.date(2026, 4, 1), reason="回老家", by=chair_b
    )
    member.refresh_from_db()
    services.member_restore(
        member=member,
        market=district.market_b.federation,
        restored_on=datetime.date(2026, 5, 1),
        by=chair_b,
    )
    long = record_queries(client, member.pk)
    assert len(long) == len(short)
    # The scope check (a condition on Member.reach) runs once per visit.
    scope_checks = [
        sql
        for sql in long
        if 'btrim("members_member"."reach")' in sql or '"members_member"."reach" LIKE' in sql
    ]
    assert len(scope_checks) == 1


def test_record_outside_scope_is_404_and_recorded(client, district, chair_a):
    client.force_login(chair_a)
    response = client.get(reverse("member_detail", args=[district.member_b.pk]))
    assert response.status_code == 404
    assert (
        AccessEvent.objects.filter(
            kind=AccessKind.PERMISSION_DENIED, object_id=str(district.member_b.pk)
        ).count()
        == 1
    )
    # A member who does not exist at all: 404, nothing to record.
    assert client.get(reverse("member_detail", args=[999_999])).status_code == 404
    assert AccessEvent.objects.filter(kind=AccessKind.PERMISSION_DENIED).count() == 1
