"""The public page behind the poster: no login, refuses floods and bad input, keeps nothing
from a refused submission, and answers in words a family member may read."""

import pytest

from counselling.models import CounsellingRequest, RequestStatus

pytestmark = pytest.mark.django_db


def form(service, **overrides):
    data = {
        "service": service.pk,
        "slot": "",
        "form_of_address": "王姐",
        "mobile": "138 1234 5678",
        "topic": "family",
        "words": "想找人聊聊",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def url(point):
    return f"/help/{point.token}/"


def test_a_merchant_leaves_a_request_without_logging_in(client, intake_a, service, slot):
    response = client.post(url(intake_a), form(service, slot=slot.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/help/{intake_a.token}/thanks/"
    request = CounsellingRequest.objects.get()
    assert request.mobile == "13812345678"  # normalized from what she typed
    assert request.organization == intake_a.organization
    assert request.slot == slot and request.callback_due == slot.ends_at
    assert request.status == RequestStatus.NEW and request.consent_at is not None


def test_the_confirmation_is_neutral(client, intake_a, service):
    response = client.post(url(intake_a), form(service), follow=True)
    text = response.content.decode()
    assert "已收到" in text
    for telling in ("咨询", "心理", "法律", "娘家", "王姐", "5678"):
        assert telling not in text, telling


def test_topic_and_words_are_optional(client, intake_a, service):
    response = client.post(url(intake_a), form(service, topic="", words=""))
    assert response.status_code == 302
    assert CounsellingRequest.objects.get().words == ""


def test_the_page_shows_the_confidentiality_promise_and_its_exceptions(client, intake_a, service):
    text = client.get(url(intake_a)).content.decode()
    assert "保密" in text and "法院" in text


def test_without_consent_nothing_is_kept(client, intake_a, service):
    response = client.post(url(intake_a), form(service, consent=None))
    assert response.status_code == 400
    assert "请阅读并同意保密说明" in response.content.decode()
    assert not CounsellingRequest.objects.exists()


@pytest.mark.parametrize(
    "mobile",
    ["", "12345", "1381234567²", "١٣٨١٢٣٤٥٦٧٨", "138123\x005678", "1" * 10_000],
)
def test_a_bad_mobile_is_refused_with_a_message_and_nothing_kept(client, intake_a, service, mobile):
    response = client.post(url(intake_a), form(service, mobile=mobile))
    assert response.status_code == 400
    text = response.content.decode()
    assert "手机号" in text or "这个字段" in text or "字符" in text
    assert not CounsellingRequest.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [("form_of_address", "王" * 10_000), ("words", "字" * 10_000), ("form_of_address", "a\x00b")],
)
def test_hostile_text_is_refused_without_error(client, intake_a, service, field, value):
    response = client.post(url(intake_a), form(service, **{field: value}))
    assert response.status_code == 400
    assert not CounsellingRequest.objects.exists()


def test_a_slot_of_another_service_is_refused(client, intake_a, service, slot, district):
    from counselling.models import CounsellingService

    other = CounsellingService.objects.create(
        name="法律咨询", kind="legal", organization=district.cluster
    )
    response = client.post(url(intake_a), form(other, slot=slot.pk))
    assert response.status_code == 400
    assert not CounsellingRequest.objects.exists()


def test_a_full_slot_is_no_longer_offered(client, intake_a, service, slot):
    for mobile in ("13800000001", "13800000002"):
        assert (
            client.post(url(intake_a), form(service, slot=slot.pk, mobile=mobile)).status_code
            == 302
        )
    response = client.post(url(intake_a), form(service, slot=slot.pk, mobile="13800000003"))
    assert response.status_code == 400
    assert CounsellingRequest.objects.count() == 2


def test_the_honeypot_gets_the_same_answer_and_nothing_is_kept(client, intake_a, service):
    response = client.post(url(intake_a), form(service, website="http://spam.example"))
    assert response.status_code == 200
    assert "已收到" in response.content.decode()
    assert not CounsellingRequest.objects.exists()


def test_a_flood_from_one_address_is_refused_and_nothing_kept(client, intake_a, service):
    for n in range(10):
        client.post(url(intake_a), form(service, mobile=f"1390000{n:04d}"))
    assert CounsellingRequest.objects.count() == 10
    response = client.post(url(intake_a), form(service, mobile="13911112222"))
    assert response.status_code == 429
    assert "过多" in response.content.decode()
    assert CounsellingRequest.objects.count() == 10
    assert not CounsellingRequest.objects.filter(mobile="13911112222").exists()


def test_a_flood_for_one_mobile_is_refused_from_any_address(client, intake_a, service):
    for n in range(3):
        response = client.post(url(intake_a), form(service), REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 302
    response = client.post(url(intake_a), form(service), REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert "请耐心等待" in response.content.decode()
    assert CounsellingRequest.objects.count() == 3


def test_an_unknown_poster_is_not_found(client):
    assert client.get("/help/nope/").status_code == 404
    assert client.post("/help/nope/", {}).status_code == 404


def test_the_poster_is_an_a4_page_with_a_qr_code(client, chair_a, district):
    client.force_login(chair_a)
    response = client.get(f"/organizations/{district.market_a.federation.pk}/counselling-poster/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'src="data:image/svg+xml' in text
    assert "/help/" in text
    # ...and another market's is not hers to print
    response = client.get(f"/organizations/{district.market_b.federation.pk}/counselling-poster/")
    assert response.status_code == 404
