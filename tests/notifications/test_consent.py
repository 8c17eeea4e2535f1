"""Consent and opt-out per channel (PIPL art. 14–15): recorded on her record by those who
may change her, audited, one channel at a time; promotional notices need consent."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeRecord
from notifications import rules, services
from notifications.models import (
    Channel,
    Consent,
    ConsentMethod,
    OptOut,
    OptOutSource,
    Recipient,
    SmsTemplate,
)
from tests.notifications.test_services import market_members, schedule, send_all


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def promotional_template(template):
    return SmsTemplate.objects.create(
        code="SMS_480099999",
        name="公益市集",
        body="{姓名}：{市场}公益市集{时间}开市",
        signature=template.signature,
        approved=True,
        promotional=True,
    )


def test_consent_is_recorded_per_channel_with_how_and_when(district, chair_a, today):
    member = district.member_a
    on = today - datetime.timedelta(days=3)
    services.consent_record(
        by=chair_a, member=member, channel=Channel.SMS, method=ConsentMethod.PAPER_FORM, on=on
    )
    consent = Consent.objects.get(member=member)
    assert consent.channel == Channel.SMS
    assert consent.method == ConsentMethod.PAPER_FORM
    assert timezone.localtime(consent.given_at).date() == on
    assert consent.recorded_by == chair_a
    assert not Consent.objects.filter(member=member, channel=Channel.EMAIL).exists()
    record = ChangeRecord.objects.get(object_id=str(member.pk), action="consent_recorded")
    assert record.user == chair_a and record.params["channel"] == "sms"


def test_opting_out_of_sms_leaves_email_consent_alone(district, chair_a, today):
    member = district.member_a
    for channel in (Channel.SMS, Channel.EMAIL):
        services.consent_record(
            by=chair_a, member=member, channel=channel, method=ConsentMethod.IN_PERSON, on=today
        )
    services.opt_out_record(
        by=chair_a, member=member, channel=Channel.SMS, source=OptOutSource.PHONE, on=today
    )
    assert list(OptOut.objects.filter(member=member).values_list("channel", "source")) == [
        ("sms", "phone")
    ]
    assert Consent.objects.filter(member=member).count() == 2  # what she gave stays on record
    assert ChangeRecord.objects.filter(object_id=str(member.pk), action="opt_out_recorded").exists()


def test_consent_given_again_lifts_the_opt_out_of_that_channel_only(district, chair_a, today):
    member = district.member_a
    for channel in (Channel.SMS, Channel.EMAIL):
        OptOut.objects.create(
            member=member, channel=channel, at=timezone.now(), source=OptOutSource.SMS_REPLY
        )
    services.consent_record(
        by=chair_a, member=member, channel=Channel.SMS, method=ConsentMethod.IN_PERSON, on=today
    )
    assert list(OptOut.objects.filter(member=member).values_list("channel", flat=True)) == ["email"]


def test_chair_cannot_record_consent_for_another_markets_member(
    district, chair_b, client_for, today
):
    member = district.member_a  # market A's
    with pytest.raises(PermissionDenied):
        services.consent_record(
            by=chair_b, member=member, channel=Channel.SMS, method="in_person", on=today
        )
    client = client_for(chair_b)
    url = reverse("member_consent", args=[member.pk])
    assert client.get(url).status_code == 404
    data = {"channel": "sms", "record": "consent", "method": "in_person", "on": str(today)}
    assert client.post(url, data).status_code == 404
    assert not Consent.objects.exists()


def test_viewer_neither_sees_nor_records_consent(district, viewer, client_for):
    client = client_for(viewer)
    page = client.get(reverse("member_detail", args=[district.member_a.pk]))
    assert page.status_code == 200 and 'id="consent"' not in page.content.decode()
    assert client.get(reverse("member_consent", args=[district.member_a.pk])).status_code in (
        403,
        404,
    )


def test_member_page_shows_consent_and_the_form_records_it(district, chair_a, client_for, today):
    client = client_for(chair_a)
    member = district.member_a
    url = reverse("member_consent", args=[member.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"<html" in page.content
    data = {"channel": "email", "record": "consent", "method": "phone", "on": str(today)}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("member_detail", args=[member.pk])
    data = {"channel": "sms", "record": "opt_out", "method": "in_person", "on": str(today)}
    assert client.post(url, data).status_code == 302
    assert Consent.objects.get(member=member).channel == "email"
    assert OptOut.objects.get(member=member).channel == "sms"
    detail = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert 'id="consent"' in detail
    assert str(today) in detail
    assert reverse("member_consent", args=[member.pk]) in detail


@pytest.mark.parametrize(
    "hostile",
    [
        {"channel": "fax"},
        {"channel": "短信" * 5000},
        {"method": "x" * 10_000},
        {"record": "everything"},
        {"on": "²０２６-11-01"},
        {"on": "2099-01-01"},
        {"on": "9" * 10_000},
        {"channel": "sms\x00"},
    ],
)
def test_hostile_consent_input_gets_a_message_and_writes_nothing(
    district, chair_a, client_for, today, hostile
):
    client = client_for(chair_a)
    data = {"channel": "sms", "record": "opt_out", "method": "in_person", "on": str(today)}
    response = client.post(reverse("member_consent", args=[district.member_a.pk]), data | hostile)
    assert response.status_code in (200, 400)  # 400: NUL, refused site-wide
    assert not OptOut.objects.exists() and not Consent.objects.exists()


def test_erased_member_gets_no_consent_recorded(district, district_staff, today):
    member = district.member_a
    member.erased_at = timezone.now()
    member.save(update_fields=["erased_at"])
    with pytest.raises((ValidationError, PermissionDenied)):
        services.consent_record(
            by=district_staff, member=member, channel="sms", method="in_person", on=today
        )
    assert not Consent.objects.exists()


def test_promotional_notice_reaches_only_consented_members_and_counts_the_rest(
    district, chair_a, promotional_template, gateway, today
):
    consented, not_asked, withdrew = market_members(district.market_a, 3)
    for member in (consented, withdrew):
        services.consent_record(
            by=chair_a, member=member, channel=Channel.SMS, method="paper_form", on=today
        )
    # Consent to e-mail is not consent to SMS.
    services.consent_record(
        by=chair_a, member=not_asked, channel=Channel.EMAIL, method="paper_form", on=today
    )
    services.opt_out_record(
        by=chair_a, member=withdrew, channel=Channel.SMS, source="phone", on=today
    )
    notice = schedule(chair_a, district.market_a, promotional_template)
    assert notice.promotional
    send_all(notice)
    assert set(Recipient.objects.filter(notice=notice).values_list("member_id", flat=True)) == {
        consented.pk
    }
    # district.member_a (赵丹) and not_asked have no SMS consent; withdrew opted out.
    assert (notice.excluded_no_consent, notice.excluded_opted_out) == (2, 1)
    [message] = gateway.messages()
    assert message["phone"] == consented.mobile


def test_service_notice_still_reaches_members_without_consent(district, chair_a, template, gateway):
    market_members(district.market_a, 2)
    notice = schedule(chair_a, district.market_a, template)
    send_all(notice)
    assert not notice.promotional and notice.excluded_no_consent == 0
    assert Recipient.objects.filter(notice=notice).count() == 3


def test_promotional_email_carries_the_opt_out_line_and_needs_consent(
    district, chair_a, settings, mailoutbox, today
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    asked, not_asked = market_members(district.market_a, 2)
    for i, member in enumerate((asked, not_asked)):
        member.email = f"m{i}@example.org"
        member.save(update_fields=["email"])
    services.consent_record(by=chair_a, member=asked, channel="email", method="phone", on=today)
    notice = services.notice_create(
        by=chair_a,
        organization=district.market_a.federation,
        title="公益市集",
        channel=Channel.EMAIL,
        body="{姓名}：周六公益市集",
        audience={"query": f"organization={district.market_a.federation.pk}"},
        promotional=True,
    )
    send_all(notice)
    assert [m.to for m in mailoutbox] == [["m0@example.org"]]
    assert mailoutbox[0].body.endswith(rules.EMAIL_OPT_OUT_LINE)
    assert notice.excluded_no_consent == 1


def test_promotional_sms_on_a_plain_template_is_refused(district, chair_a, template):
    with pytest.raises(ValidationError):
        schedule(chair_a, district.market_a, template, promotional=True)


def test_compose_preview_counts_members_left_out_for_no_consent(
    district, chair_a, promotional_template, client_for, today
):
    consented, _other = market_members(district.market_a, 2)
    services.consent_record(
        by=chair_a, member=consented, channel="sms", method="in_person", on=today
    )
    data = {
        "organization": district.market_a.federation.pk,
        "audience_organization": district.market_a.federation.pk,
        "channel": Channel.SMS,
        "sms_template": promotional_template.pk,
        "title": "公益市集",
        "quiet_hours_override": "on",
        "preview": "1",
    }
    response = client_for(chair_a).post(
        reverse("notice_compose"), data, headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    # 3 chosen (赵丹, consented, _other): 1 reached, 2 without consent.
    assert 'data-reachable="1"' in text
    assert '<span class="no-consent" data-count="2">' in text
    assert rules.OPT_OUT_LINE in text
