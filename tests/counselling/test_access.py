"""Who reads a counselling request: counsellors and the district's administrators, nobody
else by any URL; every reading recorded; the closing note for the assigned counsellor only."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent, AccessKind
from counselling import services
from counselling.models import CounsellingRequest, RequestStatus
from federation.models import Role
from tests.conftest import _persona

pytestmark = pytest.mark.django_db

SECRET_WORDS = "丈夫欠债，店里周转不开"


def every_counselling_url(request_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("counselling_requests")),
        ("get", reverse("counselling_requests") + "?status=all"),
        ("get", reverse("counselling_roster")),
        ("get", reverse("counselling_request", args=[request_pk])),
        ("post", reverse("counselling_assign", args=[request_pk])),
        ("post", reverse("counselling_called_back", args=[request_pk])),
        ("post", reverse("counselling_close", args=[request_pk])),
    ]


@pytest.mark.parametrize(
    "persona", ["chair_a", "chair_b", "viewer", "cluster_staff", "home_manager"]
)
def test_no_one_but_counsellors_and_district_staff_reads_a_request(
    client, request, district, a_request, persona
):
    if persona == "cluster_staff":
        user = _persona("cluster", Role.CLUSTER_STAFF, district.cluster)
    elif persona == "home_manager":
        user = _persona("home", Role.HOME_MANAGER, district.home_a)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    for method, url in every_counselling_url(a_request.pk):
        response = getattr(client, method)(url, {"take": "1", "note": "x"})
        assert response.status_code in {403, 404}, (persona, url, response.status_code)
        assert SECRET_WORDS not in response.content.decode()
        assert "13812345678" not in response.content.decode()
    a_request.refresh_from_db()
    assert a_request.status == RequestStatus.NEW and a_request.assigned_to is None
    assert not AccessEvent.objects.filter(kind=AccessKind.COUNSELLING_VIEW).exists()
    # the chair's market's own page offers no way in either
    page = client.get(reverse("organization_detail", args=[district.market_a.federation.pk]))
    assert SECRET_WORDS not in page.content.decode()


def test_the_counsellor_sees_the_request_and_the_reading_is_recorded(client, counsellor, a_request):
    client.force_login(counsellor)
    listing = client.get(reverse("counselling_requests"))
    assert f"#{a_request.pk}" in listing.content.decode()
    response = client.get(reverse("counselling_request", args=[a_request.pk]))
    assert response.status_code == 200
    assert SECRET_WORDS in response.content.decode()
    event = AccessEvent.objects.get(kind=AccessKind.COUNSELLING_VIEW)
    assert event.username == "counsellor" and event.object_id == str(a_request.pk)


def test_list_is_a_fragment_for_htmx(client, counsellor, a_request):
    client.force_login(counsellor)
    response = client.get(reverse("counselling_requests"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content and f"#{a_request.pk}".encode() in response.content


def test_take_call_back_close_and_the_note_only_she_reads(
    client, counsellor, district_staff, a_request
):
    client.force_login(counsellor)
    detail = reverse("counselling_request", args=[a_request.pk])
    client.post(reverse("counselling_assign", args=[a_request.pk]), {"take": "1"})
    client.post(reverse("counselling_called_back", args=[a_request.pk]))
    client.post(reverse("counselling_close", args=[a_request.pk]), {"note": "已转介律师"})
    a_request.refresh_from_db()
    assert a_request.status == RequestStatus.CLOSED and a_request.assigned_to == counsellor
    assert a_request.called_back_at is not None
    assert "已转介律师" in client.get(detail).content.decode()
    # the district administrator sees the request, not the note, and only a masked mobile
    client.force_login(district_staff)
    text = client.get(detail).content.decode()
    assert "已转介律师" not in text and "138****5678" in text and "13812345678" not in text


def test_another_counsellor_does_not_see_a_request_assigned_to_her_colleague(
    client, district, counsellor, a_request
):
    services.request_assign(request=a_request, counsellor=counsellor, by=counsellor)
    colleague = _persona("counsellor2", Role.COUNSELLOR, district.cluster)
    client.force_login(colleague)
    assert client.get(reverse("counselling_request", args=[a_request.pk])).status_code == 404
    assert f"#{a_request.pk}" not in client.get(reverse("counselling_requests")).content.decode()


def test_the_district_administrator_assigns_and_overdue_stands_out(
    client, counsellor, district_staff, a_request, time_machine
):
    client.force_login(district_staff)
    response = client.post(
        reverse("counselling_assign", args=[a_request.pk]), {"counsellor": counsellor.pk}
    )
    assert response.status_code == 302
    a_request.refresh_from_db()
    assert a_request.assigned_to == counsellor and a_request.status == RequestStatus.ASSIGNED
    # she may not call back or close in the counsellor's place
    assert client.post(reverse("counselling_close", args=[a_request.pk])).status_code == 403
    time_machine.move_to(a_request.callback_due + datetime.timedelta(hours=1))
    client.force_login(district_staff)  # her session timed out meanwhile
    text = client.get(reverse("counselling_requests")).content.decode()
    assert 'class="overdue"' in text and "已超期" in text


def test_a_chair_cannot_be_assigned(district, district_staff, chair_a, a_request):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.request_assign(request=a_request, counsellor=chair_a, by=district_staff)


def test_closed_requests_are_anonymized_after_the_retention_period(
    settings, counsellor, a_request, time_machine
):
    settings.COUNSELLING_RETENTION_DAYS = 30
    services.request_assign(request=a_request, counsellor=counsellor, by=counsellor)
    services.request_close(request=a_request, note="记录", by=counsellor)
    closed_at = CounsellingRequest.objects.get().closed_at
    assert services.requests_anonymize_expired(now=closed_at + datetime.timedelta(days=29)) == 0
    later = closed_at + datetime.timedelta(days=31)
    assert services.requests_anonymize_expired(now=later) == 1
    assert services.requests_anonymize_expired(now=later) == 0  # idempotent
    kept = CounsellingRequest.objects.get()
    assert (kept.mobile, kept.form_of_address, kept.words, kept.closing_note) == ("", "", "", "")
    assert kept.topic == "family" and kept.status == RequestStatus.CLOSED


def test_open_requests_are_never_anonymized(settings, a_request):
    settings.COUNSELLING_RETENTION_DAYS = 0
    later = a_request.created_at + datetime.timedelta(days=3650)
    assert services.requests_anonymize_expired(now=later) == 0


def test_beat_runs_the_anonymization_daily(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["counselling-anonymize"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 24 * 60 * 60
