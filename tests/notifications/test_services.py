"""Notices against the real database and the fake gateway (a real process speaking
Alibaba's protocol through the official SDK)."""

import datetime
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from members.models import MemberStatus
from notifications import ratelimit, rules, services
from notifications.models import (
    Channel,
    NoticeState,
    OptOut,
    OptOutSource,
    Recipient,
    RecipientState,
    WeComBot,
    WeComPostState,
)
from notifications.selectors import audience_members
from tests.factories import MemberFactory, MembershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def market_members(market, count, **fields):
    members = []
    for i in range(count):
        member = MemberFactory(name=f"会员{i}", **fields)
        MembershipFactory(member=member, organization=market.federation)
        members.append(member)
    return members


def schedule(by, market, template, **fields):
    return services.notice_create(
        by=by,
        organization=market.federation,
        title="会员大会",
        channel=Channel.SMS,
        sms_template=template,
        event_time="12月5日下午3点",
        audience={"query": f"organization={market.federation.pk}", "everything": True},
        quiet_hours_override=True,
        **fields,
    )


def send_all(notice):
    services.notice_freeze(notice_id=notice.pk)
    results = [
        services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
        for first, last in services.notice_batches(notice_id=notice.pk, size=500)
    ]
    notice.refresh_from_db()
    return results


def test_notice_reaches_each_member_once_and_ends_done(district, chair_a, template, gateway):
    members = market_members(district.market_a, 5)
    notice = schedule(chair_a, district.market_a, template)
    send_all(notice)
    assert notice.state == NoticeState.DONE
    assert notice.counts["sent"] == 6  # five and 赵丹 (member_a)
    received = [m["phone"] for m in gateway.messages()]
    expected = {m.mobile for m in members} | {district.member_a.mobile}
    assert sorted(received) == sorted(expected)
    first = gateway.messages()[0]
    assert first["template_code"] == template.code
    assert set(first["params"]) == {"name", "market", "time"}
    assert first["params"]["market"] == district.market_a.name


def test_opted_out_without_number_and_left_are_excluded_and_counted(
    district, district_staff, template, gateway
):
    # District staff: an erased member (no number left) is outside a chair's view altogether
    # (the scope rule), so only staff's audience holds her, counted as unreachable.
    reached, opted, no_number, left = market_members(district.market_a, 4)
    OptOut.objects.create(
        member=opted, channel=Channel.SMS, at=timezone.now(), source=OptOutSource.STAFF
    )
    # Opting out of e-mail does not stop SMS: never "from everything" by accident.
    OptOut.objects.create(
        member=reached, channel=Channel.EMAIL, at=timezone.now(), source=OptOutSource.STAFF
    )
    no_number.erased_at = timezone.now()
    no_number.mobile = ""
    no_number.save(update_fields=["erased_at", "mobile"])
    left.status = MemberStatus.LEFT
    left.left_on = datetime.date(2026, 1, 1)
    left.save(update_fields=["status", "left_on"])
    notice = schedule(district_staff, district.market_a, template)
    send_all(notice)
    assert (notice.excluded_opted_out, notice.excluded_no_address, notice.excluded_left) == (
        1,
        1,
        1,
    )
    received = {m["phone"] for m in gateway.messages()}
    assert reached.mobile in received and opted.mobile not in received
    assert Recipient.objects.filter(notice=notice).count() == 2  # reached and 赵丹


def test_freezing_twice_and_sending_a_batch_twice_sends_once(district, chair_a, template, gateway):
    market_members(district.market_a, 3)
    notice = schedule(chair_a, district.market_a, template)
    assert services.notice_freeze(notice_id=notice.pk) == 4
    assert services.notice_freeze(notice_id=notice.pk) == 0
    first, last = services.notice_batches(notice_id=notice.pk)[0]
    services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    assert gateway.stats()["messages"] == 4
    assert gateway.stats()["duplicates"] == {}


