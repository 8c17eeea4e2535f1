import logging

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from audit.models import AccessEvent, AccessKind, AppendOnlyError
from audit.redact import redact
from audit.services import access_record
from tests.conftest import PASSWORD
from tests.factories import MemberFactory


def test_redaction_masks_mobiles_and_id_numbers_but_not_other_numbers():
    text = "mobile 13812345678, id 43020319880517002X, order 202611291234567890123, pk 12345"
    cleaned = redact(text)
    assert "13812345678" not in cleaned and "138****5678" in cleaned
    assert "43020319880517002X" not in cleaned and "430203********002*" in cleaned
    assert "202611291234567890123" in cleaned and "12345" in cleaned


def test_access_record_never_stores_a_full_number(district):
    member = district.member_a
    event = access_record(
        kind=AccessKind.EXPORT,
        username="district_staff",
        target=member,
        row_count=1,
        detail={"filter": {"q": member.mobile}, "ids": [member.id_number]},
    )
    stored = AccessEvent.objects.filter(pk=event.pk).values().get()
    assert member.mobile not in str(stored) and member.id_number not in str(stored)


def test_access_records_cannot_be_changed_or_deleted_from_the_app(district):
    event = access_record(kind=AccessKind.LOGIN, username="x")
    event.username = "y"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.update(username="y")


def test_postgresql_itself_refuses_to_rewrite_access_records(postgres, district):
    event = access_record(kind=AccessKind.LOGIN, username="x")
    for sql in (
        "UPDATE audit_accessevent SET username = 'y' WHERE id = %s",
        "DELETE FROM audit_accessevent WHERE id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])


def test_logins_failures_and_probing_are_recorded(client, district, chair_a):
    client.post(reverse("login"), {"username": "chair_a", "password": "wrong"})
    client.post(reverse("login"), {"username": "chair_a", "password": PASSWORD})
    other = district.market_b.federation
    assert client.get(reverse("organization_detail", args=[other.pk])).status_code == 404
    kinds = list(AccessEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [AccessKind.LOGIN_FAILED, AccessKind.LOGIN, AccessKind.PERMISSION_DENIED]
    probe = AccessEvent.objects.get(kind=AccessKind.PERMISSION_DENIED)
    assert probe.username == "chair_a" and probe.object_id == str(other.pk)


def test_district_staff_searches_the_access_log(client, district, district_staff, chair_a):
    access_record(kind=AccessKind.LOGIN_FAILED, username="someone")
    access_record(kind=AccessKind.LOGIN, username="chair_a")
    client.force_login(district_staff)
    page = client.get(reverse("access_log"), {"username": "someone"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    fragment = client.get(
        reverse("access_log"), {"kind": "login"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and "chair_a" in fragment


def test_a_chair_cannot_read_the_access_log_and_the_attempt_is_recorded(client, chair_a):
    client.force_login(chair_a)
    assert client.get(reverse("access_log")).status_code == 403
    assert AccessEvent.objects.filter(
        kind=AccessKind.PERMISSION_DENIED, username="chair_a", path="/access-log/"
    ).exists()


def test_unknown_filter_values_are_refused_not_interpolated(client, district_staff):
    client.force_login(district_staff)
    response = client.get(reverse("access_log"), {"kind": "login' OR 1=1 --"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]


def test_logs_never_carry_personal_numbers(client, district, district_staff, caplog):
    """Run the main flows with every logger at DEBUG and grep what was captured."""
    member = district.member_a
    caplog.set_level(logging.DEBUG)
    client.post(reverse("login"), {"username": member.mobile, "password": member.id_number})
    client.post(reverse("login"), {"username": "district_staff", "password": PASSWORD})
    for name in ("dashboard", "organization_tree", "access_log", "member_list", "transfer_list"):
        client.get(reverse(name))
    client.get(reverse("member_list"), {"q": member.mobile[-4:]})
    client.get(
        reverse("member_list"), headers={"HX-Request": "true", "X-Directory-Search": member.mobile}
    )
    client.get(reverse("member_detail", args=[member.pk]))
    client.post(reverse("member_unmask", args=[member.pk, "mobile"]))
    client.post(reverse("member_unmask", args=[member.pk, "id_number"]))
    client.post(
        reverse("member_create"),
        {
            "market": district.market_a.federation.pk,
            "name": "重复",
            "sex": "female",
            "mobile": member.mobile,
            "political_status": "masses",
            "occupation": "shop_owner",
            "joined_on": "2026-11-01",
        },
    )
    client.get("/admin/members/member/", {"q": member.mobile})
    logging.getLogger("members").warning("lookup of %s / %s", member.mobile, member.id_number)
    try:
        with transaction.atomic():
            MemberFactory(mobile=member.mobile)
    except IntegrityError:
        logging.getLogger("members").exception("duplicate mobile")
    captured = caplog.text + "".join(str(r.exc_text) for r in caplog.records)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    assert member.mobile not in captured
    assert member.id_number not in captured


def test_even_a_superuser_cannot_edit_records_in_the_admin(client, district):
    from tests.factories import UserFactory

    event = access_record(kind=AccessKind.LOGIN, username="x")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get("/admin/audit/accessevent/").status_code == 200
    assert client.get("/admin/audit/accessevent/add/").status_code == 403
    assert (
        client.post(f"/admin/audit/accessevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/audit/changerecord/add/").status_code == 403
    assert AccessEvent.objects.filter(pk=event.pk).exists()
