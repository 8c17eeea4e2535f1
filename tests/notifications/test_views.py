"""The notice pages as each role sees them, full page and htmx fragment, and the gateway's
signed callbacks."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeRecord
from config.celery import app as celery_app
from notifications import services
from notifications.models import (
    Channel,
    Notice,
    NoticeState,
    OptOut,
    Recipient,
    RecipientState,
)
from tests.notifications.conftest import SECRET


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def compose_data(district, template, **extra):
    return {
        "organization": district.market_a.federation.pk,
        "audience_organization": district.market_a.federation.pk,
        "channel": Channel.SMS,
        "sms_template": template.pk,
        "title": "会员大会",
        "event_time": "12月5日下午3点",
        "quiet_hours_override": "on",
        **extra,
    }


def test_compose_preview_shows_a_real_recipient_length_and_audience(
    district, chair_a, template, client_for
):
    client = client_for(chair_a)
    page = client.get(reverse("notice_compose"))
    assert page.status_code == 200 and b"<html" in page.content
    data = compose_data(district, template, preview="1")
    fragment = client.post(reverse("notice_compose"), data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text
    assert "【芦淞妇联】赵丹您好，邵兴城市场" in text  # 赵丹 is market A's member
    assert 'id="preview"' in text


def test_compose_sends_and_the_page_shows_progress(district, chair_a, template, client_for):
    client = client_for(chair_a)
    response = client.post(reverse("notice_compose"), compose_data(district, template))
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notice_detail", args=[notice.pk])
    assert notice.organization == district.market_a.federation
    services.notice_freeze(notice_id=notice.pk)
    page = client.get(reverse("notice_detail", args=[notice.pk]))
    assert b"<html" in page.content and "赵丹".encode() in page.content
    assert district.member_a.mobile.encode() not in page.content  # masked
    fragment = client.get(
        reverse("notice_detail", args=[notice.pk]), headers={"HX-Request": "true"}
    )
    assert b"<html" not in fragment.content and b'hx-trigger="every 2s"' in fragment.content


def test_chair_cannot_choose_another_markets_members(district, chair_a, template, client_for):
    client = client_for(chair_a)
    data = compose_data(district, template, audience_organization=district.market_b.federation.pk)
    response = client.post(reverse("notice_compose"), data)
    assert response.status_code == 200
    assert not Notice.objects.exists()


def test_chair_cannot_send_in_another_markets_name(district, chair_a, template, client_for):
    client = client_for(chair_a)
    data = compose_data(district, template, organization=district.market_b.federation.pk)
    client.post(reverse("notice_compose"), data)
    assert not Notice.objects.exists()


def test_viewer_cannot_compose(viewer, client_for):
    assert client_for(viewer).get(reverse("notice_compose")).status_code == 403


def test_chair_b_cannot_open_chair_a_notice(district, chair_a, chair_b, template, client_for):
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="x",
        channel=Channel.SMS,
        sms_template=template,
        audience={"everything": True},
    )
    assert client_for(chair_b).get(reverse("notice_detail", args=[notice.pk])).status_code == 404
    assert client_for(chair_b).post(reverse("notice_cancel", args=[notice.pk])).status_code == 404


@pytest.mark.parametrize(
    "hostile",
    [
        {"title": "\x00"},
        {"title": "会" * 10_000},
        {"send_at": "²０２６-12-01"},
        {"body": "{" * 5000},
    ],
)
def test_hostile_input_gets_a_message_not_a_500(district, chair_a, template, client_for, hostile):
    client = client_for(chair_a)
    response = client.post(reverse("notice_compose"), compose_data(district, template, **hostile))
    if "\x00" in "".join(hostile.values()):
        # Refused with a message before the view reads it (config.middleware); nothing sent.
        assert response.status_code == 400 and 'class="error"' in response.content.decode()
        assert not Notice.objects.exists()
    else:
        assert response.status_code in (200, 302)


def _signed(client, url, payload, signature=None):
    body = json.dumps(payload).encode()
    headers = {"X-Signature": signature or services.callback_signature(body)}
    return client.post(url, body, content_type="application/json", headers=headers)


def test_signed_receipt_marks_delivered_and_forged_receipt_is_refused(
    district, chair_a, template, settings
):
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="x",
        channel=Channel.SMS,
        sms_template=template,
        audience={"everything": True},
        quiet_hours_override=True,
    )
    services.notice_freeze(notice_id=notice.pk)
    row = Recipient.objects.get(notice=notice)
    Recipient.objects.filter(pk=row.pk).update(
        state=RecipientState.SENT, send_key="k1", provider_id="biz1"
    )
    report = [{"phone_number": row.address, "success": True, "biz_id": "biz1", "out_id": "k1"}]
    client = Client()
    forged = _signed(client, reverse("sms_receipts"), report, signature="0" * 64)
    assert forged.status_code == 403
    unsigned = client.post(reverse("sms_receipts"), json.dumps(report), "application/json")
    assert unsigned.status_code == 400
    row.refresh_from_db()
    assert row.state == RecipientState.SENT
    assert _signed(client, reverse("sms_receipts"), report).status_code == 200
    row.refresh_from_db()
    assert row.state == RecipientState.DELIVERED
    failed = [{**report[0], "success": False, "err_code": "MK:0001", "err_msg": "空号"}]
    Recipient.objects.filter(pk=row.pk).update(state=RecipientState.SENT)
    _signed(client, reverse("sms_receipts"), failed)
    row.refresh_from_db()
    assert row.state == RecipientState.FAILED and "MK:0001" in row.reason


@pytest.mark.parametrize("reply", ["TD", "r", " 退订 "])
def test_reply_td_r_or_unsubscribe_opts_out_of_sms_only(district, settings, reply):
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    message = [{"phone_number": district.member_a.mobile, "content": reply}]
    assert _signed(Client(), reverse("sms_inbound"), message).status_code == 200
    assert list(OptOut.objects.values_list("member", "channel")) == [
        (district.member_a.pk, Channel.SMS)
    ]


def test_an_sms_reply_opt_out_is_in_her_change_history(district, settings, chair_a, client_for):
    # Like an opt-out recorded on her consent panel: who (the SMS reply), what (SMS), when.
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    member = district.member_a
    message = [{"phone_number": member.mobile, "content": "退订"}]
    _signed(Client(), reverse("sms_inbound"), message)
    _signed(Client(), reverse("sms_inbound"), message)  # again: nothing new to record
    (record,) = ChangeRecord.objects.filter(object_type="members.member", object_id=str(member.pk))
    assert record.action == "opt_out_recorded"
    assert record.user is None and record.username == ""
    assert record.params["channel"] == "sms" and record.params["method"] == "sms_reply"
    assert record.params["actor"] == "sms_reply" and record.params["reply"] == "退订"
    assert record.params["date"] == str(timezone.localdate())
    assert record.at >= OptOut.objects.get(member=member).at
    page = client_for(chair_a).get(reverse("member_detail", args=[member.pk]))
    html = page.content.decode()
    assert '<span class="who">短信回复（TD / R / 退订）</span>' in html
    assert f"已退订短信：短信回复（TD / R / 退订），{timezone.localdate()}" in html


def test_an_ordinary_reply_opts_nobody_out(district, settings):
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    message = [{"phone_number": district.member_a.mobile, "content": "收到，谢谢"}]
    _signed(Client(), reverse("sms_inbound"), message)
    assert not OptOut.objects.exists()


def test_forged_reply_is_refused(district, settings):
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    message = [{"phone_number": district.member_a.mobile, "content": "TD"}]
    assert _signed(Client(), reverse("sms_inbound"), message, "bad").status_code == 403
    assert not OptOut.objects.exists()


def test_retry_and_cancel_from_the_page(
    district, chair_a, template, client_for, gateway, monkeypatch
):
    # Queued, not sent inline: without Redis (SQLite runs) tasks would otherwise run eagerly
    # and the retried row would be sent before the cancel below could catch it.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    client = client_for(chair_a)
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="x",
        channel=Channel.SMS,
        sms_template=template,
        audience={"everything": True},
        quiet_hours_override=True,
    )
    services.notice_freeze(notice_id=notice.pk)
    Recipient.objects.filter(notice=notice).update(state=RecipientState.FAILED, reason="x")
    services.notice_finish_if_done(notice_id=notice.pk)
    response = client.post(reverse("notice_retry", args=[notice.pk]))
    assert response.status_code == 302
    assert Recipient.objects.get(notice=notice).state == RecipientState.PENDING
    client.post(reverse("notice_cancel", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.state == NoticeState.CANCELLED
    assert Recipient.objects.get(notice=notice).state == RecipientState.CANCELLED
    assert timezone.now() >= notice.finished_at


def test_the_directory_leads_to_a_notice_for_its_filtered_members(
    district, chair_a, template, client_for
):
    client = client_for(chair_a)
    directory = client.get(reverse("member_list"), {"occupation": "shop_owner"})
    assert b"/notices/new/?query=occupation%3Dshop_owner" in directory.content
    compose = client.get(reverse("notice_compose"), {"query": "occupation=shop_owner"})
    assert b'value="occupation=shop_owner"' in compose.content


def test_preview_reports_recipients_over_the_daily_cap(district, chair_a, template, client_for):
    for _ in range(50):
        notice = services.notice_create(
            by=chair_a,
            organization=district.market_a.federation,
            title="x",
            channel=Channel.SMS,
            sms_template=template,
            audience={"everything": True},
            quiet_hours_override=True,
        )
        services.notice_freeze(notice_id=notice.pk)
    data = compose_data(district, template, preview="1")
    fragment = client_for(chair_a).post(
        reverse("notice_compose"), data, headers={"HX-Request": "true"}
    )
    assert "1 人今天已收到此模板 50 条短信" in fragment.content.decode()