def test_the_audience_is_frozen_at_sending(district, chair_a, template, gateway):
    notice = schedule(chair_a, district.market_a, template)
    services.notice_freeze(notice_id=notice.pk)
    later = market_members(district.market_a, 1)[0]  # registered after the freeze
    for first, last in services.notice_batches(notice_id=notice.pk):
        services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    assert later.mobile not in {m["phone"] for m in gateway.messages()}


def test_chair_cannot_send_to_another_market(district, chair_a, template, gateway):
    market_members(district.market_b, 2)
    with pytest.raises(PermissionDenied):
        schedule(chair_a, district.market_b, template)
    # Asking for market B's members in her own market's name reaches nobody.
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="x",
        channel=Channel.SMS,
        sms_template=template,
        audience={"query": f"organization={district.market_b.federation.pk}", "everything": True},
        quiet_hours_override=True,
    )
    send_all(notice)
    assert gateway.stats()["messages"] == 0
    assert Recipient.objects.filter(notice=notice).count() == 0


def test_quiet_hours_move_an_sms_to_eight_in_the_morning(district, chair_a, template, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 22, 15, tzinfo=SHANGHAI), tick=False)
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="x",
        channel=Channel.SMS,
        sms_template=template,
        audience={"everything": True},
    )
    assert timezone.localtime(notice.send_at, SHANGHAI) == datetime.datetime(
        2026, 12, 1, 8, 0, tzinfo=SHANGHAI
    )
    assert notice.state == NoticeState.SCHEDULED
    assert services.notices_due() == []
    overridden = schedule(chair_a, district.market_a, template)
    assert overridden.send_at <= timezone.now()
    assert services.notices_due() == [overridden.pk]


def test_cancel_stops_the_queued_recipients(district, chair_a, template, gateway):
    market_members(district.market_a, 3)
    notice = schedule(chair_a, district.market_a, template)
    services.notice_freeze(notice_id=notice.pk)
    assert services.notice_cancel(notice=notice, by=chair_a) == 4
    for first, last in [(0, 10**9)]:
        services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    assert gateway.stats()["messages"] == 0
    notice.refresh_from_db()
    assert notice.state == NoticeState.CANCELLED


def test_chair_b_cannot_cancel_chair_a_notice(district, chair_a, chair_b, template):
    notice = schedule(chair_a, district.market_a, template)
    with pytest.raises(PermissionDenied):
        services.notice_cancel(notice=notice, by=chair_b)


def test_permanent_error_fails_with_reason_and_retry_sends(district, chair_a, template, gateway):
    market_members(district.market_a, 2)
    gateway.control(mode="reject", count=1)
    notice = schedule(chair_a, district.market_a, template)
    send_all(notice)
    assert notice.state == NoticeState.DONE
    failed = Recipient.objects.filter(notice=notice, state=RecipientState.FAILED)
    assert failed.count() == 3
    assert failed.first().reason.startswith("isv.SMS_TEMPLATE_ILLEGAL")
    assert services.notice_retry_failed(notice=notice, by=chair_a) == 3
    for first, last in services.notice_batches(notice_id=notice.pk):
        services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    notice.refresh_from_db()
    assert notice.state == NoticeState.DONE and notice.counts["sent"] == 3
    assert gateway.stats()["messages"] == 3


def test_transient_error_is_retried_later(district, chair_a, template, gateway):
    gateway.control(mode="throttle", count=1)
    notice = schedule(chair_a, district.market_a, template)
    (result,) = send_all(notice)
    assert result.retry_in is not None and result.retry_in > 0
    row = Recipient.objects.get(notice=notice)
    assert row.state == RecipientState.PENDING and row.attempts == 1
    assert notice.state == NoticeState.SENDING
    for first, last in services.notice_batches(notice_id=notice.pk):
        services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
    row.refresh_from_db()
    assert row.state == RecipientState.SENT
    assert gateway.stats()["messages"] == 1


