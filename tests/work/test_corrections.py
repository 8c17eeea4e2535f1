"""Correcting and deleting work records: what a chair fixes after a typo, and who may."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeRecord
from tests.factories import MemberFactory, MembershipFactory
from work import services
from work.models import Activity, Attendance, Deed, Donation, JobPosting

pytestmark = pytest.mark.django_db


def _records(record) -> list[ChangeRecord]:
    return list(
        ChangeRecord.objects.filter(
            object_type=record._meta.label_lower, object_id=str(record.pk)
        ).order_by("pk")
    )


def test_chair_corrects_an_activity_and_the_change_is_recorded(client, chair_a, training):
    client.force_login(chair_a)
    page = client.get(reverse("activity_edit", args=[training.pk]))
    assert page.status_code == 200
    assert "repeat_weekly" not in page.content.decode()  # one occurrence, never a new series
    response = client.post(
        reverse("activity_edit", args=[training.pk]),
        {
            "organization": training.organization.pk,
            "kind": "training",
            "title": "直播带货进阶培训",
            "day": "2026-12-05",
            "start": "14:00",
            "end": "16:00",
            "venue_home": training.venue_home.pk,
            "capacity": "30",
            "certifies": "livestream_selling",
        },
    )
    assert response.status_code == 302
    training.refresh_from_db()
    local = training.starts_at.astimezone(timezone.get_current_timezone())
    assert (training.title, local.date(), local.hour) == (
        "直播带货进阶培训",
        datetime.date(2026, 12, 5),
        14,
    )
    assert training.capacity == 30
    (record,) = _records(training)
    assert record.action == "activity_edited"
    assert record.changes["title"] == ["直播带货培训", "直播带货进阶培训"]
    assert set(record.changes) == {"title", "starts_at", "ends_at", "capacity"}


def test_saving_an_unchanged_form_records_nothing(chair_a, training):
    services.activity_update(
        activity=training,
        by=chair_a,
        organization=training.organization,
        kind=training.kind,
        title=training.title,
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        venue_home=training.venue_home,
        certifies=training.certifies,
    )
    assert _records(training) == []


def test_capacity_cannot_drop_below_those_signed_up(client, chair_a, training, district):
    for _ in range(3):
        member = MemberFactory()
        MembershipFactory(member=member, organization=district.market_a.federation)
        Attendance.objects.create(activity=training, member=member)
    client.force_login(chair_a)
    response = client.post(
        reverse("activity_edit", args=[training.pk]),
        {
            "organization": training.organization.pk,
            "kind": "training",
            "title": training.title,
            "day": "2026-12-05",
            "start": "09:00",
            "end": "10:00",
            "venue_home": training.venue_home.pk,
            "capacity": "2",
        },
    )
    assert response.status_code == 200
    assert "已有 3 人报名" in response.content.decode()
    training.refresh_from_db()
    assert training.capacity is None


def test_an_attended_activity_is_not_deleted(client, chair_a, training, district):
    member = MemberFactory()
    MembershipFactory(member=member, organization=district.market_a.federation)
    Attendance.objects.create(activity=training, member=member)
    client.force_login(chair_a)
    assert client.get(reverse("activity_delete", args=[training.pk])).status_code == 200
    response = client.post(reverse("activity_delete", args=[training.pk]))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Activity.objects.filter(pk=training.pk).exists()
    assert _records(training) == []


def test_an_activity_nobody_attended_is_deleted_and_the_deletion_kept(client, chair_a, training):
    pk = training.pk
    client.force_login(chair_a)
    response = client.post(reverse("activity_delete", args=[pk]))
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=pk).exists()
    (record,) = ChangeRecord.objects.filter(object_type="work.activity", object_id=str(pk))
    assert record.action == "activity_deleted"
    assert record.params["title"] == "直播带货培训"


@pytest.fixture
def records_b(district, today):
    """A deed, a job and a donation of market B."""
    organization = district.market_b.federation
    return {
        "deed": Deed.objects.create(
            organization=organization, title="修缮水管", done_on=datetime.date(2026, 5, 1)
        ),
        "job": JobPosting.objects.create(
            organization=organization,
            employer="某服装厂",
            position="缝纫工",
            openings=5,
            filled=2,
            posted_on=datetime.date(2026, 5, 1),
        ),
        "donation": Donation.objects.create(
            organization=organization,
            kind="money",
            donor="爱心商户",
            value_yuan=Decimal("1000"),
            given_on=datetime.date(2026, 5, 1),
        ),
    }


@pytest.mark.parametrize("kind", ["deed", "job", "donation"])
def test_another_markets_chair_can_neither_correct_nor_delete(client, chair_a, records_b, kind):
    record = records_b[kind]
    client.force_login(chair_a)
    for name in (f"{kind}_edit", f"{kind}_delete"):
        assert client.get(reverse(name, args=[record.pk])).status_code in {403, 404}
        assert client.post(reverse(name, args=[record.pk])).status_code in {403, 404}
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("kind", ["deed", "job", "donation"])
def test_a_viewer_reads_but_cannot_correct(client, viewer, records_b, kind):
    record = records_b[kind]
    client.force_login(viewer)
    assert client.get(reverse(f"{kind}_list") + "?year=2026").status_code == 200
    assert client.get(reverse(f"{kind}_edit", args=[record.pk])).status_code == 403
    assert client.post(reverse(f"{kind}_delete", args=[record.pk])).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_chair_corrects_a_deed(client, chair_b, records_b):
    deed = records_b["deed"]
    client.force_login(chair_b)
    response = client.post(
        reverse("deed_edit", args=[deed.pk]),
        {
            "organization": deed.organization.pk,
            "title": "修缮水管和电路",
            "done_on": "2026-05-02",
            "beneficiary_count": "12",
            "status": "done",
        },
    )
    assert response.status_code == 302
    deed.refresh_from_db()
    assert (deed.title, deed.done_on, deed.beneficiary_count, deed.status) == (
        "修缮水管和电路",
        datetime.date(2026, 5, 2),
        12,
        "done",
    )
    (record,) = _records(deed)
    assert record.changes["beneficiary_count"] == [0, 12]


def test_chair_cannot_move_a_deed_to_another_market(client, chair_b, records_b, district):
    deed = records_b["deed"]
    client.force_login(chair_b)
    response = client.post(
        reverse("deed_edit", args=[deed.pk]),
        {
            "organization": district.market_a.federation.pk,
            "title": deed.title,
            "done_on": "2026-05-01",
            "beneficiary_count": "0",
            "status": "open",
        },
    )
    assert response.status_code == 200  # the form refuses an organization outside her scope
    deed.refresh_from_db()
    assert deed.organization == district.market_b.federation


def test_openings_cannot_drop_below_positions_filled(client, chair_b, records_b):
    job = records_b["job"]
    client.force_login(chair_b)
    data = {
        "organization": job.organization.pk,
        "employer": job.employer,
        "position": job.position,
        "openings": "1",
        "posted_on": "2026-05-01",
        "contact": "王经理 13800001111",
    }
    response = client.post(reverse("job_edit", args=[job.pk]), data)
    assert response.status_code == 200
    assert "2 个岗位已经招满" in response.content.decode()
    job.refresh_from_db()
    assert job.openings == 5
    data["openings"] = "8"
    assert client.post(reverse("job_edit", args=[job.pk]), data).status_code == 302
    job.refresh_from_db()
    assert job.openings == 8


def test_donation_corrected_then_deleted_leaves_the_years_total(client, chair_b, records_b, today):
    from work import selectors

    donation = records_b["donation"]
    organization = donation.organization
    client.force_login(chair_b)
    response = client.post(
        reverse("donation_edit", args=[donation.pk]),
        {
            "kind": "money",
            "donor": "爱心商户",
            "organization": organization.pk,
            "value_yuan": "1500.50",
            "given_on": "2026-05-01",
        },
    )
    assert response.status_code == 302
    before = selectors.donations_year(organization, 2026)
    assert client.post(reverse("donation_delete", args=[donation.pk])).status_code == 302
    after = selectors.donations_year(organization, 2026)
    assert before != after
    assert not Donation.objects.filter(pk=donation.pk).exists()
    actions = [
        r.action for r in ChangeRecord.objects.filter(object_type="work.donation").order_by("pk")
    ]
    assert actions == ["donation_edited", "donation_deleted"]


@pytest.mark.parametrize("value", ["²", "1" * 30, "-1", "abc"])
def test_hostile_ids_never_500(client, chair_a, value):
    client.force_login(chair_a)
    for name in ("activity_edit", "deed_delete", "job_edit", "donation_delete"):
        url = reverse(name, args=[1]).replace("/1/", f"/{value}/")
        assert client.get(url).status_code in {400, 404}