def test_sweep_asks_the_gateway_before_sending_again(district, chair_a, template, gateway):
    """Two rows left "sending" by a dead worker: one reached the gateway (found by its
    send key), one did not. The first is recorded as sent, the second sent once."""
    market_members(district.market_a, 1)
    notice = schedule(chair_a, district.market_a, template)
    services.notice_freeze(notice_id=notice.pk)
    reached, lost = Recipient.objects.filter(notice=notice).order_by("pk")
    from notifications import channels

    channels.sms_backend().send(
        channels.Batch(
            send_key="dead-worker-key",
            messages=[channels.Message(reached.pk, reached.address, "x", {})],
            template_code=template.code,
            signature="芦淞妇联",
        )
    )
    old = timezone.now() - datetime.timedelta(hours=1)
    Recipient.objects.filter(pk=reached.pk).update(
        state=RecipientState.SENDING, send_key="dead-worker-key", updated_at=old
    )
    Recipient.objects.filter(pk=lost.pk).update(
        state=RecipientState.SENDING, send_key="other-dead-key", updated_at=old
    )
    batches = services.recipients_sweep()
    reached.refresh_from_db()
    lost.refresh_from_db()
    assert reached.state == RecipientState.SENT
    assert lost.state == RecipientState.PENDING
    for notice_id, first, last in batches:
        services.recipients_send_batch(notice_id=notice_id, first_id=first, last_id=last)
    counts = {}
    for message in gateway.messages():
        counts[message["phone"]] = counts.get(message["phone"], 0) + 1
    assert counts == {reached.address: 1, lost.address: 1}
    notice.refresh_from_db()
    assert notice.state == NoticeState.DONE


def test_rows_the_limit_does_not_admit_in_time_go_back_to_pending_then_out_once(
    district, chair_a, template, gateway, settings, monkeypatch
):
    # Claimed rows wait "sending" for the limit; a wait longer than a third of the sweep's
    # timeout gives them back (the sweep would take them for a dead worker's), and they go
    # out when the limit admits them, once, their attempts not counting the wait.
    settings.NOTIFICATIONS_SMS_RATE = 10
    settings.NOTIFICATIONS_SENDING_TIMEOUT = 1
    settings.ALIYUN_SMS_TIMEOUT_MS = 1000  # the sweep's timeout: 3 s; the wait at most 1 s
    members = market_members(district.market_a, 3)
    notice = schedule(chair_a, district.market_a, template)
    answers = []
    acquire = ratelimit.acquire

    def acquire_and_note(*args, **kwargs):
        answers.append(acquire(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(ratelimit, "acquire", acquire_and_note)
    # A full window, just taken by a sender that died mid-call: held for 1.5 s.
    acquire("sms", limit=10, wanted=10, hold=1.5)
    filled = time.monotonic()
    send_all(notice)
    assert answers[0] is None and answers[-1] is not None
    assert time.monotonic() - filled > 1.4
    assert notice.state == NoticeState.DONE
    assert sorted(m["phone"] for m in gateway.messages()) == sorted(
        [m.mobile for m in members] + [district.member_a.mobile]
    )
    assert set(Recipient.objects.filter(notice=notice).values_list("attempts", flat=True)) == {1}


def test_recipient_over_the_daily_cap_is_reported(district, chair_a, template, gateway):
    for _ in range(rules.DAILY_CAP):
        other = schedule(chair_a, district.market_a, template)
        services.notice_freeze(notice_id=other.pk)
    notice = schedule(chair_a, district.market_a, template)
    send_all(notice)
    row = Recipient.objects.get(notice=notice)
    assert row.state == RecipientState.FAILED and row.reason == services.REASON_DAILY_CAP


def test_sms_length_and_segments():
    assert rules.segments("字" * 70) == 1
    assert rules.segments("字" * 71) == 2
    assert rules.segments("字" * 134) == 2
    assert rules.segments("字" * 135) == 3


def test_provider_rules_name_what_is_wrong(template):
    template.body = "招聘兼职店员，{姓名}请回复"
    template.approved = False
    check = rules.check_sms(template=template, sample=template.body)
    assert not check.ok
    text = " ".join(check.problems)
    assert "招聘" in text and "兼职" in text and template.name in text


def test_promotional_sms_carries_the_opt_out_line():
    text = rules.sms_text(
        "{姓名}：公益市集周六开市",
        signature="芦淞妇联",
        promotional=True,
        name="赵丹",
        market="",
        time="",
    )
    assert text == "【芦淞妇联】赵丹：公益市集周六开市" + rules.OPT_OUT_LINE


def test_email_goes_through_the_mailer_and_skips_members_without_an_address(
    district, chair_a, settings, mailoutbox
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with_mail, _without = market_members(district.market_a, 2)
    with_mail.email = "wang@example.org"
    with_mail.save(update_fields=["email"])
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="培训通知",
        channel=Channel.EMAIL,
        body="{姓名}您好，{市场}的直播培训定于{时间}。",
        event_time="周六上午",
        audience={"query": f"organization={district.market_a.federation.pk}"},
    )
    send_all(notice)
    assert notice.state == NoticeState.DONE
    assert notice.excluded_no_address == 2  # 赵丹 and `without` have no e-mail
    assert [m.to for m in mailoutbox] == [["wang@example.org"]]
    market = district.market_a.name
    assert mailoutbox[0].body == f"{with_mail.name}您好，{market}的直播培训定于周六上午。"


def test_sending_a_batch_costs_the_same_queries_for_10_or_100_recipients(
    district, chair_a, template, gateway
):
    def queries_for(count):
        market_members(district.market_a, count)
        notice = schedule(chair_a, district.market_a, template)
        services.notice_freeze(notice_id=notice.pk)
        (first, last), *_ = services.notice_batches(notice_id=notice.pk, size=1000)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            services.recipients_send_batch(notice_id=notice.pk, first_id=first, last_id=last)
        return len(captured)

    assert queries_for(10) == queries_for(89)  # one gateway call of ≤100 numbers each


def test_a_notice_is_posted_once_into_the_officers_wecom_group(
    district, chair_a, template, gateway
):
    bot = WeComBot.objects.create(
        organization=district.market_a.federation,
        name="邵兴城执委群",
        webhook_url=f"{gateway.url}/cgi-bin/webhook/send?key=bot-{district.market_a.pk}",
    )
    notice = schedule(chair_a, district.market_a, template, wecom_bot=bot)
    assert services.notice_post_to_wecom(notice_id=notice.pk) is None
    assert services.notice_post_to_wecom(notice_id=notice.pk) is None  # delivered twice
    notice.refresh_from_db()
    assert notice.wecom_state == WeComPostState.POSTED
    (post,) = gateway._call("/_fake/wecom", {})
    assert post["body"]["msgtype"] == "markdown"
    assert "会员大会" in post["body"]["markdown"]["content"]


def test_the_wecom_robot_limit_is_kept_by_all_workers_together(db):
    # 20 a minute per robot: the 21st post in the same minute is told to wait most of it.
    key = f"wecom:test-{uuid.uuid4().hex}"
    answers = [ratelimit.take(key, limit=20, per=60.0, hold=90.0, wanted=1) for _ in range(20)]
    assert all(admission is not None for admission, _wait in answers)
    for admission, _wait in answers:
        admission.release()  # each post answered
    refused, wait = ratelimit.take(key, limit=20, per=60.0, hold=90.0, wanted=1)
    assert refused is None and 50 < wait <= 60


def test_ticked_ids_that_are_not_ascii_digits_reach_nobody_and_do_not_fail(district, chair_a):
    chosen = audience_members(
        user=chair_a, audience={"ids": ["²", "١٢", "9" * 40, str(district.member_a.pk)]}
    )
    assert list(chosen.values_list("pk", flat=True)) == [district.member_a.pk]
